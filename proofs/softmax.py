"""The softmax output layer's steps, each checked by the kernel.

A softmax layer is not elementwise: a_k = e^{z_k} / Σ_t e^{z_t} depends on
every z_j of its layer, so ∂a_k/∂z_j is a whole Jacobian.  The index-form
theorem proves the output lemma δ_j = Σ_k ∂ℓ/∂a_k · a_k([k = j] − a_j)
(:meth:`proofs.index_form.NetworkFacts.rule`) and from it the printed rule;
this module holds the two algebraic steps both it and the write-up use:

* :func:`quotient_rule` — SymPy's derivative of the definition is the
  quotient rule's ([k = j] e^{z_k} S − e^{z_k} e^{z_j}) / S², which is
  a_k([k = j] − a_j) once a is read through its definition;
* :func:`split` — a sum over the output layer equals an expression with
  sums, by linearity of finite sums (the kernel's ``linear_sum``) on both
  sides and algebra with each sum taken as a whole, so that the width is
  never written out.
"""

from __future__ import annotations

import sympy

from derive.notation.quantities import J, K, a, z
from proofs.kernel import Fact, Kernel

T = sympy.Symbol("t", integer=True, positive=True)


def within(index, width) -> list:
    return [sympy.Q.le(1, index), sympy.Q.le(index, width)]


def split(kernel: Kernel, fact: Fact, rhs: sympy.Expr, conditions=None) -> Fact:
    """fact.lhs = ``rhs``, where fact.rhs is a sum over one index: both
    sides' sums split by linearity ([k = j] collapsed under ``conditions``,
    by default the fact's), then compared by algebra with each sum as a
    whole."""
    conditions = fact.conditions if conditions is None else conditions
    fact = kernel.transitivity(fact, kernel.linear_sum(fact.rhs, conditions))
    reading = kernel.reflexivity(rhs)
    for total in sorted(rhs.atoms(sympy.Sum), key=sympy.default_sort_key):
        pieces = kernel.linear_sum(total)
        if pieces.rhs != total:
            reading = kernel.rewrite(reading, pieces)
    return kernel.transitivity(kernel.equal_by_algebra(fact, reading.rhs), kernel.symmetry(reading))


def quotient(depth: int, width) -> tuple[sympy.Expr, sympy.Expr, sympy.Expr]:
    """(a_k's definition e^{z_k}/S, the quotient rule's form of ∂a_k/∂z_j,
    the normaliser S = Σ_t e^{z_t}) over ``width`` output units."""
    total = sympy.Sum(sympy.exp(z[depth, T]), (T, 1, width))
    numerator = sympy.exp(z[depth, K])
    derivative_of_numerator = sympy.KroneckerDelta(K, J) * numerator
    form = (derivative_of_numerator * total - numerator * sympy.exp(z[depth, J])) / total**2
    return numerator / total, form, total


def quotient_rule(kernel: Kernel, depth: int, width: int, jacobian: sympy.Expr) -> list[Fact]:
    """⊢ ∂(e^{z_k}/S)/∂z_j = the quotient rule's form, and ⊢ that form =
    ``jacobian`` (a_k([k = j] − a_j)) with a read as e^{z}/S: the two
    displayed steps of the write-up, at this network's width."""
    definition, form, total = quotient(depth, width)
    conditions = within(J, width) + within(K, width)
    derivative = kernel.differentiate(definition, z[depth, J], conditions)
    first = kernel.equal_by_algebra(derivative, form)
    read = jacobian.xreplace({a[depth, K]: definition, a[depth, J]: sympy.exp(z[depth, J]) / total})
    return [first, kernel.algebra(form, read)]
