"""Theorem (b), unit by unit (:mod:`proofs.per_unit`): holds for the program's formulas and rejects
every wrong one (the mutation suite)."""

from __future__ import annotations

import pytest
import sympy

from derive.derivation.gradients import Derivation
from derive.model.network import Network
from derive.spec.network import parse_spec
from proofs.per_unit import PerUnitProof


@pytest.mark.parametrize(
    "args",
    [
        ("1", "3,2"),
        ("2", "2,3,2", "sigmoid", "mse", False),
        ("3", "2,3,3,2"),
        ("3", "1,3,2,2", "tanh", "bce"),
        ("3", "2,2,3,1", "x/(1+abs(x))", "log(cosh(yhat - y))"),
        ("4", "2,3,1,3,2", "relu,tanh,softplus,identity"),
    ],
)
def test_the_programs_recursion_is_proved(args):
    proof = PerUnitProof(Derivation(Network(parse_spec(*args))))
    outcomes = proof.run()
    assert all(v.holds for v in outcomes), [v.failure for v in outcomes]
    assert proof.kernel.report()["assumed"] == 0


def test_thresholds_as_in_the_watermelon_book_are_proved():
    proof = PerUnitProof(Derivation(Network(parse_spec("2", "2,3,2"), bias_sign=-1)))
    assert all(v.holds for v in proof.run())


# -- mutants: each replaces one formula of the program by a wrong one --------


def _slope(d, layer, unit):
    return d.activation_derivative(layer, unit, through_output=False)


def _sum_above(d, layer, unit, transpose=True, shift=1):
    net = d.network
    above = layer + shift
    if transpose:
        terms = [
            net.weights[above][k][unit - 1] * net.delta[above][k] for k in range(net.width(above))
        ]
    else:
        terms = [
            net.weights[above][unit - 1][k] * net.delta[above][k] for k in range(net.width(above))
        ]
    return sympy.Add(*terms)


HIDDEN_MUTANTS = {
    "f' dropped": lambda d, l, j: _sum_above(d, l, j),
    "f instead of f'": lambda d, l, j: d.network.activation(l, j) * _sum_above(d, l, j),
    "W not transposed": lambda d, l, j: _slope(d, l, j) * _sum_above(d, l, j, transpose=False),
    "sign flipped": lambda d, l, j: -_slope(d, l, j) * _sum_above(d, l, j),
    "extra factor 2": lambda d, l, j: 2 * _slope(d, l, j) * _sum_above(d, l, j),
    "Σ missing (first term only)": lambda d, l, j: (
        _slope(d, l, j) * d.network.weights[l + 1][0][j - 1] * d.network.delta[l + 1][0]
    ),
    "Σ bound one short": lambda d, l, j: (
        _slope(d, l, j)
        * sympy.Add(
            *(
                d.network.weights[l + 1][k][j - 1] * d.network.delta[l + 1][k]
                for k in range(d.network.width(l + 1) - 1)
            )
        )
    ),
    "a(1+a) for σ'": lambda d, l, j: (
        d.network.activation(l, j) * (1 + d.network.activation(l, j)) * _sum_above(d, l, j)
    ),
    "f' at the wrong unit": lambda d, l, j: (
        _slope(d, l, j % d.network.width(l) + 1) * _sum_above(d, l, j)
    ),
    "f' squared": lambda d, l, j: _slope(d, l, j) ** 2 * _sum_above(d, l, j),
    "δ of the own layer": lambda d, l, j: (
        _slope(d, l, j)
        * sympy.Add(
            *(
                d.network.weights[l + 1][k][j - 1]
                * d.network.delta[l][min(k, d.network.width(l) - 1)]
                for k in range(d.network.width(l + 1))
            )
        )
    ),
    "extra term": lambda d, l, j: _slope(d, l, j) * _sum_above(d, l, j) + d.network.delta[l + 1][0],
    "z instead of f'(z)": lambda d, l, j: d.network.z[l][j - 1] * _sum_above(d, l, j),
    "1 - f' ": lambda d, l, j: (1 - _slope(d, l, j)) * _sum_above(d, l, j),
}

