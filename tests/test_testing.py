"""derive.testing: the gradient checker users get accepts a right gradient
and refuses a wrong one (the generated trainers are checked with it in
tests/test_trainer.py)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy
import pytest

from derive.testing import (
    central_difference,
    check_gradients,
    numeric_gradients,
    partial_difference,
)


def least_squares(factor=1.0, keys=("W",)):
    """loss = ½ mean‖XWᵀ − Y‖², with its gradient times ``factor``."""

    def loss(params, X, Y):
        return 0.5 * float(numpy.sum((X @ params["W"].T - Y) ** 2)) / len(X)

    def gradients(params, X, Y):
        grad = factor * (X @ params["W"].T - Y).T @ X / len(X)
        return {key: grad for key in keys}

    return SimpleNamespace(loss=loss, gradients=gradients)


def problem():
    rng = numpy.random.default_rng(0)
    return {"W": rng.normal(size=(2, 3))}, rng.normal(size=(5, 3)), rng.normal(size=(5, 2))


def test_a_right_gradient_passes_and_params_are_left_as_they_were():
    params, X, Y = problem()
    before = params["W"].copy()
    assert check_gradients(least_squares(), params, X, Y) < 1e-6
    assert numpy.array_equal(params["W"], before)


@pytest.mark.parametrize("factor", [1.01, 0.0, -1.0])
def test_a_wrong_gradient_is_refused(factor):
    params, X, Y = problem()
    with pytest.raises(AssertionError, match="relative error"):
        check_gradients(least_squares(factor), params, X, Y)


def test_missing_or_extra_keys_are_refused():
    params, X, Y = problem()
    with pytest.raises(AssertionError, match="returned"):
        check_gradients(least_squares(keys=("W", "b")), params, X, Y)


def test_one_entry_and_the_primitive():
    params, X, Y = problem()
    exact = least_squares().gradients(params, X, Y)["W"]
    assert partial_difference(least_squares(), params, X, Y, "W", (1, 2)) == pytest.approx(
        exact[1, 2], rel=1e-6
    )
    assert numeric_gradients(least_squares(), params, X, Y)["W"] == pytest.approx(exact, rel=1e-6)
    assert central_difference(lambda t: (1 + t) ** 3) == pytest.approx(3.0, rel=1e-9)
