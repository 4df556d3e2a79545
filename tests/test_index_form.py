"""Theorem (b) for any size: the index-form rules, one lemma per layer shape
with the units symbolic, instantiated at every layer — and wrong rules are
rejected."""

from __future__ import annotations

import pytest
import sympy

from derive.derivation import indexed
from derive.derivation.indexed import LAYER, J, K, Rule, a, delta, n, w, y
from derive.model.network import Network
from derive.spec import registry
from derive.spec.network import NetworkSpec
from proofs.index_form import IndexFormProof
from proofs.kernel import Kernel


def network(widths, activations="sigmoid", loss="mse", bias=True, bias_sign=1):
    names = activations.split(",") if "," in activations else [activations] * (len(widths) - 1)
    spec = NetworkSpec(
        tuple(widths), tuple(registry.activation(t) for t in names), registry.loss(loss), bias
    )
    return Network(spec, bias_sign=bias_sign)


CASES = [
    ((2, 3, 2), "sigmoid", "mse", True, 1),
    ((2, 3, 2), "sigmoid", "mse", True, -1),  # the watermelon book's thresholds
    ((3, 4, 2, 5, 1), "relu,tanh,softplus,sigmoid", "bce", True, 1),
    ((1, 1, 1, 1), "identity", "mse", False, 1),  # one unit per layer: j = 1
    ((2, 2, 2), "x/(1+abs(x))", "(yhat-y)**4/4", True, 1),
    ((2, 3, 3, 2), "tanh", "mse", False, 1),
    ((2, 3, 1), "relu", "mse", True, 1),  # one output: the rule is read at unit 1
    ((2, 1), "softplus", "bce", True, 1),
]


@pytest.mark.parametrize("widths, activations, loss, bias, sign", CASES)
def test_the_programs_rules_are_proved(widths, activations, loss, bias, sign):
    net = network(widths, activations, loss, bias, sign)
    kernel = Kernel()
    outcome = IndexFormProof(net, kernel=kernel).run()
    assert outcome.holds, outcome.failure
    rules = indexed.rules(net)
    assert outcome.checks == sum(len(rule.layers) for rule in rules)
    assert kernel.report()["assumed"] == 0


def _proof_shape(widths):
    """Each kernel step's rule and the size of its statement, the widths
    written as a placeholder: what a proof costs, independent of the clock."""
    from proofs.kernel.algebra import tree_size

    kernel = Kernel()
    assert IndexFormProof(network(widths), kernel=kernel).run().holds
    placeholder = {sympy.Integer(width): sympy.Symbol("N") for width in set(widths)}
    return [
        (
            step.rule,
            tree_size(step.fact.lhs.xreplace(placeholder)),
            tree_size(step.fact.rhs.xreplace(placeholder)),
        )
        for step in kernel.steps
    ]


def test_a_proof_costs_the_same_at_width_8_and_at_width_1024():
    """The same steps with statements of the same size: the sums over 1024
    units are never written out."""
    assert _proof_shape((8, 8, 8, 8)) == _proof_shape((1024, 1024, 1024, 1024))


def test_the_rule_is_proved_with_its_sum_unevaluated():
    net = network((784, 256, 128, 10))
    kernel = Kernel()
    outcome = IndexFormProof(net, kernel=kernel).run()
    assert outcome.holds, outcome.failure
    hidden = outcome.facts[2]  # rules in order: output δ, then the hidden δ at layers 2, 1
    assert hidden.lhs == delta[1, J]
    assert any(
        isinstance(node, sympy.Sum) and node.limits[0][2] == 128
        for node in sympy.preorder_traversal(hidden.rhs)
    )
    assert kernel.report()["assumed"] == 0
    assert any(step.rule == "finite chain rule" for step in kernel.steps)


def _with(net, name, rhs=None, layers=None):
    rules = []
    for rule in indexed.rules(net):
        if rule.name == name:
            equation = rule.equation if rhs is None else sympy.Eq(rule.equation.lhs, rhs)
            rule = Rule(rule.name, equation, rule.layers if layers is None else layers)
        rules.append(rule)
    return rules


