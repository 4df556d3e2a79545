"""A softmax output with categorical cross-entropy: the spec's refusals,
both derivations, the output lemma and rule proved in index form (the
hypothesis Σ_k y_k = 1 named where declared), the mistakes learners make
refused with counterexamples, the theorem for all depths, and the
certificate's hypothesis checked by the verifier."""

from __future__ import annotations

import json
import random
import re

import pytest
import sympy

from derive.derivation import indexed
from derive.derivation.gradients import Derivation, expanded_chain_rule
from derive.derivation.indexed import J, K, Rule, a, delta, n, y
from derive.model.evaluate import evaluate
from derive.model.network import Network
from derive.spec.network import parse_spec
from derive.support.errors import InputError
from proofs import expanded
from proofs.certificate import build
from proofs.general import GeneralProof
from proofs.index_form import IndexFormProof
from proofs.kernel import Kernel
from proofs.per_unit import PerUnitProof
from proofs.run import run_proofs
from proofs.verify import digest, verify


def spec(widths="2,3,3", activation="tanh,softmax", loss="ce", targets=False):
    return parse_spec(None, widths, activation, loss, targets_sum_to_one=targets)


# -- the spec ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("widths", "activation", "loss", "targets", "words"),
    [
        ("2,3,3", "softmax,sigmoid", "mse", False, "only be the output layer"),
        ("2,3,3", "softmax", "ce", False, "only be the output layer (layer 2), not layer 1"),
        ("2,3,1", "tanh,softmax", "ce", False, "constant 1 (every gradient is 0)"),
        ("2,3,3", "tanh,softmax", "bce", False, "use --loss ce"),
        ("2,3,3", "sigmoid", "ce", False, "make the last activation softmax"),
        ("2,3,3", "tanh,identity", "ce", False, "does not give one"),
        ("2,3,3", "tanh,softmax", "mse", True, "of the built-in loss ce only"),
        ("2,3,3", "tanh,softmax", "-y*log(yhat)", True, "--loss ce is −Σ y ln ŷ"),
    ],
)
def test_the_spec_refuses_what_a_softmax_output_cannot_mean(
    widths, activation, loss, targets, words
):
    with pytest.raises(InputError) as refused:
        spec(widths, activation, loss, targets)
    assert words in str(refused.value)
    assert "\n" not in str(refused.value)


def test_named_spellings_point_to_ce():
    for name in ("cross-entropy", "categorical-cross-entropy", "nll"):
        with pytest.raises(InputError, match="is called 'ce' here: --loss ce"):
            spec(loss=name)


# -- both derivations -------------------------------------------------------------------


@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("outputs", [2, 3, 4])
@pytest.mark.parametrize("loss", ["ce", "mse", "(yhat - y)^4/4"])
def test_the_delta_form_equals_the_expanded_chain_rule(depth, outputs, loss):
    """At random points, targets that do not sum to 1 (the exact rule must
    hold for any targets)."""
    widths = ",".join(["2"] + ["3"] * (depth - 1) + [str(outputs)])
    activation = ",".join(["sigmoid"] * (depth - 1) + ["softmax"])
    derivation = Derivation(Network(spec(widths, activation, loss)))
    chain = expanded_chain_rule(derivation, seconds=None)
    assert chain.skipped is None
    rng = random.Random(depth * 10 + outputs)
    cache = {}
    point = {s: rng.uniform(-1, 1) for s in derivation.network.loss_expanded.free_symbols}
    for parameter in derivation.network.parameters():
        direct = evaluate(chain.gradients[parameter], point, cache)
        by_delta = evaluate(chain.delta_forms[parameter], point, cache)
        assert direct == pytest.approx(by_delta, rel=1e-10, abs=1e-12), parameter


@pytest.mark.parametrize(
    ("widths", "activation", "loss"),
    [("2,3", "softmax", "ce"), ("1,2,2", "tanh,softmax", "ce"), ("2,2", "softmax", "mse")],
)
def test_the_expanded_chain_rule_is_proved_equal_exactly(widths, activation, loss):
    derivation = Derivation(Network(spec(widths, activation, loss)))
    assert expanded.feasible(derivation) is None
    outcome = expanded.prove_expanded(derivation, Kernel())
    assert outcome.holds, outcome.failure


