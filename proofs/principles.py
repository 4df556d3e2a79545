"""The general theorem's terms, stated once for its proof and its checker.

The theorem for every depth and width (:mod:`proofs.general`) cannot start
from a concrete network's definitions: its widths are symbols n_l, its
activation the generic f, its loss a generic ℓ.  What it rests on instead
is two principles it assumes by name, and one definition (a^L_j := f(z^L_j),
for an elementwise output).  This module states them exactly — each
assumed equation with its conditions, the definition, and the left side of
each conclusion — so that :mod:`proofs.general` assumes exactly these and
``python -m proofs verify`` (which imports this module, never the theorem
program) accepts these and nothing else: an assumption with another name,
another equation or another condition, or one of these names in any other
theorem, is refused.  It imports the quantities' names and the spec's
generic functions only.
"""

from __future__ import annotations

import sympy

from derive.notation.quantities import LAYER, E, J, K, a, b, delta, n, w, y, z
from derive.spec.registry import f, fprime

CHAIN_RULE = "multivariable chain rule for a symbolic number of variables"
INDUCTION = "downward induction over the layers l = L−1, …, 1"
REASONS = {
    CHAIN_RULE: "∂E/∂u = Σᵢ ∂E/∂vᵢ ∂vᵢ/∂u where E depends on u only through v₁, …, vₙ: "
    "zˡ through zˡ⁺¹, and wˡ, bˡ through zˡ",
    INDUCTION: "the base case and the step l+1 → l give every layer",
}
"""Why each principle holds, as the certificate and the terminal print it."""

ELL = sympy.Function("ell")
"""A generic per-output loss ℓ(ŷ, y)."""
OUTPUT = 3
"""The output layer's label L in the output lemma: a name only (the lemma
is about z^L alone, at a symbolic width n_L), the same for every depth."""

I = sympy.Symbol("i", integer=True, positive=True)
R = sympy.Symbol("r", integer=True, positive=True)
T = sympy.Symbol("t", integer=True, positive=True)


def within(index, bound) -> list:
    """1 ≤ index ≤ bound."""
    return [sympy.Q.le(1, index), sympy.Q.le(index, bound)]


def hidden_chain_rule() -> tuple[sympy.Expr, sympy.Expr, frozenset]:
    """∂E/∂z^l_j = Σ_i δ^{l+1}_i ∂z^{l+1}_i/∂z^l_j, z^{l+1}_i written out:
    the loss depends on z^l_j only through the layer above."""
    above = sympy.Sum(w[LAYER + 1, I, K] * f(z[LAYER, K]), (K, 1, n[LAYER])) + b[LAYER + 1, I]
    rhs = sympy.Sum(
        delta[LAYER + 1, I] * sympy.Derivative(above, z[LAYER, J]), (I, 1, n[LAYER + 1])
    )
    return sympy.Derivative(E, z[LAYER, J]), rhs, frozenset()


def unit_input() -> sympy.Expr:
    """z^l_i written out, Σ_r w^l_ir a^{l−1}_r + b^l_i."""
    return sympy.Sum(w[LAYER, I, R] * a[LAYER - 1, R], (R, 1, n[LAYER - 1])) + b[LAYER, I]


def parameter_chain_rules() -> list[tuple[sympy.Expr, sympy.Expr, frozenset]]:
    """∂E/∂p = Σ_i δ^l_i ∂z^l_i/∂p for p = w^l_jk and b^l_j: the loss depends
    on a parameter of layer l only through that layer's weighted inputs."""
    result = []
    for parameter, extra in (
        (w[LAYER, J, K], within(K, n[LAYER - 1])),
        (b[LAYER, J], []),
    ):
        conditions = frozenset(within(J, n[LAYER]) + extra)
        rhs = sympy.Sum(
            delta[LAYER, I] * sympy.Derivative(unit_input(), parameter), (I, 1, n[LAYER])
        )
        result.append((sympy.Derivative(E, parameter), rhs, conditions))
    return result


def induction() -> tuple[sympy.Expr, sympy.Expr, frozenset]:
    """δ^l_j at every layer, from the base case and the step: the principle's
    name is what it records, its equation is the quantity it is about."""
    return delta[LAYER, J], delta[LAYER, J], frozenset()


def assumptions() -> list[tuple[str, sympy.Expr, sympy.Expr, frozenset]]:
    """(name, lhs, rhs, conditions) of every assumption of the general
    theorem, in the order its proof makes them."""
    return [
        (CHAIN_RULE, *hidden_chain_rule()),
        (INDUCTION, *induction()),
        *((CHAIN_RULE, *rule) for rule in parameter_chain_rules()),
    ]


def softmax_normaliser() -> sympy.Expr:
    """Σ_t e^{z^L_t}."""
    return sympy.Sum(sympy.exp(z[OUTPUT, T]), (T, 1, n[OUTPUT]))


def definitions(softmax: bool) -> list[tuple[sympy.Expr, sympy.Expr]]:
    """The theorem's one definition, a^L_j := f(z^L_j) (none for a softmax
    output, whose units are read as e^{z^L_u} / Σ_t e^{z^L_t} in place)."""
    return [] if softmax else [(a[OUTPUT, J], f(z[OUTPUT, J]))]


def output_loss(softmax: bool) -> sympy.Expr:
    """Σ_k ℓ(a^L_k, y_k) with a^L_k written out."""
    output = sympy.exp(z[OUTPUT, K]) / softmax_normaliser() if softmax else f(z[OUTPUT, K])
    return sympy.Sum(ELL(output, y[K]), (K, 1, n[OUTPUT]))


def conclusions(softmax: bool) -> list[tuple[sympy.Expr, sympy.Expr | None, frozenset]]:
    """(lhs, rhs, the conditions it may rest on) of each conclusion, in
    order; rhs None where the rule's right side is the softmax lemma's,
    checked by its left side and the replay alone."""
    output_rhs = (
        None
        if softmax
        else fprime(z[OUTPUT, J]) * sympy.Derivative(ELL(a[OUTPUT, J], y[J]), a[OUTPUT, J])
    )
    hidden = fprime(z[LAYER, J]) * sympy.Sum(
        delta[LAYER + 1, I] * w[LAYER + 1, I, J], (I, 1, n[LAYER + 1])
    )
    (_, _, weight), (_, _, bias) = parameter_chain_rules()
    return [
        (
            sympy.Derivative(output_loss(softmax), z[OUTPUT, J]),
            output_rhs,
            frozenset(within(J, n[OUTPUT])),
        ),
        (sympy.Derivative(E, z[LAYER, J]), hidden, frozenset(within(J, n[LAYER]))),
        (sympy.Derivative(E, w[LAYER, J, K]), a[LAYER - 1, K] * delta[LAYER, J], weight),
        (sympy.Derivative(E, b[LAYER, J]), delta[LAYER, J], bias),
    ]