SLOPE = a[LAYER, J] * (1 - a[LAYER, J])
WRONG = {
    "transposed weights": (
        "hidden delta",
        SLOPE * sympy.Sum(w[LAYER + 1, J, K] * delta[LAYER + 1, K], (K, 1, n[LAYER + 1])),
    ),
    "slope missing": (
        "hidden delta",
        sympy.Sum(w[LAYER + 1, K, J] * delta[LAYER + 1, K], (K, 1, n[LAYER + 1])),
    ),
    "sum over the layer's own width": (
        "hidden delta",
        SLOPE * sympy.Sum(w[LAYER + 1, K, J] * delta[LAYER + 1, K], (K, 1, n[LAYER])),
    ),
    "slope at the layer above": (
        "hidden delta",
        a[LAYER + 1, J]
        * (1 - a[LAYER + 1, J])
        * sympy.Sum(w[LAYER + 1, K, J] * delta[LAYER + 1, K], (K, 1, n[LAYER + 1])),
    ),
    "input from the same layer": ("weight gradient", delta[LAYER, J] * a[LAYER, K]),
    "input index swapped": ("weight gradient", delta[LAYER, K] * a[LAYER - 1, J]),
    "bias sign": ("bias gradient", -delta[LAYER, J]),
    "output without the slope": ("output delta", a[3, J] - y[J]),
    "output sign": ("output delta", (y[J] - a[3, J]) * a[3, J] * (1 - a[3, J])),
}


@pytest.mark.parametrize("mutant", sorted(WRONG))
def test_a_wrong_rule_is_rejected(mutant):
    net = network((2, 3, 2, 2))
    name, rhs = WRONG[mutant]
    outcome = IndexFormProof(net, _with(net, name, rhs)).run()
    assert not outcome.holds
    assert outcome.failure.startswith(name)


@pytest.mark.parametrize(
    "rhs",
    [
        a[2, J] - y[J],  # the slope H(a) left out
        (y[J] - a[2, J]) * sympy.Heaviside(a[2, J], 0),  # sign
        (a[2, J] - y[J]) * sympy.Heaviside(-a[2, J], 0),  # the wrong side of the step
    ],
)
def test_a_wrong_output_rule_is_rejected_with_one_output_unit(rhs):
    """With one output the lemma is read at unit 1; a wrong rule must still fail."""
    net = network((2, 3, 1), "relu")
    outcome = IndexFormProof(net, _with(net, "output delta", rhs)).run()
    assert not outcome.holds and outcome.failure.startswith("output delta")


def test_a_rule_with_another_layers_activation_is_rejected():
    """The hidden rule for tanh must not be stated for a sigmoid layer."""
    net = network((2, 3, 3, 2), "tanh,sigmoid,sigmoid")
    rules = indexed.rules(net)
    merged = [r for r in rules if r.name != "hidden delta"]
    tanh_rule = next(r for r in rules if r.name == "hidden delta" and r.layers == (1,))
    merged.append(Rule("hidden delta", tanh_rule.equation, (1, 2)))
    outcome = IndexFormProof(net, merged).run()
    assert not outcome.holds and "hidden delta, layer 2" in outcome.failure


@pytest.mark.parametrize(
    "name, layers", [("weight gradient", (1, 2)), ("hidden delta", (2,)), ("output delta", (2,))]
)
def test_a_rule_must_be_stated_for_every_layer_it_covers(name, layers):
    net = network((2, 3, 2, 2))
    outcome = IndexFormProof(net, _with(net, name, layers=layers)).run()
    assert not outcome.holds and "is stated for layers" in outcome.failure


def test_a_missing_bias_rule_is_noticed():
    net = network((2, 3, 2))
    rules = [r for r in indexed.rules(net) if r.name != "bias gradient"]
    outcome = IndexFormProof(net, rules).run()
    assert not outcome.holds and "bias gradient" in outcome.failure


def test_the_hidden_rule_is_the_printed_rule_at_each_layer():
    """Each fact's right side is the printed rule at that layer with the
    concrete width for n[l + 1]; its left side is δ^l_j itself."""
    net = network((2, 3, 4, 2), "tanh")
    proof = IndexFormProof(net)
    outcome = proof.run()
    rule = next(r for r in proof.rules if r.name == "hidden delta")
    hidden = [f for f in outcome.facts if f.lhs in (delta[1, J], delta[2, J])]
    for layer, fact in zip((2, 1), hidden, strict=True):
        expected = rule.equation.rhs.xreplace({LAYER: layer}).xreplace(
            {n[layer + 1]: net.width(layer + 1)}
        )
        assert fact.lhs == delta[layer, J] and fact.rhs == expected
        assert not fact.assumptions