def test_central_differences_agree_with_the_delta_form():
    network = Network(spec("3,4,3", "tanh,softmax", "ce"))
    derivation = Derivation(network)
    loss = network.loss_expanded
    rng = random.Random(7)
    point = {s: rng.uniform(-1, 1) for s in loss.free_symbols}
    step = 1e-6
    for parameter in network.parameters():
        shifted = [loss.xreplace({**point, parameter: point[parameter] + h}) for h in (step, -step)]
        numeric = float((shifted[0] - shifted[1]) / (2 * step))
        exact = float(derivation.delta_form_expanded(parameter).xreplace(point))
        assert numeric == pytest.approx(exact, rel=1e-6, abs=1e-8), parameter


def test_the_ce_rule_is_exact_and_the_hypothesis_gives_a_minus_y():
    exact = indexed.rules(Network(spec()))[0].equation.rhs
    assert sympy.expand(exact - (a[2, J] * sympy.Sum(y[K], (K, 1, n[2])) - y[J])) == 0
    under = indexed.rules(Network(spec(targets=True)))[0].equation.rhs
    assert sympy.expand(under - (a[2, J] - y[J])) == 0


# -- the proofs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("widths", "loss", "targets"),
    [
        ("2,3,3", "ce", False),
        ("2,3,3", "ce", True),
        ("2,3,4", "mse", False),
        ("2,3,4", "(yhat - y)^4", False),
        ("784,64,10", "ce", True),
        ("4,8,784", "mse", False),
    ],
)
def test_the_index_form_rules_are_proved_at_any_width(widths, loss, targets):
    network = Network(spec(widths, "sigmoid,softmax", loss, targets))
    outcome = IndexFormProof(network, None, Kernel()).run()
    assert outcome.holds, outcome.failure


def test_the_hypothesis_is_named_only_where_declared():
    for targets in (False, True):
        proof = IndexFormProof(Network(spec(targets=targets)), None, Kernel())
        assert proof.run().holds
        assert bool(proof.kernel.assumed) == targets
        if targets:
            assert list(proof.kernel.assumed) == ["targets sum to 1"]


def test_the_per_unit_formulas_are_instances_of_the_lemma():
    derivation = Derivation(Network(spec("2,3,3", "relu,softmax", "ce", True)))
    index_form = IndexFormProof(derivation.network, None, Kernel())
    assert index_form.run().holds
    for outcome in PerUnitProof(derivation, None, facts=index_form.facts).run():
        assert outcome.holds, outcome.failure


def _output(network, rhs) -> list[Rule]:
    rules = list(indexed.rules(network))
    rules[0] = Rule("output delta", sympy.Eq(delta[2, J], rhs, evaluate=False), rules[0].layers)
    return rules


def _ell(k):
    return -y[k] / a[2, k]


MISTAKES = {
    "elementwise, as for a sigmoid": (False, a[2, J] * (1 - a[2, J]) * (a[2, J] - y[J])),
    "sign": (True, y[J] - a[2, J]),
    "a - y for targets that need not sum to 1": (False, a[2, J] - y[J]),
    "the Jacobian without its off-diagonal part": (
        False,
        sympy.Sum(_ell(K) * a[2, K] * sympy.KroneckerDelta(K, J) * (1 - a[2, J]), (K, 1, n[2])),
    ),
    "[k = j] - a_k for [k = j] - a_j": (
        False,
        sympy.Sum(_ell(K) * a[2, K] * (sympy.KroneckerDelta(K, J) - a[2, K]), (K, 1, n[2])),
    ),
    "a missing sum": (False, a[2, J] * y[J] - y[J]),
}


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_each_classic_mistake_is_refused_with_a_counterexample(name):
    targets, rhs = MISTAKES[name]
    network = Network(spec(targets=targets))
    outcome = IndexFormProof(network, _output(network, rhs), Kernel()).run()
    assert not outcome.holds
    assert "counterexample" in outcome.failure, outcome.failure


