"""Index form and matrix form state the same recursion as the scalars."""

from __future__ import annotations

import pytest
import sympy

from derive.derivation import indexed
from derive.derivation.gradients import Derivation
from derive.model.network import Network
from derive.spec.network import parse_spec


@pytest.mark.parametrize("activation", ["sigmoid", "tanh,relu,identity", "x/(1+abs(x))"])
@pytest.mark.parametrize("bias", [True, False])
def test_index_rules_instantiate_to_the_scalar_recursion(activation, bias):
    network = Network(parse_spec("3", "2,3,2,2", activation, "bce", bias))
    derivation = Derivation(network)
    rules = indexed.rules(network)
    covered = set()
    for rule in rules:
        for layer in rule.layers:
            for unit in range(1, network.width(layer) + 1):
                if rule.name.endswith("delta"):
                    scalar = indexed.instantiate(network, rule.equation.rhs, layer, unit)
                    assert scalar == derivation.delta_definition(layer, unit), (layer, unit)
                    covered.add((layer, unit))
                    continue
                for other in range(1, network.width(layer - 1) + 1):
                    lhs = indexed.instantiate(network, rule.equation.lhs, layer, unit, other)
                    rhs = indexed.instantiate(network, rule.equation.rhs, layer, unit, other)
                    parameter = lhs.variables[0]
                    assert rhs == derivation.gradient(parameter).delta_form
    every_unit = {(l, j) for l in range(1, 4) for j in range(1, network.width(l) + 1)}
    assert covered == every_unit


def test_matrix_rules_written_out_are_the_scalar_recursion():
    network = Network(parse_spec("3", "2,3,2,2", "tanh"))
    derivation = Derivation(network)
    for layer in range(1, network.depth + 1):
        rules = indexed.matrix_rules(network, layer)
        names = indexed.matrix_symbols(network, layer)
        slopes = [
            derivation.activation_derivative(layer, j) for j in range(1, network.width(layer) + 1)
        ]
        values = {
            names["D"]: sympy.diag(*slopes),
            names["a_below"]: sympy.Matrix(network.a[layer - 1]),
            names["delta"]: sympy.Matrix(network.delta[layer]),
        }
        if layer == network.depth:
            values[names["grad"]] = sympy.Matrix(
                [derivation.loss_derivative(j) for j in range(1, network.width(layer) + 1)]
            )
        else:
            values[names["W_above"]] = sympy.Matrix(network.weights[layer + 1])
            values[names["delta_above"]] = sympy.Matrix(network.delta[layer + 1])
        delta = rules.delta.rhs.xreplace(values).as_explicit()
        for j in range(network.width(layer)):
            assert sympy.expand(delta[j] - derivation.delta_definition(layer, j + 1)) == 0
        weight_gradient = rules.weight_gradient.rhs.xreplace(values).as_explicit()
        for j in range(network.width(layer)):
            for k in range(network.width(layer - 1)):
                parameter = network.weights[layer][j][k]
                assert weight_gradient[j, k] == derivation.gradient(parameter).delta_form
