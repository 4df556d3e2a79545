"""``derive check`` on softmax networks with categorical cross-entropy, and
the hypothesis Σ_k y_k = 1 that ``--targets-sum-to-1`` declares: the exact δ
is proved, a − y only under the hypothesis, and the classic mistakes are
refuted with numbers a reader can recompute."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from derive.claims import check
from derive.cli import main
from derive.spec.network import parse_spec

SOFTMAX = ["--activation", "sigmoid,softmax", "--loss", "ce"]
NETWORK = ["--widths", "2,3,3", *SOFTMAX]
HYPOTHESIS = "Σ_k y_k = 1"

EXACT = "delta[L][j] = a[L][j]*Sum(y[k], (k, 1, n[L])) - y[j]"
FAMOUS = "delta[L][j] = a[L][j] - y[j]"


def run(capsys, *args):
    """(exit status, stdout, stderr) of ``derive check …`` through the real CLI."""
    status = main(["check", *args])
    out, err = capsys.readouterr()
    return status, out, err


def verdict_json(capsys, *args) -> tuple[int, dict]:
    status, out, _ = run(capsys, "--json", *args)
    return status, json.loads(out)


def target_sum(example: dict) -> Fraction:
    targets = [v for name, v in example["values"].items() if name.startswith("y[")]
    assert targets, example
    return sum(Fraction(v) for v in targets)


# -- the exact δ and the famous a − y ------------------------------------------


def test_the_exact_output_delta_is_proved_on_the_network_given(capsys):
    status, out, err = run(capsys, *NETWORK, EXACT)
    assert status == 0, err
    assert "proved" in out and "for every j" in out
    assert "softmax" in out and "loss ce" in out
    assert HYPOTHESIS not in out  # true for any targets: no hypothesis named


def test_the_exact_output_delta_needs_no_hypothesis_even_where_one_is_declared(capsys):
    status, payload = verdict_json(capsys, *NETWORK, "--targets-sum-to-1", EXACT)
    assert status == 0 and payload["verdict"] == "proved"
    assert payload["hypotheses"] == []


def test_with_symbolic_sizes_the_exact_delta_is_proved_for_every_size(capsys):
    """By the general theorem with a softmax output (the kernel's, for every
    depth and width), after the grid found no network with one output."""
    status, payload = verdict_json(capsys, *SOFTMAX, EXACT)
    assert status == 0 and payload["verdict"] == "proved"
    assert "for every depth and every width" in payload["explanation"]
    assert "e^{z^L_j} / Σ_t e^{z^L_t}" in payload["explanation"]
    assert payload["hypotheses"] == []
    assert payload["sizes_checked"] and all(w[-1] >= 2 for w in payload["sizes_checked"])
    assert all(len(w) == 3 for w in payload["sizes_checked"])  # the list fixes L = 2


def test_the_hidden_rule_of_a_softmax_network_is_proved_for_every_size(capsys):
    hidden = "delta[l][j] = a[l][j]*(1-a[l][j])*Sum(w[l+1][k][j]*delta[l+1][k], (k, 1, n[l+1]))"
    status, payload = verdict_json(capsys, *SOFTMAX, hidden)
    assert status == 0 and "for every depth and every width" in payload["explanation"]


def test_a_minus_y_is_false_for_targets_that_do_not_sum_to_one(capsys):
    status, payload = verdict_json(capsys, *NETWORK, FAMOUS)
    assert status == 1 and payload["verdict"] == "false"
    example = payload["counterexample"]
    assert target_sum(example) != 1
    assert {"y[1]", "y[2]", "y[3]"} <= set(example["values"])
    assert "--targets-sum-to-1" in payload["explanation"]
    assert f"sum to {target_sum(example)}" in payload["explanation"]


def test_a_minus_y_is_proved_under_the_declared_hypothesis_and_says_so(capsys):
    status, out, err = run(capsys, *NETWORK, "--targets-sum-to-1", FAMOUS)
    assert status == 0, err
    assert out.splitlines()[2].startswith("proved")
    assert f"hypothesis {HYPOTHESIS}" in out and "--targets-sum-to-1" in out
    assert "targets summing to 1" in out.splitlines()[1]  # the model line
    status, payload = verdict_json(capsys, *NETWORK, "--targets-sum-to-1", FAMOUS)
    assert payload["hypotheses"] == [HYPOTHESIS]


def test_a_minus_y_with_symbolic_sizes(capsys):
    status, payload = verdict_json(capsys, *SOFTMAX, FAMOUS)
    assert status == 1 and target_sum(payload["counterexample"]) != 1
    status, payload = verdict_json(capsys, *SOFTMAX, "--targets-sum-to-1", FAMOUS)
    assert status == 0 and payload["hypotheses"] == [HYPOTHESIS]
    assert "for every depth and every width" in payload["explanation"]
    assert HYPOTHESIS in payload["explanation"]


def test_from_python_the_spec_declares_the_hypothesis():
    plain = parse_spec(widths="3,4", activation="softmax", loss="ce")
    declared = parse_spec(widths="3,4", activation="softmax", loss="ce", targets_sum_to_one=True)
    assert check(FAMOUS, plain).holds is False
    verdict = check(FAMOUS, declared)
    assert verdict.holds is True and verdict.hypotheses == [HYPOTHESIS]


# -- the classic mistakes -------------------------------------------------------

MUTANTS = {
    "elementwise sigmoid-style δ": "delta[L][j] = a[L][j]*(1 - a[L][j])*(a[L][j] - y[j])",
    "sign": "delta[L][j] = y[j] - a[L][j]*Sum(y[k], (k, 1, n[L]))",
    "sign of a − y": "delta[L][j] = y[j] - a[L][j]",
    "Jacobian without its off-diagonal part": "delta[L][j] = dE/da[L][j]*a[L][j]*(1 - a[L][j])",
    "the same, simplified": "delta[L][j] = (a[L][j] - 1)*y[j]",
    "[k = j] − a_k for [k = j] − a_j": (
        "delta[L][j] = dE/da[L][j]*a[L][j] - Sum(dE/da[L][k]*a[L][k]*a[L][k], (k, 1, n[L]))"
    ),
    "missing Σ": "delta[L][j] = a[L][j]*y[k] - y[j]",
    "missing Σ in the Jacobian form": (
        "delta[L][j] = dE/da[L][j]*a[L][j] - a[L][j]*dE/da[L][k]*a[L][k]"
    ),
}


@pytest.mark.parametrize("hypothesis", [False, True], ids=["any targets", "targets sum to 1"])
@pytest.mark.parametrize("claim", MUTANTS.values(), ids=MUTANTS.keys())
def test_each_classic_mistake_is_refuted_with_a_counterexample(capsys, claim, hypothesis):
    declared = ["--targets-sum-to-1"] if hypothesis else []
    status, payload = verdict_json(capsys, *NETWORK, *declared, claim)
    assert status == 1 and payload["verdict"] == "false", payload["explanation"]
    example = payload["counterexample"]
    assert example["widths"] == [2, 3, 3] and example["lhs_value"] != example["rhs_value"]
    if hypothesis:  # the counterexample is one the hypothesis allows
        assert target_sum(example) == 1
    else:  # the option would not fix it, so it is not suggested
        assert "--targets-sum-to-1" not in payload["explanation"]
    if "k" in payload["free_indices"] and "Sum" not in claim:
        assert "a Σ may be missing" in payload["explanation"]


def test_the_general_jacobian_form_is_proved(capsys):
    claim = "delta[L][j] = dE/da[L][j]*a[L][j] - a[L][j]*Sum(dE/da[L][k]*a[L][k], (k, 1, n[L]))"
    status, out, _ = run(capsys, *NETWORK, claim)
    assert status == 0 and "proved" in out


# -- per-unit claims on a concrete network --------------------------------------


@pytest.mark.parametrize(
    "claim, declared",
    [
        ("dE/dz[2][1] = a[2][1]*(y[1] + y[2] + y[3]) - y[1]", False),
        (r"\frac{\partial E}{\partial z^2_1} = a^2_1 - y_1", True),
        ("dE/db[2][3] = a[2][3] - y[3]", True),
        ("d(a[2][1])/d(z[2][2]) = -a[2][1]*a[2][2]", False),
        ("d(a[2][2])/d(z[2][2]) = a[2][2]*(1 - a[2][2])", False),
        ("delta[1][j] = sigmoid'(z[1][j])*Sum(w[2][k,j]*delta[2][k], k)", False),
        ("dE/dw[l][j,k] = delta[l][j]*a[l-1][k]", False),
        ("E = -Sum(y[k]*log(a[L][k]), k)", False),
    ],
)
def test_per_unit_claims_on_a_softmax_network_are_proved(capsys, claim, declared):
    status, out, err = run(capsys, *NETWORK, *(["--targets-sum-to-1"] if declared else []), claim)
    assert status == 0, out + err
    assert "proved" in out
    assert (HYPOTHESIS in out) == declared


@pytest.mark.parametrize(
    "claim",
    [
        "d(a[2][1])/d(z[2][2]) = a[2][1]*a[2][2]",  # the off-diagonal sign
        "d(a[2][1])/d(z[2][2]) = 0",  # as if elementwise
        "dE/dz[2][1] = a[2][1] - y[1]",  # no hypothesis declared
    ],
)
def test_per_unit_mistakes_are_refuted(capsys, claim):
    status, out, _ = run(capsys, *NETWORK, claim)
    assert status == 1 and out.splitlines()[2].startswith("false:")
    assert "  at:" in out  # the values, to recompute it


# -- bad input ------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, words",
    [
        (["--activation", "softmax,sigmoid", "--loss", "ce"], "only be the output layer"),
        (["--activation", "sigmoid,softmax", "--loss", "mse", "--targets-sum-to-1"], "ce"),
        (["--activation", "sigmoid,softmax", "--loss", "bce"], "use --loss ce"),
        (["--widths", "2,3,1", "--activation", "sigmoid,softmax", "--loss", "ce"], "2 or more"),
        (["--widths", "2,3,3", "--activation", "sigmoid", "--loss", "ce"], "softmax"),
        (["--layers", "3", "--activation", "sigmoid,softmax", "--loss", "ce"], "2 activations"),
    ],
)
def test_a_network_the_spec_refuses_is_one_line_of_bad_input(capsys, args, words):
    status, out, err = run(capsys, *args, FAMOUS)
    assert status == 2 and out == ""
    assert err.startswith("derive: error:") and err.count("\n") == 1
    assert words in err


def test_f_of_a_softmax_layer_is_refused_with_the_spelling_to_use(capsys):
    status, _, err = run(
        capsys,
        "--widths",
        "3,3",
        "--activation",
        "softmax",
        "--loss",
        "ce",
        "delta[L][j] = f(z[L][j]) - y[j]",
    )
    assert status == 2 and err.count("\n") == 1
    assert "not a function of one unit" in err and "a[L][j]" in err


# -- the grid for symbolic sizes ------------------------------------------------


def test_an_activation_list_fixes_the_depth_of_the_grid(capsys):
    claim = "delta[L][j] = (a[L][j] - y[j])*(1 - a[L][j]**2)"
    status, payload = verdict_json(capsys, "--activation", "sigmoid,tanh", claim)
    assert status == 4 and {len(w) for w in payload["sizes_checked"]} == {3}


def test_softmax_alone_is_the_one_layer_network(capsys):
    status, payload = verdict_json(capsys, "--activation", "softmax", "--loss", "ce", EXACT)
    assert status == 4 and {len(w) for w in payload["sizes_checked"]} == {2}
    assert all(w[-1] >= 2 for w in payload["sizes_checked"] + payload["sizes_searched"])


def test_in_the_books_names_the_output_count_starts_at_two(capsys):
    claim = "g[j] = y[j] - yhat[j]*Sum(y[k], (k, 1, l))"
    status, payload = verdict_json(capsys, "--notation", "xigua", *SOFTMAX, claim)
    assert status == 4 and "l in 2..3" in payload["explanation"]
    status, payload = verdict_json(
        capsys, "--notation", "xigua", *SOFTMAX, "--targets-sum-to-1", "g[j] = y[j] - yhat[j]"
    )
    assert status == 4 and payload["hypotheses"] == [HYPOTHESIS]


def test_a_value_zero_to_the_working_precision_is_shown_as_zero():
    """Found by review: a δ that exact arithmetic makes 0 was shown as 6.98673756439e-83."""
    import mpmath

    from derive.claims.numeric import shown

    with mpmath.workdps(90):
        left, right = shown(mpmath.mpf("6.98673756439e-83"), mpmath.mpf("0.019806889095"))
        assert float(left) == 0 and right.startswith("0.0198068")
        assert shown(mpmath.mpf("1e-30"), mpmath.mpf(1))[0] == "1.0e-30"  # small, not noise
