"""derivation.tex's section on a softmax output layer: the quotient rule,
why the Jacobian's off-diagonal terms appear, how they cancel against
cross-entropy, the hypothesis Σ_k y_k = 1 made explicit, and the mistake
this prevents (the elementwise rule, which keeps the diagonal only).

Every displayed equation is a SymPy expression: the definition and the
Jacobian from :mod:`derive.derivation.indexed`, the output lemma and the
printed rule that the index-form theorem proved, and the two steps in
between (the quotient rule, the split of the sum) checked here by the
kernel at this network's width (:mod:`proofs.softmax`), as is the
difference the elementwise rule misses.  A step the kernel refuses is a
bug, raised, never typeset.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from derive.derivation import indexed
from derive.derivation.indexed import E, J, K, a, delta, n, y, z
from derive.latex.layout import Display, LatexWriter
from derive.notation.quantities import targets_total
from derive.present.presentation import tidy_signs
from proofs import softmax
from proofs.kernel import Kernel

NORMALISER = sympy.Symbol("r", integer=True, positive=True)
"""The index of the normaliser Σ_r e^{z_r} in the quotient rule, apart from
j and from the notation's letter for the other output k."""


@dataclass(frozen=True)
class SoftmaxSection:
    """The displays of the section and the facts its prose depends on."""

    definition: Display
    quotient: Display
    chain: Display
    """δ_j = Σ_k ∂E/∂a_k · a_k([k = j] − a_j), before the loss is put in."""
    lemma: Display
    rule: Display
    hypothesis: Display | None
    """δ = a − y under Σ_k y_k = 1, where the rule has Σ_k y_k in it."""
    declared: bool
    """Whether this run declared the hypothesis (--targets-sum-to-1)."""
    mistake: Display
    """δ_j ≠ ℓ'(a_j, y_j) a_j(1 − a_j): the elementwise rule, refuted."""
    missing: str
    """What the elementwise rule drops: the terms k ≠ j of the lemma's sum."""
    cross_entropy: bool
    other: str
    """The letter of the other output (k; the book's t), as the prose names it."""
    diagonal: str
    """The Jacobian's diagonal entry a_j(1 − a_j), printed."""
    off_diagonal: str
    """An off-diagonal entry −a_k a_j, printed."""
    output_other: str
    """a_k, printed (the factor that cancels against ce's 1/a_k)."""
    numerator: str
    """e^{z_k}, printed: the numerator, its own derivative by z_k."""


def _elementwise(spec, depth: int) -> sympy.Expr:
    """The mistaken rule: ℓ'(a_j, y_j) times the Jacobian's diagonal a_j(1 − a_j)."""
    return spec.loss.derivative_at(a[depth, J], y[J]) * a[depth, J] * (1 - a[depth, J])


def section(writer: LatexWriter) -> SoftmaxSection | None:
    """The section's displays, or None where the output is not softmax."""
    net = writer.network
    spec = net.spec
    if not spec.normalised_output:
        return None
    depth, width = net.depth, net.width(net.depth)
    presentation = writer.presentation

    def display(lhs, rhs, signed: bool = False) -> list[str]:
        """lhs = rhs in the notation's letters, δ as the notation names it
        (the book's g = −δ: both sides are multiplied by its sign)."""
        eq = sympy.Eq(lhs, rhs.xreplace({softmax.T: NORMALISER}), evaluate=False)
        eq = presentation._concrete(eq, depth, depth + 1)
        if signed:
            sign = presentation.notation.delta_sign
            eq = sympy.Eq(
                tidy_signs(sign * presentation.signed(eq.lhs)),
                tidy_signs(sign * presentation.signed(eq.rhs)),
                evaluate=False,
            )
        return writer.equation(eq.lhs, eq.rhs)

    kernel = Kernel()
    concrete = {n[depth]: width}
    jacobian = indexed.softmax_jacobian(depth)
    softmax.quotient_rule(kernel, depth, width, jacobian)  # raises where a step is false
    definition, form, _ = softmax.quotient(depth, n[depth])
    derivative = sympy.Derivative(a[depth, K], z[depth, J])

    lemma = indexed.jacobian_sum(spec, n[depth], depth)
    generic = sympy.Sum(sympy.Derivative(E, a[depth, K]) * jacobian, (K, 1, n[depth]))
    exact = indexed.softmax_delta(spec, n[depth], depth, hypothesis=False)
    softmax.split(
        kernel,
        kernel.reflexivity(lemma.xreplace(concrete)),
        exact.xreplace(concrete),
        softmax.within(J, width),
    )
    elementwise = _elementwise(spec, depth)
    missing = sympy.factor_terms(sympy.expand(exact - elementwise))
    pieces = kernel.linear_sum(lemma.xreplace(concrete), softmax.within(J, width))
    kernel.algebra(pieces.rhs - elementwise, _split_sums(kernel, missing.xreplace(concrete)))

    total = targets_total(n[depth])
    hypothesis = None
    if exact.has(total):
        under = exact.xreplace({total: sympy.S.One})
        hypothesis = Display(display(delta[depth, J], under, signed=True))
    value = spec.activation(depth).unit_value(z[depth, J], z[depth, K], K, n[depth])

    def printed(expr) -> str:
        return writer.math(presentation._concrete(expr, depth, depth + 1))

    off = jacobian.replace(lambda node: isinstance(node, sympy.KroneckerDelta), lambda _: 0)
    return SoftmaxSection(
        definition=Display(display(a[depth, J], value)),
        quotient=Display(display(derivative, form) + display(derivative, jacobian)),
        chain=Display(display(delta[depth, J], generic, signed=True)),
        lemma=Display(display(delta[depth, J], lemma, signed=True)),
        rule=Display(display(delta[depth, J], exact, signed=True)),
        hypothesis=hypothesis,
        declared=spec.targets_sum_to_one,
        mistake=Display(
            [row.replace("&=", r"&\neq", 1) for row in display(delta[depth, J], elementwise, True)]
        ),
        missing=writer.math(
            tidy_signs(
                presentation.notation.delta_sign * presentation._concrete(missing, depth, depth + 1)
            )
        ),
        cross_entropy=spec.loss.needs_simplex,
        other=printed(K),
        diagonal=printed(jacobian.xreplace({K: J})),
        off_diagonal=printed(off),
        output_other=printed(a[depth, K]),
        numerator=printed(sympy.exp(z[depth, K])),
    )


def _split_sums(kernel: Kernel, expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with each sum split by the kernel's linearity of sums."""
    return expr.replace(
        lambda node: isinstance(node, sympy.Sum), lambda node: kernel.linear_sum(node).rhs
    )