def test_the_theorem_for_all_depths_covers_a_softmax_output():
    assert GeneralProof(softmax=True).run().holds
    wrong = GeneralProof(softmax=True)
    right = wrong.program["output delta"]
    wrong.program["output delta"] = sympy.Eq(right.lhs, right.rhs * 2, evaluate=False)
    outcome = wrong.run()
    assert not outcome.holds


# -- the certificate ----------------------------------------------------------------------


def _certificate(tmp_path, targets):
    derivation = Derivation(Network(spec(targets=targets)))
    doc = build(derivation, run_proofs(derivation, ("layered", "general")))  # as the main job
    path = tmp_path / "certificate.json"
    path.write_text(json.dumps(doc))
    return doc, path


def test_a_certificate_with_the_declared_hypothesis_verifies(tmp_path):
    doc, path = _certificate(tmp_path, True)
    assert doc["spec"]["targets_sum_to_one"] is True
    assert set(doc["trusted_base"]["assumed"]) == {
        "targets sum to 1",  # and the general theorem's principles, its alone
        "multivariable chain rule for a symbolic number of variables",
        "downward induction over the layers l = L−1, …, 1",
    }
    holds, _ = verify(path)
    assert holds


def test_a_hypothesis_the_spec_does_not_declare_is_refused(tmp_path):
    doc, path = _certificate(tmp_path, True)
    doc["spec"]["targets_sum_to_one"] = False
    doc["sha256"] = digest(doc)
    path.write_text(json.dumps(doc))
    with pytest.raises(Exception, match="does not declare"):
        verify(path)


# -- the write-up ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("notation_name", "loss", "targets"),
    [("layer", "ce", False), ("layer", "ce", True), ("xigua", "ce", True), ("layer", "mse", False)],
)
def test_the_write_up_explains_the_softmax_jacobian_and_compiles_clean(
    tmp_path, notation_name, loss, targets
):
    from test_latex import _compile_clean

    from derive.cli import main

    out = tmp_path / "out"
    args = ["--widths", "3,4,3", "--activation", "tanh,softmax", "--loss", loss]
    args += ["--notation", notation_name] + (["--targets-sum-to-1"] if targets else [])
    assert main([*args, "--out", str(out)]) == 0
    tex = (out / "derivation.tex").read_text()
    section = tex[tex.index(r"\section{The softmax output layer}") :]
    section = section[: section.index(r"\section", 10)]
    assert "quotient" in section and "off-diagonal" in section
    assert r"\neq" in section  # the elementwise mistake, refuted
    assert ("The hypothesis" in section) == (loss == "ce")
    assert ("This run declared that hypothesis" in section) == targets
    # Declared, the printed rule (6) is a − y, which does not hold for any
    # targets: only the exact form may be said to, and the theorem and the
    # per-unit claims say which they are about.
    assert ("gives the rule" in section) == (not targets)
    assert ("the hypothesis $\\sum_{k} y_{k} = 1$, declared" in tex) == (
        targets and notation_name == "layer"
    )
    assert ("the output rule in its exact form, for any targets" in tex) == targets
    if notation_name == "layer":
        assert "the Jacobian of the softmax output" in tex  # J^L defined where used
    letter = "t" if notation_name == "xigua" else "k"  # the book's k is the sample
    assert f"$[j = {letter}]$ picks out one term" in section
    assert not re.search(r"\)\.(\\emph|[A-Z])", tex)  # no sentence run into the next
    # The hidden layer's chain starts from the output layer's error, the lemma.
    hidden = tex[tex.index(r", step by step}") :]
    assert r"Section~\ref{sec:softmax}" in hidden[: hidden.index(r"\section", 10)]
    _compile_clean(tex)


