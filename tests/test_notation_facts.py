"""The write-up and the claim checker ask a notation what it declares, never
its name: a notation registered under another name, declaring the same
facts, gives the same document and the same verdicts and messages."""

from __future__ import annotations

import re

import pytest

from derive.claims import check, grid_scope
from derive.claims import names as claim_names
from derive.cli import main
from derive.notation import naming
from derive.support.errors import InputError


class Watermelon(naming.XiguaNotation):
    name = "watermelon"


class Layered(naming.LayerNotation):
    name = "layered"


TWINS = {"xigua": Watermelon(), "layer": Layered()}


@pytest.fixture
def twins(monkeypatch):
    for twin in TWINS.values():
        monkeypatch.setitem(naming.NOTATIONS, twin.name, twin)
        monkeypatch.setitem(claim_names.NOTATIONS, twin.name, claim_names._names(twin))


def _document(tmp_path, notation: str) -> str:
    out = tmp_path / notation
    assert main(["--layers", "2", "--notation", notation, "--out", str(out)]) == 0
    return re.sub(r"\d+\.\d+ s\b", "… s", (out / "derivation.tex").read_text())  # timings


@pytest.mark.parametrize("notation", sorted(TWINS))
def test_the_write_up_does_not_depend_on_the_notations_name(twins, tmp_path, notation):
    twin = TWINS[notation].name
    assert _document(tmp_path, twin) == _document(tmp_path, notation)


def _outcome(claim: str, notation: str) -> str:
    try:
        verdict = check(claim, notation=notation)
    except InputError as error:
        return "refused: " + str(error).replace(notation, "<notation>")
    return f"{verdict.outcome}: {verdict.explanation}"


CLAIMS = {
    "xigua": [
        "dE/dw[h,j] = -g[j]*b[h]",  # holds, on the grid of d, q, l
        "dE/dw[h,j] = g[j]*b[h]",  # refuted: the widths named d,q,l
        "x[i] = 1",  # not a known left side: g[j], e[h]
        "g[j] = delta[2][j]",  # a name of the layer notation
        r"\frac{\partial E}{\partial \theta_j} = g_j",  # \hat{y} aside, the book's LaTeX
        r"g_j = \hat{y}_j (1 - \hat{y}_j) (y_j - \hat{y}_j)",  # \hat{y} is yhat
    ],
    "layer": [
        "delta[l][j] = sigmoid'(z[l][j]) * Sum(w[l+1][k][j]*delta[l+1][k], k, 1, n[l+1])",
        "dE/dw[l][j][k] = -delta[l][j]*a[l-1][k]",  # refuted: widths n0..nL
        "x[k] = 1",  # not a known left side: delta[l][j]
        "g[j] = delta[2][j]",  # a name of the book's notation
        r"\delta^L_j = (\hat{y}_j - y_j) \sigma'(z^L_j)",  # \hat{y} is a^L
    ],
}


@pytest.mark.parametrize(
    ("notation", "claim"),
    [(notation, claim) for notation, claims in CLAIMS.items() for claim in claims],
)
def test_a_claims_verdict_does_not_depend_on_the_notations_name(twins, notation, claim):
    twin = TWINS[notation].name
    assert _outcome(claim, twin) == _outcome(claim, notation)


@pytest.mark.parametrize("notation", sorted(TWINS))
def test_the_grid_is_described_the_same(twins, notation):
    twin = TWINS[notation].name
    assert grid_scope(twin).sizes == grid_scope(notation).sizes


def test_the_notations_declare_different_facts():
    layer, xigua = naming.notation("layer"), naming.notation("xigua")
    assert (layer.any_layer, xigua.any_layer) == (True, False)
    assert (layer.sample_letter, xigua.sample_letter) == ("s", "k")
    assert (layer.width_letters, xigua.width_letters) == (None, ("d", "q", "l"))
    assert (layer.output_spelling, xigua.output_spelling) == ("a", "yhat")
    assert (layer.names_weighted_sums, xigua.names_weighted_sums) == (False, True)
    assert (layer.error_spellings(), xigua.error_spellings()) == ("delta[l][j]", "g[j], e[h]")
    assert (layer.widths_text(), xigua.widths_text()) == ("n0..nL", "d,q,l")


def test_help_lists_the_notations_registered(twins, capsys):
    from derive.cli import main

    with pytest.raises(SystemExit):
        main(["--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "--notation layer|xigua|watermelon|layered" in shown
    assert "watermelon: the watermelon book's names" in shown
