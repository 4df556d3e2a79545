"""derivation.tex: printed from the verified expressions, compiling cleanly,
inert against injected LaTeX, and agreeing with the watermelon book.

Compiling needs pdflatex.  Where it is missing the compile tests skip,
except under CI or DERIVE_REQUIRE_LATEX=1, where they fail: .ci/run installs
TeX Live, so a skip there would hide a broken document.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sympy
from conftest import ACTIVATIONS as ACTIVATION_NAMES
from conftest import LOSSES

from derive.cli import main
from derive.derivation.gradients import Derivation
from derive.derivation.indexed import J, a, b, delta, increment, n, w, y
from derive.latex import pdf
from derive.latex.layout import LatexWriter
from derive.model.network import Network
from derive.notation import equations
from derive.notation.naming import notation
from derive.present.presentation import ETA, Presentation
from derive.spec.network import parse_spec
from derive.spec.registry import Activation
from proofs.walkthrough import Walkthrough

REQUIRED = os.environ.get("DERIVE_REQUIRE_LATEX") == "1" or bool(os.environ.get("CI"))


def _engine():
    if shutil.which("pdflatex") is None:
        if REQUIRED:
            pytest.fail("pdflatex is required (CI or DERIVE_REQUIRE_LATEX=1) but not installed")
        pytest.skip("pdflatex not installed")
    return pdf.find_engine()


def _derive(tmp_path, *args) -> Path:
    out = tmp_path / "out"
    assert main([*args, "--out", str(out)]) == 0
    return out


def _compile_clean(tex: str) -> pdf.Compiled:
    compiled = pdf.compile_tex(tex, _engine())
    assert compiled.pdf.startswith(b"%PDF")
    assert pdf.first_error(compiled.log) is None
    assert pdf.undefined_references(compiled.log) == []
    assert pdf.overfull_boxes(compiled.log) == []
    return compiled


# -- the compile matrix: every depth 1..6, every activation and loss, both notations --------


def _matrix():
    for depth in range(1, 7):
        for number, loss in enumerate(LOSSES):
            activation = ACTIVATION_NAMES[(depth + number) % len(ACTIVATION_NAMES)]
            yield pytest.param(
                "layer", depth, activation, loss, id=f"layer-L{depth}-{activation}-{loss}"
            )
    for activation in ACTIVATION_NAMES:
        for loss in LOSSES:
            yield pytest.param("xigua", 2, activation, loss, id=f"xigua-{activation}-{loss}")


@pytest.mark.parametrize("notation_name,depth,activation,loss", list(_matrix()))
def test_the_document_compiles_without_errors_undefined_references_or_overfull_lines(
    tmp_path, notation_name, depth, activation, loss
):
    if loss == "bce":  # cross-entropy needs outputs in (0, 1)
        activation = ",".join([activation] * (depth - 1) + ["sigmoid"])
    out = _derive(
        tmp_path, "--layers", str(depth), "--activation", activation, "--loss", loss,
        "--notation", notation_name,
    )  # fmt: skip
    _compile_clean((out / "derivation.tex").read_text())


@pytest.mark.parametrize(
    "args",
    [
        ["--no-bias"],
        ["--widths", "4,6,5,3"],
        ["--layers", "14"],
        ["--activation", "erf(x)"],  # 2/√π: π must print as \pi
        ["--activation", "x*sigmoid(x)", "--loss", "(yhat - y)^4"],
    ],
)
def test_other_shapes_compile_cleanly(tmp_path, args):
    depth = [] if "--layers" in args else ["--layers", "3" if "--widths" in args else "2"]
    out = _derive(tmp_path, *depth, *args)
    _compile_clean((out / "derivation.tex").read_text())


# -- content ----------------------------------------------------------------------------------


def test_equation_numbers_are_the_ones_trainer_py_cites(tmp_path):
    out = _derive(tmp_path, "--layers", "3")
    tex = (out / "derivation.tex").read_text()
    cited = set(map(int, re.findall(r"# eq\. \((\d+)\)", (out / "trainer.py").read_text())))
    tags = list(map(int, re.findall(r"\\tag\{(\d+)\}", tex)))
    assert len(tags) == len(set(tags)), "each number is given to one equation"
    assert set(tags) == set(range(1, len(equations.EQUATIONS) + 1))
    assert cited <= set(tags)
    for key, _ in equations.EQUATIONS:  # each number sits on the equation of its key
        name = key.replace(" ", "-")
        label = re.search(rf"\\tag\{{(\d+)\}}\\label\{{eq:(?:rule-)?{name}\}}", tex)
        assert label and int(label.group(1)) == equations.number(key), key


def test_the_watermelon_book_formulas_appear_for_xigua(tmp_path):
    """The book's g_j, e_h and updates (Zhou, §5.3), written here from the
    book, agree with what the document prints, by exact algebra and by text."""
    out = _derive(tmp_path, "--layers", "2", "--notation", "xigua")
    tex = (out / "derivation.tex").read_text()
    h, i, j = (sympy.Symbol(c, integer=True, positive=True) for c in "hij")
    outputs = n[2]  # the book's l, the number of outputs: printed as l
    g, e = delta[2, j], delta[1, h]
    yhat, hidden = a[2, j], a[1, h]
    book = {  # lhs: (rhs in the book's sign convention, with g and e meaning −δ)
        g: yhat * (1 - yhat) * (y[j] - yhat),
        e: hidden * (1 - hidden) * sympy.Sum(w[2, j, h] * g, (j, 1, outputs)),
        increment(w[2, j, h]): ETA * g * hidden,
        increment(b[2, j]): -ETA * g,
        increment(w[1, h, i]): ETA * e * a[0, i],
        increment(b[1, h]): -ETA * e,
    }
    net_spec = parse_spec("2", None, None, None, True)
    xigua = notation("xigua")
    presentation = Presentation(Derivation(Network(net_spec, bias_sign=-1)), xigua)
    printed = {f.equation.lhs: f.equation.rhs for f in presentation.per_layer().formulas}
    writer = LatexWriter(presentation)
    for lhs, rhs in book.items():
        assert sympy.simplify(printed[lhs] - rhs) == 0, lhs
        row = writer.equation(lhs, printed[lhs])[0]
        assert row in tex, row
    assert r"E_k \to \hat{y}_{j} \to \beta_{j} \to b_{h} \to \alpha_{h} \to v_{ih}" in tex


def test_the_long_chain_and_the_trick_are_explained_for_l_2(tmp_path):
    out = _derive(tmp_path, "--layers", "2", "--notation", "xigua")
    tex = (out / "derivation.tex").read_text()
    assert r"\to \alpha_{h} \to v_{ih}" in tex
    assert r"[h = h']" in tex or r"[h' = h]" in tex  # the vanishing derivative
    assert r"\sum_{j=1}^{l}" in tex


def test_the_sum_over_paths_is_shown_for_three_layers_only(tmp_path):
    three = (_derive(tmp_path / "3", "--layers", "3") / "derivation.tex").read_text()
    four = (_derive(tmp_path / "4", "--layers", "4") / "derivation.tex").read_text()
    assert r"\label{sec:paths}" in three
    assert r"\label{sec:paths}" not in four


def test_what_was_checked_lists_every_theorem_of_the_certificate(tmp_path):
    import json

    out = _derive(tmp_path, "--layers", "3")
    tex = (out / "derivation.tex").read_text()
    certificate = json.loads((out / "certificate.json").read_text())
    section = tex[tex.index(r"\section{What was checked}") :]
    for theorem in certificate["theorems"]:
        name = theorem["name"].replace("-", "{-}")
        noun = "check" if theorem["checks"] == 1 else "checks"
        assert rf"\textbf{{{name}}}: proved ({theorem['checks']} {noun}," in section
    steps = certificate["trusted_base"]["kernel_steps"]
    assert f"accepted {steps['elementary']} elementary steps" in section


# -- every displayed step is checked: wrong steps are rejected ------------------------------


def _walk(spec, derivation_class=Derivation):
    derivation = derivation_class(Network(spec))
    walk = Walkthrough(derivation, range(spec.depth, 0, -1))
    return walk.run(), walk


def test_the_walkthrough_holds_for_the_catalogue():
    for activation in ACTIVATION_NAMES:
        outcome, walk = _walk(parse_spec("3", "2,3,2,2", activation, "mse", True))
        assert outcome.holds, (activation, outcome.failure)
        assert [s.layer for s in walk.steps] == [3, 2, 1]


def test_a_wrong_activation_slope_is_rejected():
    from derive.spec import registry

    wrong = Activation(
        "sigmoid",
        registry.sigmoid(registry.X),
        registry.A * (1 + registry.A),  # σ' = σ(1 + σ): wrong
        definition=1 / (1 + sympy.exp(-registry.X)),
    )
    spec = parse_spec("2", None, None, None, True)
    spec = spec.__class__(spec.widths, (wrong, wrong), spec.loss, spec.bias)
    outcome, _ = _walk(spec)
    assert not outcome.holds
    assert "simplification" in outcome.failure


class _ForgetsASlope(Walkthrough):
    """Leaves f'(z) out of the chain at the weight's own layer."""

    def _slope(self, facts, layer, unit):
        factor = super()._slope(facts, layer, unit)
        if unit == J:  # the weight's own unit
            return type(factor)(factor.derivative, sympy.S.One)
        return factor


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_a_chain_with_a_factor_left_out_is_rejected(depth):
    spec = parse_spec(str(depth), None, "tanh", None, True)
    walk = _ForgetsASlope(Derivation(Network(spec)), range(depth, 0, -1))
    outcome = walk.run()
    assert not outcome.holds
    assert "differ" in outcome.failure


class _SwappedRecursion(Derivation):
    """δ^l_j with the transposed weights above: w^{l+1}_jk instead of w^{l+1}_kj."""

    def delta_definition(self, layer, unit, through_output=True):
        net = self.network
        if layer == net.depth:
            return super().delta_definition(layer, unit, through_output)
        slope = self.activation_derivative(layer, unit, through_output)
        above = layer + 1
        weights = net.weights[above]  # square layers: the transpose has the same shape
        return slope * sympy.Add(
            *(weights[unit - 1][k] * net.delta[above][k] for k in range(net.width(above)))
        )


def test_a_wrong_scalar_recursion_is_rejected_by_the_per_unit_proof():
    """The walkthrough shows the index-form rules; the program's per-unit
    formulas, which the report prints, are the per-unit proof's to check."""
    from proofs.per_unit import PerUnitProof

    derivation = _SwappedRecursion(Network(parse_spec("2", "2,2,2", None, None, True)))
    outcomes = PerUnitProof(derivation).run()
    assert not all(v.holds for v in outcomes)
    assert any("differ" in (v.failure or "") for v in outcomes)


