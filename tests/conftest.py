"""Shared catalogue of network specs and numerical helpers.

``DERIVE_QUICK=1`` skips the tests marked slow (the depth-3 symbolic
matrix) for quick local runs; CI runs everything.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pytest

from derive.spec.network import parse_spec

ACTIVATIONS = ["sigmoid", "tanh", "relu", "softplus", "identity", "x/(1+abs(x))"]
LOSSES = ["mse", "bce", "log(cosh(yhat - y))"]
WIDTHS = {1: "3,2", 2: "2,3,2", 3: "1,3,2,2"}


@pytest.fixture(autouse=True)
def unwrapped_output(monkeypatch):
    """Terminal lines unwrapped, whatever the width of the terminal running
    the tests: a test reads what a line says, not where it would wrap
    (tests/test_terminal.py sets COLUMNS itself to test the wrapping)."""
    monkeypatch.setenv("COLUMNS", "100000")


_PROGRESS_LINE = re.compile(r"derive: \S+ .*: \d+/\d+ done, ")
"""A line derive.support.progress prints in a pipe once work runs past 2 s."""


def message_lines(text: str) -> list[str]:
    """The lines of ``text`` that are not progress lines: on a loaded machine a
    job that is quick elsewhere runs past 2 s and reports its progress on
    stderr, before the one line of its message."""
    return [line for line in text.strip().splitlines() if not _PROGRESS_LINE.match(line)]


def catalogue():
    """(depth, widths, activation, loss) for every activation × loss × depth 1–3."""
    for depth, widths in WIDTHS.items():
        for activation in ACTIVATIONS:
            for loss in LOSSES:
                marks = [pytest.mark.slow] if depth == 3 else []
                yield pytest.param(
                    depth, widths, activation, loss, marks=marks, id=f"L{depth}-{activation}-{loss}"
                )


def spec_for(depth, widths, activation, loss, bias=True):
    """The spec, with a sigmoid output layer under bce so that ŷ ∈ (0, 1)."""
    if loss == "bce":
        activation = ",".join([activation] * (depth - 1) + ["sigmoid"])
    return parse_spec(str(depth), widths, activation, loss, bias)


def random_point(network, seed=0):
    """Inputs, weights and biases ~ N(0, 1); targets in (0.1, 0.9)."""
    rng = np.random.default_rng(seed)
    values = {s: rng.normal() for s in network.x}
    values.update({s: rng.uniform(0.1, 0.9) for s in network.y})
    values.update({p: rng.normal() for p in network.parameters()})
    return values


def pytest_collection_modifyitems(config, items):
    if os.environ.get("DERIVE_QUICK") == "1":
        skip = pytest.mark.skip(reason="DERIVE_QUICK=1")
        for item in items:
            if "slow" in item.keywords:
                item.add_marker(skip)


class StrictNumpy:
    """NumPy, except that a call writing into ``out=`` must compute in the
    output's dtype: the call is made once without ``out`` and the result's
    dtype compared (a float64 constant next to a float32 array upcasts the
    computation, which ``out=`` would silently cast back)."""

    def __getattr__(self, name):
        function = getattr(np, name)
        if not callable(function) or isinstance(function, type):
            return function

        def checked(*args, **kwargs):
            out = kwargs.get("out")
            if isinstance(out, np.ndarray):
                free = {key: value for key, value in kwargs.items() if key != "out"}
                result = function(*args, **free)
                if np.asarray(result).dtype != out.dtype:
                    raise AssertionError(f"np.{name} computes {result.dtype} into {out.dtype}")
            return function(*args, **kwargs)

        return checked