OUTPUT_MUTANTS = {
    "output: f' dropped": lambda d, j: d.loss_derivative(j),
    "output: sign of (ŷ − y) flipped": lambda d, j: (
        -d.loss_derivative(j) * _slope(d, d.network.depth, j)
    ),
    "output: f instead of f'": lambda d, j: (
        d.loss_derivative(j) * d.network.activation(d.network.depth, j)
    ),
    "output: y and ŷ swapped": lambda d, j: (
        d.loss_derivative(j).xreplace(
            {
                d.network.a[d.network.depth][j - 1]: d.network.y[j - 1],
                d.network.y[j - 1]: d.network.a[d.network.depth][j - 1],
            }
        )
        * _slope(d, d.network.depth, j)
    ),
    "output: half of it": lambda d, j: d.loss_derivative(j) * _slope(d, d.network.depth, j) / 2,
    "output: other unit's target": lambda d, j: (
        d.loss_derivative(j).xreplace(
            {d.network.y[j - 1]: d.network.y[j % d.network.width(d.network.depth)]}
        )
        * _slope(d, d.network.depth, j)
    ),
}

GRADIENT_MUTANTS = {
    "bias gradient multiplied by a": lambda d, role, delta: (
        delta * d.network.a[role.layer - 1][0] if role.kind == "b" else None
    ),
    "bias gradient sign flipped": lambda d, role, delta: -delta if role.kind == "b" else None,
    "weight gradient with a of the same layer": lambda d, role, delta: (
        delta * d.network.a[role.layer][min(role.indices[1], d.network.width(role.layer)) - 1]
        if role.kind == "w" and role.layer < d.network.depth
        else None
    ),
    "weight gradient indices swapped": lambda d, role, delta: (
        d.network.delta[role.layer][min(role.indices[1], d.network.width(role.layer)) - 1]
        * d.network.a[role.layer - 1][min(role.indices[0], d.network.width(role.layer - 1)) - 1]
        if role.kind == "w"
        else None
    ),
    "weight gradient without a": lambda d, role, delta: delta if role.kind == "w" else None,
    "weight gradient with δ of the layer above": lambda d, role, delta: (
        d.network.delta[min(role.layer + 1, d.network.depth)][0]
        * d.network.a[role.layer - 1][role.indices[1] - 1]
        if role.kind == "w"
        else None
    ),
    "weight gradient with a wrong input": lambda d, role, delta: (
        delta * d.network.a[role.layer - 1][role.indices[1] % d.network.width(role.layer - 1)]
        if role.kind == "w"
        else None
    ),
    "weight gradient doubled": lambda d, role, delta: (
        2 * delta * d.network.a[role.layer - 1][role.indices[1] - 1] if role.kind == "w" else None
    ),
    "weight gradient sign flipped": lambda d, role, delta: (
        -delta * d.network.a[role.layer - 1][role.indices[1] - 1] if role.kind == "w" else None
    ),
    "bias gradient with f'": lambda d, role, delta: (
        delta * _slope(d, role.layer, role.indices[0]) if role.kind == "b" else None
    ),
}


def mutant_derivation(network, hidden=None, output=None, gradient=None):
    class Mutant(Derivation):
        def delta_definition(self, layer, unit, through_output=True):
            if layer < self.network.depth and hidden is not None and layer == 1:
                return hidden(self, layer, unit)
            if layer == self.network.depth and output is not None:
                return output(self, unit)
            return super().delta_definition(layer, unit, through_output)

        def gradient(self, parameter):
            correct = super().gradient(parameter)
            if gradient is None:
                return correct
            role = self.network.roles[parameter]
            delta = self.network.delta[role.layer][role.indices[0] - 1]
            wrong = gradient(self, role, delta)
            if wrong is None:
                return correct
            return type(correct)(parameter, wrong)

    return Mutant(network)


MUTANTS = (
    [pytest.param({"hidden": m}, id=name) for name, m in HIDDEN_MUTANTS.items()]
    + [pytest.param({"output": m}, id=name) for name, m in OUTPUT_MUTANTS.items()]
    + [pytest.param({"gradient": m}, id=name) for name, m in GRADIENT_MUTANTS.items()]
)


def test_the_suite_has_at_least_thirty_mutants():
    assert len(MUTANTS) >= 30


@pytest.mark.parametrize("mutation", MUTANTS)
def test_every_wrong_formula_is_rejected(mutation):
    network = Network(parse_spec("3", "2,3,2,2", "sigmoid", "mse"))
    outcomes = PerUnitProof(mutant_derivation(network, **mutation)).run()
    failed = [v for v in outcomes if not v.holds]
    assert failed, "a wrong formula was proved"
    assert all(v.failure for v in failed)


def test_a_counterexample_is_given_where_one_can_be_evaluated():
    network = Network(parse_spec("3", "2,3,2,2", "tanh", "mse"))
    outcomes = PerUnitProof(mutant_derivation(network, hidden=HIDDEN_MUTANTS["sign flipped"])).run()
    failure = next(v.failure for v in outcomes if not v.holds)
    assert "counterexample" in failure
