"""The chain rule step by step, one layer at a time: the section of
derivation.tex that walks from the loss down to one weight.

Every formula is a step of :mod:`proofs.walkthrough` that a proof of this
run checked (the path of nodes, the long chain, each factor, the vanishing
derivative, the δ it groups into, the gradients), printed in the notation's
letters; this module only renames and arranges them for the template.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy
from sympy.printing.precedence import PRECEDENCE

from derive.derivation import indexed
from derive.derivation.indexed import J, K, a, n, w, z
from derive.latex.layout import ROW_WIDTH, Display, LatexWriter, pack
from derive.notation.quantities import s
from derive.present.presentation import ETA
from derive.printing.latex import text
from proofs.walkthrough import J_OTHER, OUTPUT_OTHER, LayerSteps, letter


@dataclass
class Step:
    """A step-by-step derivation for one layer, ready for the template."""

    title: str
    layer: int
    path: Display
    chain_rule: Display
    factors: Display
    vanishing: Display | None
    product: Display
    delta: Display
    gradients: Display
    checked: str
    hidden: bool
    sum_letters: list[str] = field(default_factory=list)
    this_unit: str = ""
    other_unit: str = ""
    vanishing_condition: str = ""
    link: str = ""
    """∂z^{l+1}_i/∂a^l_j as the notation writes it (∂β_j/∂b_h)."""
    above_section: str | None = None
    """The label of the section where the layer above's error was found
    (``layer-3``, or ``softmax`` for a softmax output), where there is one."""


def _letters(writer: LatexWriter, layer: int) -> dict:
    """The walkthrough's letters (j, k, i_m) → the notation's, for ``layer``."""
    notation = writer.notation
    if notation.unit_letters is None:
        return {}
    return {
        letter(m, layer): sympy.Symbol(notation.unit_letters[m], integer=True, positive=True)
        for m in range(0, writer.network.depth + 1)
    }


def _checked(writer: LatexWriter, steps: LayerSteps, rename: dict) -> str:
    """What the long chain was compared with, in the notation's letters."""
    say = writer.lang.gettext
    if steps.unchecked_reason:
        reason = text(writer.lang.recorded(steps.unchecked_reason))
        return say(
            "the long chain was not compared with the derivative (%(reason)s)", reason=reason
        )
    j, k = (writer.math(rename.get(letter, letter)) for letter in (J, K))
    return say(
        "the long chain, summed over the units of every layer above, against the "
        "derivative the kernel derives from the network's definitions by the finite "
        "chain rule, and against the grouped form, for every $%(j)s$ and $%(k)s$ at once",
        j=j,
        k=k,
    )


def _products(factors: list[str]) -> list[str]:
    """Factors of a product as row pieces: each after the first with its ·."""
    return factors[:1] + [rf"\cdot {factor}" for factor in factors[1:]]


def _inline(writer: LatexWriter, derivative: sympy.Derivative) -> str:
    """∂z/∂a on one line, for running text."""
    top, bottom = derivative.expr, derivative.variables[0]
    return rf"\partial {writer.math(top)}/\partial {writer.math(bottom)}"


def _via_sums(expr):
    """z^l_u → s^l_u (β_j for β_j − θ_j), for the book's chain nodes."""
    return expr.replace(
        lambda node: isinstance(node, sympy.Indexed) and node.base.name == "z",
        lambda node: s[node.indices],
    )


def _above_section(network, layer: int, shown_layers) -> str | None:
    """Where the document found the error of the layer above ``layer``."""
    if layer + 1 == network.depth and network.spec.normalised_output:
        return "softmax"
    return f"layer-{layer + 1}" if layer + 1 in shown_layers else None


