"""What the proofs are about: a network, as the kernel's definitions.

One definition per layer and quantity, for every unit at once, the widths
concrete, bottom up (each names only what is defined before it):

  z^l_u := Σ_{i=1}^{n_{l−1}} w^l_ui a^{l−1}_i ± b^l_u,   a^l_u := f_l(z^l_u),
  E := Σ_{u=1}^{n_L} ℓ(a^L_u, y_u),   δ^l_u := ∂E/∂z^l_u.

The theorems start from these definitions, and the certificate checker
(:mod:`proofs.replay`) builds them again from the certificate's spec and
requires every replayed proof to start from exactly them: a proof about
another network, or another loss, proves nothing about this one.  The
module imports the kernel and the quantities' names only.
"""

from __future__ import annotations

import sympy

from derive.notation.quantities import LAYER, E, a, b, delta, n, w, y, z
from proofs.kernel import Fact, Kernel, Partial

I = sympy.Symbol("i", integer=True, positive=True)
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
        forward[layer] = kernel.define_family(
            a[layer, UNIT], activations[layer - 1].at(z[layer, UNIT]), width
        )
    term = loss.at(a[depth, UNIT], y[UNIT])
    kernel.define(E, sympy.Sum(term, (UNIT, 1, widths[depth])))
    for layer in range(1, depth + 1):
        deltas[layer] = kernel.define_family(
            delta[layer, UNIT], Partial(E, z[layer, UNIT]), widths[layer]
        )
    return forward, deltas


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