class _WrongGrouping(Walkthrough):
    """Shows ∂E/∂w^l_jk = δ^l_j a^l_k: the input taken from the layer itself."""

    def _rules(self, layer):
        delta_rule, gradient, bias = super()._rules(layer)
        wrong = sympy.Eq(
            gradient.lhs, delta[layer, J] * a[layer, sympy.Symbol("k", integer=True, positive=True)]
        )
        return delta_rule, wrong, bias


@pytest.mark.parametrize("depth", [1, 3])
def test_a_wrong_grouping_is_rejected(depth):
    spec = parse_spec(str(depth), None, None, None, True)
    outcome = _WrongGrouping(Derivation(Network(spec)), range(depth, 0, -1)).run()
    assert not outcome.holds
    assert "differ" in outcome.failure


# -- safety -----------------------------------------------------------------------------------


def _cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "derive", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )


@pytest.mark.parametrize("payload", [r"\input{/etc/passwd}", r"\write18{touch /tmp/derive-pwned}"])
def test_latex_in_an_activation_is_rejected(tmp_path, payload):
    result = _cli("--activation", payload, "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_latex_in_the_title_is_printed_inert(tmp_path):
    marker = tmp_path / "pwned"
    title = rf"\input{{/etc/passwd}} \write18{{touch {marker}}} \immediate\write18{{id}} $x$ & % #"
    out = _derive(tmp_path, "--layers", "1", "--title", title)
    tex = (out / "derivation.tex").read_text()
    assert r"\input{/etc/passwd}" not in tex and r"\write18{" not in tex
    compiled = _compile_clean(tex)
    assert not marker.exists()
    text = _pdf_text(compiled.pdf, tmp_path)
    assert "input{/etc/passwd}" in text.replace("\\", "").replace(" ", "")
    assert "root:" not in text


def _pdf_text(data: bytes, folder: Path) -> str:
    if shutil.which("pdftotext") is None:
        if REQUIRED:
            pytest.fail("pdftotext (poppler-utils) is required under CI")
        pytest.skip("pdftotext not installed")
    path = folder / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout


# -- --pdf --------------------------------------------------------------------------------------


def test_pdf_writes_a_pdf(tmp_path):
    _engine()
    out = _derive(tmp_path, "--layers", "2", "--pdf")
    assert (out / "derivation.pdf").read_bytes().startswith(b"%PDF")
    assert not (out / "derivation.log").exists()


def test_pdf_without_a_tex_engine_is_bad_input_and_writes_nothing(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    env = {**os.environ, "PATH": str(bin_dir)}
    result = _cli("--layers", "2", "--pdf", "--out", str(tmp_path / "out"), env=env)
    assert result.returncode == 2, result.stderr
    assert "pdflatex" in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_a_long_title_is_bad_input(tmp_path):
    result = _cli("--title", "x" * 201, "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and not (tmp_path / "out").exists()


# -- the cost model of the long chains (issue 16) ----------------------------------------


def test_a_long_chains_estimated_cost_grows_with_the_layers_on_it():
    from proofs import walkthrough

    # identity' = 1 has no operation: each layer on the chain costs SECONDS_PER_LAYER.
    network = Network(parse_spec("4", "2,3,3,3,1", "identity", "mse"))
    for layer in (1, 2, 3, 4):
        expected = walkthrough.SECONDS_PER_LAYER * (4 - layer + 1)
        assert walkthrough.long_chain_cost(network, layer) == pytest.approx(expected)
    heavier = Network(parse_spec("4", "2,3,3,3,1", "x*sigmoid(x)", "mse"))
    assert walkthrough.long_chain_cost(heavier, 1) > walkthrough.long_chain_cost(network, 1)


def test_long_chains_beyond_the_estimated_budget_are_not_compared_and_say_why(
    monkeypatch, tmp_path, capsys
):
    from proofs import walkthrough
    from proofs.verify import verify

    spec = parse_spec("3", "2,3,2,2", "tanh", "mse", True)
    network = Network(spec)
    # Room for the chains of layers 3 and 2 (top first), not for layer 1's.
    budget = walkthrough.long_chain_cost(network, 3) + walkthrough.long_chain_cost(network, 2)
    monkeypatch.setattr(walkthrough, "SECONDS_LIMIT", budget)
    outcome, walk = _walk(spec)
    assert outcome.holds, outcome.failure
    reasons = {step.layer: step.unchecked_reason for step in walk.steps}
    assert reasons[3] == reasons[2] == ""
    assert reasons[1].startswith("estimated ") and f"> {budget:g} s" in reasons[1]
    assert main(["--layers", "3", "--widths", "2,3,2,2", "--activation", "tanh",
                 "--out", str(tmp_path)]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "step-by-step chain of layer 1 not compared as a whole: estimated" in out
    assert "chain of layer 2 not compared" not in out
    holds, lines = verify(tmp_path / "certificate.json")
    assert holds, lines
