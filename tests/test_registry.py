"""Every registry entry's derivative facts are true."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from derive.model.evaluate import evaluate
from derive.spec import registry
from derive.spec.registry import ACTIVATIONS, LOSSES, X

NONTRIVIAL = [name for name in sorted(ACTIVATIONS) if name != "identity"]


@pytest.mark.parametrize("name", NONTRIVIAL)
def test_derivative_through_output_equals_the_derivative(name):
    entry = ACTIVATIONS[name]
    through_output = entry.derivative_from_output(entry.expr)
    for value in (-2.5, -0.3, 0.7, 3.1):
        point = {X: value}
        assert evaluate(through_output, point) == pytest.approx(evaluate(entry.derivative, point))


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softplus"])
def test_smooth_output_forms_hold_symbolically(name):
    entry = ACTIVATIONS[name]
    difference = (entry.derivative - entry.derivative_from_output(entry.expr)).rewrite(sympy.exp)
    assert sympy.simplify(difference) == 0


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_matches_finite_differences(name):
    entry = ACTIVATIONS[name]
    for value in (-1.7, -0.2, 0.4, 2.2):
        step = 1e-6
        numeric = (
            evaluate(entry.expr, {X: value + step}) - evaluate(entry.expr, {X: value - step})
        ) / (2 * step)
        assert numeric == pytest.approx(evaluate(entry.derivative, {X: value}), rel=1e-6, abs=1e-9)


def test_named_functions_agree_with_their_textbook_formulas():
    z = np.linspace(-5, 5, 11)
    assert np.allclose(evaluate(registry.sigmoid(X), {X: z}), 1 / (1 + np.exp(-z)))
    assert np.allclose(evaluate(registry.softplus(X), {X: z}), np.log1p(np.exp(z)))
    assert np.allclose(evaluate(registry.relu(X), {X: z}), np.maximum(z, 0))
    assert evaluate(registry.sigmoid(X), {X: np.array([-1000.0])})[0] == 0.0


def test_losses_are_the_documented_ones():
    yhat, y = registry.YHAT, registry.Y
    assert sympy.expand(LOSSES["mse"].term - (yhat - y) ** 2 / 2) == 0
    bce = -(y * sympy.log(yhat) + (1 - y) * sympy.log(1 - yhat))
    assert sympy.expand(LOSSES["bce"].term - bce) == 0
    assert sympy.simplify(LOSSES["bce"].derivative - (yhat - y) / (yhat * (1 - yhat))) == 0


@pytest.mark.parametrize(
    "name", [n for n in sorted(ACTIVATIONS) if ACTIVATIONS[n].definition is not None]
)
def test_textbook_definitions_are_the_functions(name):
    entry = ACTIVATIONS[name]
    z = np.linspace(-4, 4, 9)
    assert np.allclose(evaluate(entry.expr, {X: z}), evaluate(entry.definition, {X: z}))