def test_linear_sum_refuses_fractional_bounds():
    from proofs.kernel import ProofError

    c, h = sympy.Symbol("c"), sympy.Symbol("h", real=True, integer=False)
    for bound in (sympy.Rational(5, 2), h):
        with pytest.raises(ProofError, match="a bound is not an integer"):
            Kernel().linear_sum(sympy.Sum(c, (K, 1, bound)))
    assert Kernel().linear_sum(sympy.Sum(c, (K, 1, n[2]))).rhs == c * n[2]  # a width
    fact = Kernel().linear_sum(sympy.Sum(c * y[K] + sympy.KroneckerDelta(K, J), (K, 1, 4)))
    assert fact.rhs == c * sympy.Sum(y[K], (K, 1, 4)) + sympy.Sum(
        sympy.KroneckerDelta(K, J), (K, 1, 4)
    )


def test_linear_sum_collapses_a_kronecker_delta_only_under_its_conditions():
    total = sympy.Sum(y[K] * sympy.KroneckerDelta(K, J), (K, 1, 4))
    inside = [sympy.Q.le(1, J), sympy.Q.le(J, 4)]
    assert Kernel().linear_sum(total, inside).rhs == y[J]
    assert Kernel().linear_sum(total).rhs == total  # j might lie outside 1 … 4
    wider = [sympy.Q.le(1, J), sympy.Q.le(J, 5)]
    assert Kernel().linear_sum(total, wider).rhs == total


def test_the_expanded_example_names_every_exponent_by_its_pre_activation(capsys):
    """Differentiating a softmax leaves e^{2z} and e^{−z}; written out they
    were a line of weights no reader could parse (found by review)."""
    from derive.cli import main

    assert main(["--widths", "4,5,3", "--activation", "sigmoid,softmax", "--loss", "ce"]) == 0
    out = capsys.readouterr().out
    example = out[out.index("Expanded chain rule") :].splitlines()[1]
    assert "exp(z²₁)" in example
    assert "w²₁₁ + 2·" not in example and "exp(-a¹" not in example


@pytest.mark.parametrize("widths", ["2,3,3", "2,3,2,3"])
def test_the_step_by_step_chains_of_the_hidden_layers_start_from_the_output_lemma(widths):
    from proofs.walkthrough import OUTPUT_OTHER

    depth = len(widths.split(",")) - 1
    activation = ",".join(["tanh"] * (depth - 1) + ["softmax"])
    derivation = Derivation(Network(spec(widths, activation, "ce", True)))
    run = run_proofs(derivation, ("layered", "walkthrough"))
    assert run.holds, [t.failure for t in run.theorems if not t.holds]
    assert [step.layer for step in run.steps] == list(range(depth - 1, 0, -1))
    for step in run.steps:
        first = step.factors[0]
        assert first.derivative.variables[0].base.name == "z"  # ∂E/∂z^L, one factor
        assert first.value.has(OUTPUT_OTHER) and not step.unchecked_reason
    assert any("softmax output layer not drawn" in line for line in run.skipped)


@pytest.mark.parametrize(
    ("loss", "noted"), [("yhat", True), ("3*yhat + y^2", True), ("yhat^2", False)]
)
def test_a_loss_linear_in_the_softmax_outputs_is_noted(tmp_path, capsys, loss, noted):
    """Found by review: Σ_j ŷ_j is 1, so such a loss trains nothing, silently."""
    from derive.cli import main

    args = ["--widths", "2,3,3", "--activation", "tanh,softmax", "--loss", loss]
    assert main([*args, "--out", str(tmp_path / "out")]) == 0
    assert ("every gradient is 0 and training does nothing" in capsys.readouterr().out) == noted


def test_every_write_up_states_the_theorem_for_all_depths(tmp_path, capsys):
    """Issue 18: the theorem about this network, and the one about every
    network, which prove --general proves; the report points to it."""
    from derive.cli import main

    for notation_name in ("layer", "xigua"):
        out = tmp_path / notation_name
        assert main(["--notation", notation_name, "--out", str(out)]) == 0
        tex = (out / "derivation.tex").read_text()
        assert r"\begin{theorem}[all depths and widths]" in tex
        assert "prove --general" in tex
    assert "derive prove --general" in capsys.readouterr().out
