"""The two derivations agree exactly and with finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from conftest import catalogue, random_point, spec_for

from derive.derivation.gradients import Derivation, differentiate, expanded_chain_rule
from derive.model.evaluate import evaluate
from derive.model.network import Network
from derive.spec.network import parse_spec
from derive.testing import central_difference
from proofs.kernel import algebra


def central_differences(network, point):
    loss = network.loss_expanded
    return {
        parameter: central_difference(
            lambda t, p=parameter: evaluate(loss, {**point, p: point[p] + t})
        )
        for parameter in network.parameters()
    }


def relative_error(estimate: dict, exact: dict) -> float:
    keys = list(exact)
    a = np.array([estimate[k] for k in keys])
    b = np.array([exact[k] for k in keys])
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-12))


@pytest.mark.parametrize("depth,widths,activation,loss", list(catalogue()))
def test_expanded_chain_rule_equals_delta_recursion_exactly(depth, widths, activation, loss):
    derivation = Derivation(Network(spec_for(depth, widths, activation, loss)))
    for parameter in derivation.network.parameters():
        direct = derivation.expanded_gradient(parameter)
        recursive = derivation.delta_form_expanded(parameter)
        assert algebra.equal(direct, recursive, derivation.network.pre_activations_expanded), (
            parameter
        )


@pytest.mark.parametrize("depth,widths,activation,loss", list(catalogue()))
@pytest.mark.parametrize("bias", [True, False])
def test_both_derivations_match_finite_differences(depth, widths, activation, loss, bias):
    network = Network(spec_for(depth, widths, activation, loss, bias))
    derivation = Derivation(network)
    for seed in range(3):
        point = random_point(network, seed)
        numeric = central_differences(network, point)
        direct = {p: evaluate(derivation.expanded_gradient(p), point) for p in numeric}
        recursive = {p: evaluate(derivation.delta_form_expanded(p), point) for p in numeric}
        assert relative_error(numeric, direct) < 1e-6
        assert relative_error(numeric, recursive) < 1e-6


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "softplus", "x/(1+abs(x))"])
def test_memoised_differentiation_equals_sympy_diff(activation):
    network = Network(parse_spec("2", "2,2,2", activation, "bce"))
    for parameter in network.parameters():
        mine = differentiate(network.loss_expanded, parameter)
        reference = sympy.diff(network.loss_expanded, parameter)
        assert algebra.equal(mine, reference), parameter


def test_differentiate_refuses_what_it_has_no_rule_for():
    x = sympy.Symbol("x")
    with pytest.raises(TypeError, match="no differentiation rule"):
        differentiate(sympy.Integral(x**2, x) * x, x)


def test_a_wrong_recursion_is_told_apart():
    """The exact comparison is not vacuous: dropping f' in one hidden layer,
    or forgetting to transpose W, breaks agreement."""
    network = Network(parse_spec("3", "2,2,2,2"))
    derivation = Derivation(network)
    weight = network.weights[1][0][1]
    direct = derivation.expanded_gradient(weight)

    class NoSlope(Derivation):
        def activation_derivative(self, layer, unit, through_output=True):
            if layer == 2:
                return sympy.S.One
            return super().activation_derivative(layer, unit, through_output)

    class Untransposed(Derivation):
        def delta_definition(self, layer, unit, through_output=True):
            if layer == network.depth:
                return super().delta_definition(layer, unit, through_output)
            net = self.network
            slope = self.activation_derivative(layer, unit, through_output)
            return slope * sympy.Add(
                *(net.weights[layer + 1][unit - 1][k] * net.delta[layer + 1][k] for k in range(2))
            )

    for wrong in (NoSlope(network), Untransposed(network)):
        assert not algebra.equal(direct, wrong.delta_form_expanded(weight))


def test_expanded_chain_rule_is_skipped_with_a_reason_for_large_networks():
    network = Network(parse_spec("8", ",".join(["8"] * 9)))
    result = expanded_chain_rule(Derivation(network))
    assert result.gradients == {}
    assert "576 parameters" in result.skipped


def test_expanded_chain_rule_past_its_time_limit_is_skipped_and_says_so():
    """The limit is injected (a millisecond); what is tested is what
    happens at the limit, not how fast anything runs."""
    network = Network(parse_spec("3", "2,4,4,2", "tanh"))
    result = expanded_chain_rule(Derivation(network), seconds=0.001)
    assert result.gradients == {} and result.delta_forms == {}
    assert "not done within 0.001 s" in result.skipped
    assert "δ form above covers every parameter" in result.skipped
    complete = expanded_chain_rule(Derivation(network), seconds=None)
    assert complete.skipped is None
    assert set(complete.gradients) == set(complete.delta_forms) == set(network.parameters())


def test_the_expanded_proof_is_not_run_when_its_loss_takes_too_long_to_build():
    from proofs import expanded

    derivation = Derivation(Network(parse_spec("3", "2,4,4,2", "tanh")))
    assert "took more than 0.001 s" in expanded.built_in_time(derivation, seconds=0.001)
    assert expanded.built_in_time(derivation, seconds=None) is None


def test_output_derivative_forms_are_what_the_seed_uses():
    """σ' written through a is a(1 − a) with a = σ(z); likewise tanh."""
    network = Network(parse_spec("1", "1,1", "sigmoid"))
    derivation = Derivation(network)
    a = network.a[1][0]
    assert sympy.expand(derivation.activation_derivative(1, 1) - a * (1 - a)) == 0
    tanh_net = Network(parse_spec("1", "1,1", "tanh"))
    a = tanh_net.a[1][0]
    assert sympy.expand(Derivation(tanh_net).activation_derivative(1, 1) - (1 - a**2)) == 0