def step(writer: LatexWriter, steps: LayerSteps, shown_layers) -> Step:
    """The walkthrough of ``steps.layer`` for the template; ``shown_layers``
    are the layers the document walks through (a hidden layer's text points
    to the section of the layer above where there is one)."""
    net, presentation = writer.network, writer.presentation
    depth, layer = net.depth, steps.layer
    rename = _letters(writer, layer)
    widths = {n[i]: net.width(i) for i in range(depth + 1)}

    def shown(expr):
        expr = expr.xreplace(rename)
        if writer.notation.width_letters:  # the output lemma's sum, bounded by its letter
            return expr.replace(
                lambda node: (
                    isinstance(node, sympy.Sum)
                    and node.limits[0][0] == OUTPUT_OTHER
                    and node.limits[0][2] == net.width(depth)
                ),
                lambda node: sympy.Sum(node.function, (OUTPUT_OTHER, 1, n[depth])),
            )
        return expr.xreplace(widths)

    def node(expr):
        expr = shown(expr)
        return _via_sums(expr) if writer.notation.names_weighted_sums else expr

    chain_nodes = [node(item) for item in steps.chain]
    path = Display(pack([[writer.math(item)] for item in chain_nodes], ROW_WIDTH, r" \to "))
    path.rows = ["& " + row for row in path.rows]
    weight = chain_nodes[-1]
    lhs = writer.math(sympy.Derivative(indexed.E, weight))
    sums = [
        rf"\sum_{{{writer.math(shown(index))}=1}}^{{{writer.math(shown(n[m]))}}}"
        for (index, _), m in zip(steps.sums, range(layer + 1, depth + 1), strict=True)
    ]
    derivatives = [writer.math(node(f.derivative)) for f in steps.factors]
    chain_rows = writer.rows(lhs, [*sums, *_products(derivatives)])

    factor_rows = []
    for factor in steps.factors:
        left = writer.math(node(factor.derivative))
        value = shown(factor.value)
        if factor.slope is not None and factor.slope != factor.value:
            middle = writer.math(shown(factor.slope))
            factor_rows.append(f"{left} &= {middle} = {writer.math(value)}")
        else:
            factor_rows.extend(writer.equation(left, value))
    factors = Display(factor_rows)

    vanishing, other_unit, condition = None, "", ""
    if steps.vanishing is not None:
        other = sympy.Symbol(
            (rename.get(J, J).name if rename else "j") + "'", integer=True, positive=True
        )
        equation = shown(steps.vanishing).xreplace({J_OTHER: other})
        vanishing = Display([f"{writer.math(node(equation.lhs))} &= {writer.math(equation.rhs)}"])
        other_unit = writer.math(node(z[layer, other]))
        bracket = next(iter(equation.rhs.atoms(sympy.KroneckerDelta)))
        condition = writer.math(bracket)[1:-1]

    values = [
        writer.printer.parenthesize(shown(f.value), PRECEDENCE["Mul"], strict=True)
        for f in steps.factors
    ]
    product = Display(writer.rows(lhs, [*sums, *_products(values)]))

    delta_eq = presentation.delta_equation(shown(steps.delta))
    unit_z = node(z[layer, J])
    defined = sympy.Derivative(indexed.E, unit_z)
    sign = writer.notation.delta_sign
    delta_display = Display(
        [
            f"{writer.math(delta_eq.lhs)} &:= {writer.math(sign * defined)}",
            *writer.equation("", delta_eq.rhs),
        ]
    )

    gradient_rows = []
    for equation in (steps.gradient, steps.bias_gradient):
        if equation is None:
            continue
        equation = shown(equation)
        gradient = presentation.signed(equation.rhs)
        gradient_rows.extend(writer.equation(equation.lhs, gradient))
        parameter = equation.lhs.variables[0]
        gradient_rows.extend(
            writer.equation(indexed.increment(parameter), sympy.expand(-ETA * gradient))
        )
    letters = [writer.math(shown(index)) for index, _ in steps.sums]
    say = writer.lang.gettext
    if writer.notation.any_layer:
        title = (
            say("The output layer")
            if layer == depth
            else say("Hidden layer %(layer)s", layer=layer)
        )
    else:  # each layer's weights by their own name: the book's network, L = 2
        weight = writer.math(w[layer, J, K].xreplace(rename))
        if layer == depth:
            title = say("Hidden-to-output weights $%(weight)s$", weight=weight)
        else:
            title = say("Input-to-hidden weights $%(weight)s$", weight=weight)
    return Step(
        title=title,
        layer=layer,
        path=path,
        chain_rule=Display(chain_rows),
        factors=factors,
        vanishing=vanishing,
        product=product,
        delta=delta_display,
        gradients=Display(gradient_rows),
        checked=_checked(writer, steps, rename),
        hidden=layer < depth,
        sum_letters=letters,
        this_unit=writer.math(node(a[layer, J])),
        other_unit=other_unit,
        vanishing_condition=condition,
        link=_inline(writer, node(steps.factors[-3].derivative)) if layer < depth else "",
        above_section=_above_section(net, layer, shown_layers),
    )
