"""What the proofs are about: a network, as the kernel's definitions.

One definition per layer and quantity, for every unit at once, the widths
concrete, bottom up (each names only what is defined before it):

  z^l_u := Σ_{i=1}^{n_{l−1}} w^l_ui a^{l−1}_i ± b^l_u,   a^l_u := f_l(z^l_u),
  E := Σ_{u=1}^{n_L} ℓ(a^L_u, y_u),   δ^l_u := ∂E/∂z^l_u,

where a softmax output layer is a^L_u := e^{z^L_u} / Σ_{t=1}^{n_L} e^{z^L_t}.

The theorems start from these definitions, and the certificate checker
(:mod:`proofs.replay`) builds them again from the certificate's spec and
requires every replayed proof to start from exactly them: a proof about
another network, or another loss, proves nothing about this one.  The
module imports the kernel and the quantities' names only.
"""

from __future__ import annotations

import sympy

from derive.notation.quantities import LAYER, E, a, b, delta, n, targets_total, w, y, z
from proofs.kernel import Fact, Kernel, Partial

I = sympy.Symbol("i", integer=True, positive=True)
T = sympy.Symbol("t", integer=True, positive=True)
"""The summation index of a softmax layer's normaliser Σ_t e^{z_t}."""
UNIT = sympy.Symbol("u", integer=True, positive=True)
"""The unit index of the per-layer definitions z^l_u, a^l_u, δ^l_u."""


def define_network(
    kernel: Kernel, widths, activations, loss, bias: bool, bias_sign: int
) -> tuple[dict[int, Fact], dict[int, Fact]]:
    """The forward pass and the loss as the kernel's definitions, bottom up
    (each names only what is defined before it), then δ^l_u := ∂E/∂z^l_u.
    Returns the facts a^l_u = f_l(z^l_u) and δ^l_u = ∂E/∂z^l_u by layer."""
    depth = len(widths) - 1
    forward, deltas = {}, {}
    for layer in range(1, depth + 1):
        value = sympy.Sum(w[layer, UNIT, I] * a[layer - 1, I], (I, 1, widths[layer - 1]))
        if bias:
            value += bias_sign * b[layer, UNIT]
        width = widths[layer]
        kernel.define_family(z[layer, UNIT], value, width)
        value = activations[layer - 1].unit_value(z[layer, UNIT], z[layer, T], T, width)
        forward[layer] = kernel.define_family(a[layer, UNIT], value, width)
    term = loss.at(a[depth, UNIT], y[UNIT])
    kernel.define(E, sympy.Sum(term, (UNIT, 1, widths[depth])))
    for layer in range(1, depth + 1):
        deltas[layer] = kernel.define_family(
            delta[layer, UNIT], Partial(E, z[layer, UNIT]), widths[layer]
        )
    return forward, deltas


# -- the one hypothesis a proof may name -------------------------------------------------

TARGETS_SUM_TO_ONE = "targets sum to 1"
"""The name of the hypothesis Σ_{k=1}^{n_L} y_k = 1, which a proof may use
only where the spec declares it (``--targets-sum-to-1``)."""

TARGETS_REASON = (
    "declared with --targets-sum-to-1: every sample's targets sum to 1 (one-hot or probabilities)"
)


def targets_hypothesis(widths) -> tuple[sympy.Expr, sympy.Expr]:
    """The hypothesis' two sides, Σ_{k=1}^{n_L} y_k and 1."""
    return targets_total(widths[-1]), sympy.S.One


# -- what a certificate's claims state ------------------------------------------------


def rule_layers(depth: int, bias: bool) -> dict[str, set[int]]:
    """The layers each index-form rule must be stated for, exactly."""
    every = set(range(1, depth + 1))
    return {
        "output delta": {depth},
        "hidden delta": set(range(1, depth)),
        "weight gradient": every,
        "bias gradient": every if bias else set(),
    }


def rule_statement(equation: sympy.Eq, layer: int, widths) -> tuple[sympy.Expr, sympy.Expr]:
    """An index-form rule at ``layer``, as the kernel states it: the sums
    bounded by the widths, and ∂E/∂v (written dE/dv) as :class:`Partial`."""
    lhs = equation.lhs.xreplace({LAYER: layer})
    if isinstance(lhs, sympy.Derivative) and lhs.expr == E and len(lhs.variables) == 1:
        lhs = Partial(E, lhs.variables[0])
    bounds = {n[i]: width for i, width in enumerate(widths)}
    return lhs, equation.rhs.xreplace({LAYER: layer}).xreplace(bounds)
