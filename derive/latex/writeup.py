"""derivation.tex: the derivation as a document a learner can read top to bottom.

The template (``templates/derivation.tex.j2``) holds the structure and the
prose; every formula arrives here as a SymPy expression that a proof of this
run checked — the forward pass and loss from the model, the rules from
:func:`derive.derivation.indexed.rules` (index-form proof), the chain-rule steps from
:mod:`proofs.walkthrough`, the sum over paths from :mod:`proofs.paths` — and
is printed by :mod:`derive.printing.latex` in the chosen notation.  The
"What was checked" section is read from the certificate written in the same
run.  Equation numbers come from :mod:`derive.notation.equations`, which the
trainer's comments cite too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import sympy
from sympy.printing.precedence import PRECEDENCE

from derive import __version__
from derive.derivation import indexed
from derive.derivation.indexed import LAYER, J, K, a, b, delta, n, w, y, z
from derive.notation import equations
from derive.present.presentation import ETA, LAYER_BY_LAYER_LIMIT, LOSS_TERM, Presentation
from derive.printing.latex import NotationLatexPrinter, text
from derive.support.templating import render_latex
from proofs.walkthrough import J_OTHER, LayerSteps, letter

ROW_WIDTH = 58
"""Visible characters per displayed row before a formula is broken: about
the text width of an A4 page with 2.5 cm margins at 10pt, with room to spare."""

SAMPLE = sympy.Symbol("m", integer=True, positive=True)
s = sympy.IndexedBase("s", real=True)
"""The weighted sum before the threshold (α_h, β_j in the watermelon book)."""


@dataclass
class Display:
    """One displayed equation: rows of ``lhs &= rhs`` text, an optional
    shared equation number, and a note on where it holds."""

    rows: list[str]
    tag: int | None = None
    label: str = ""
    where: str = ""


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
    above_section: int | None = None


def _visible(latex: str) -> float:
    """A rough printed width of LaTeX math, in characters."""
    stripped = re.sub(r"\\(left|right|mathsf|operatorname|hat)\b", "", latex)
    stripped = re.sub(  # a fraction is as wide as the wider of its two lines
        r"\\frac\{\\partial ((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}"
        r"\{\\partial ((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}",
        lambda m: "d" + max(m.group(1), m.group(2), key=len),
        stripped,
    )
    stripped = re.sub(r"\\[a-zA-Z]+", "x", stripped)
    scripts = len(re.findall(r"[_^]\{[^{}]*\}", stripped))
    stripped = re.sub(r"[{}_^ ]", "", stripped)
    return len(stripped) - 0.3 * scripts


def _pack(pieces: list[list[str]], budget: float, joiner: str) -> list[str]:
    """Rows from pieces (each one or more rows), filling each row up to ``budget``."""
    rows: list[str] = []
    for piece in pieces:
        for number, part in enumerate(piece):
            if rows and number == 0 and _visible(rows[-1] + part) + 1 <= budget:
                rows[-1] = rows[-1] + joiner + part
            elif rows and number == 0:
                rows.append(joiner.strip() + " " + part if joiner.strip() else part)
            else:
                rows.append(part)
    if len(rows) > 1 and _visible(rows[-1]) < 12 and _visible(rows[-2] + rows[-1]) <= budget + 12:
        rows[-2:] = [rows[-2] + joiner + rows[-1].removeprefix(joiner.strip()).lstrip()]
    return rows


class LatexWriter:
    """Prints the pieces of the document in one notation."""

    def __init__(self, presentation: Presentation):
        self.presentation = presentation
        self.network = presentation.network
        self.notation = presentation.notation
        self.printer = NotationLatexPrinter(self.notation, self.network.roles)
        self.xigua = self.notation.name == "xigua"

    def math(self, expr) -> str:
        return self.printer.doprint(expr)

    def factor(self, expr) -> str:
        return self.printer.parenthesize(expr, PRECEDENCE["Mul"], strict=False)

    def rows(self, lhs: str, pieces: list[str]) -> list[str]:
        """``lhs = p1 p2 …`` (pieces carry their own operators), broken into
        rows of about ROW_WIDTH."""
        rows = _pack([[piece] for piece in pieces], ROW_WIDTH - _visible(lhs) - 2, " ")
        return [f"{lhs} &= {rows[0]}"] + [rf"&\quad {row}" for row in rows[1:]]

    def equation(self, lhs, rhs) -> list[str]:
        """An equation, its right-hand side broken at its terms, or at its
        factors, where it is too wide for one row (recursively: a long
        parenthesised sum inside a product spans rows between big brackets)."""
        left = lhs if isinstance(lhs, str) else self.math(lhs)
        rows = self.broken(rhs, ROW_WIDTH - _visible(left) - 2)
        return [f"{left} &= {rows[0]}"] + [rf"&\quad {row}" for row in rows[1:]]

    def broken(self, expr, budget: float) -> list[str]:
        """``expr`` as one or more rows of at most about ``budget`` characters."""
        whole = self.math(expr)
        if _visible(whole) <= budget or not (expr.is_Add or expr.is_Mul):
            return [whole]
        budget = max(budget, ROW_WIDTH - 8)
        if expr.is_Add:
            pieces = []
            for number, term in enumerate(self.printer._as_ordered_terms(expr)):
                rows = self.broken(term, budget)
                if number > 0 and not rows[0].startswith("-"):
                    rows[0] = "+ " + rows[0]
                pieces.append(rows)
            return _pack(pieces, budget, " ")
        coefficient, rest = expr.as_coeff_Mul()
        factors = list(sympy.Mul.make_args(rest))
        pieces = []
        for factor in factors:
            text = self.factor(factor)
            if _visible(text) > budget and factor.is_Add:
                inner = self.broken(factor, budget)
                inner[0], inner[-1] = r"\bigl(" + inner[0], inner[-1] + r"\bigr)"
                pieces.append(inner)
            else:
                pieces.append(self.broken(factor, budget) if _visible(text) > budget else [text])
        if coefficient == -1:
            pieces[0][0] = "-" + pieces[0][0]
        elif coefficient != 1:
            pieces.insert(0, [self.math(coefficient)])
        return _pack(pieces, budget, r" \cdot ")

    def display(self, equation: sympy.Eq, tag=None, label="", where="") -> Display:
        return Display(self.equation(equation.lhs, equation.rhs), tag, label, where)

    def where(self, where) -> str:
        if isinstance(where, str):
            return text(where)
        return "$" + self.math(where) + "$"


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
    if steps.unchecked_reason:
        reason = text(steps.unchecked_reason)
        return f"the long chain was not compared with the derivative ({reason})"
    j, k = (writer.math(rename.get(letter, letter)) for letter in (J, K))
    return (
        "the long chain, summed over the units of every layer above, against the "
        "derivative the kernel derives from the network's definitions by the finite "
        f"chain rule, and against the grouped form, for every ${j}$ and ${k}$ at once"
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


def _step(writer: LatexWriter, steps: LayerSteps, shown_layers) -> Step:
    net, presentation = writer.network, writer.presentation
    depth, layer = net.depth, steps.layer
    rename = _letters(writer, layer)
    widths = {n[i]: net.width(i) for i in range(depth + 1)}

    def shown(expr):
        expr = expr.xreplace(rename)
        return expr.xreplace(widths) if not writer.xigua else expr

    def node(expr):
        expr = shown(expr)
        return _via_sums(expr) if writer.xigua else expr

    chain_nodes = [node(item) for item in steps.chain]
    path = Display(_pack([[writer.math(item)] for item in chain_nodes], ROW_WIDTH, r" \to "))
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
    title = "The output layer" if layer == depth else f"Hidden layer {layer}"
    if writer.xigua:
        title = (
            "Hidden-to-output weights $w_{hj}$"
            if layer == depth
            else "Input-to-hidden weights $v_{ih}$"
        )
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
        above_section=layer + 1 if layer + 1 in shown_layers else None,
    )


# -- the document's sections ------------------------------------------------------------

_MEANINGS_LAYER = (
    ("x", "input $k$ of the sample"),
    ("y", "target of output $j$"),
    ("w", "weight from unit $k$ of layer $l-1$ to unit $j$ of layer $l$"),
    ("b", "bias of unit $j$ of layer $l$"),
    ("z", "pre-activation (weighted input) of unit $j$ of layer $l$"),
    ("a", "activation (output) of unit $j$ of layer $l$; $a^{0} = x$, $a^{L}$ is the output"),
    ("delta", "error of unit $j$ of layer $l$: the partial derivative of the loss by $z^{l}_{j}$"),
)


def _symbol_rows(writer: LatexWriter) -> list[tuple[str, str]]:
    """(symbol, meaning) for the table of symbols, printed from the model's names."""
    net, math = writer.network, writer.math
    depth = net.depth
    if writer.xigua:
        h, i, j = (sympy.Symbol(c, integer=True, positive=True) for c in "hij")
        rows = [
            (math(a[0, i]), "input $i$ of the sample, $i = 1, \\dots, d$"),
            (math(w[1, h, i]), "weight from input $i$ to hidden unit $h$"),
            (math(s[1, h]), "weighted input of hidden unit $h$"),
            (math(b[1, h]), "threshold of hidden unit $h$"),
            (math(a[1, h]), "output of hidden unit $h$, $h = 1, \\dots, q$"),
            (math(w[2, j, h]), "weight from hidden unit $h$ to output $j$"),
            (math(s[2, j]), "weighted input of output $j$"),
            (math(b[2, j]), "threshold of output $j$"),
            (math(a[2, j]), "output $j$ of the network, $j = 1, \\dots, l$"),
            (math(y[j]), "target of output $j$"),
            (math(indexed.E), "loss of the sample"),
            (math(delta[2, j]), "output error, the negated partial derivative of "
             f"${math(indexed.E)}$ by ${math(s[2, j])}$"),
            (math(delta[1, h]), "hidden error, the negated partial derivative of "
             f"${math(indexed.E)}$ by ${math(s[1, h])}$"),
            (math(ETA), "learning rate"),
        ]  # fmt: skip
        if not net.spec.bias:
            rows = [row for row in rows if "threshold" not in row[1]]
        return rows
    rows = []
    for kind, meaning in _MEANINGS_LAYER:
        if kind == "b" and not net.spec.bias:
            continue
        if kind == "x":
            symbol = math(a[0, K])
        elif kind == "y":
            symbol = math(y[J])
        elif kind == "w":
            symbol = math(w[LAYER, J, K])
        else:
            symbol = math(sympy.IndexedBase(kind, real=True)[LAYER, J])
        rows.append((symbol, meaning))
    rows += [
        (math(n[LAYER]), f"width of layer $l$: ${_widths_text(net)}$"),
        (math(indexed.E), "loss of one sample"),
        (math(ETA), "learning rate"),
        ("L", f"number of weight layers, here $L = {depth}$"),
    ]
    return rows


def _widths_text(net) -> str:
    return ", ".join(f"n_{{{l}}} = {net.width(l)}" for l in range(net.depth + 1))


def _forward(writer: LatexWriter) -> tuple[Display, Display, list[str]]:
    """(1) the weighted inputs, (2) the activations, and the activation of
    each layer."""
    net, math = writer.network, writer.math
    sign = net.bias_sign
    if writer.xigua:
        h, i, j = (sympy.Symbol(c, integer=True, positive=True) for c in "hij")
        letters = {0: i, 1: h, 2: j}
        sums, outputs = [], []
        for layer in (1, 2):
            unit, below = letters[layer], letters[layer - 1]
            total = sympy.Sum(w[layer, unit, below] * a[layer - 1, below], (below, 1, n[layer - 1]))
            sums.append(f"{math(s[layer, unit])} &= {math(total)}")
            outputs.append(
                f"{math(a[layer, unit])} &= {math(net.spec.activation(layer).at(z[layer, unit]))}"
            )
        return (
            Display(sums, equations.number("forward"), "forward"),
            Display(outputs, equations.number("activation"), "activation"),
            [],
        )
    total = sympy.Sum(w[LAYER, J, K] * a[LAYER - 1, K], (K, 1, n[LAYER - 1]))
    if net.spec.bias:
        total += sign * b[LAYER, J]
    f_l = sympy.Function("f_l")
    forward = Display(
        [f"{math(z[LAYER, J])} &= {math(total)}"],
        equations.number("forward"),
        "forward",
        f"$l = 1, \\dots, {net.depth}$, $j = 1, \\dots, n_{{l}}$",
    )
    activation = Display(
        [f"{math(a[LAYER, J])} &= {math(f_l(z[LAYER, J]))}"],
        equations.number("activation"),
        "activation",
    )
    groups: dict[str, list[int]] = {}
    for layer, act in enumerate(net.spec.activations, start=1):
        groups.setdefault(act.name, []).append(layer)
    listed = []
    for layers in groups.values():
        act = net.spec.activation(layers[0])
        where = ", ".join(map(str, layers))
        listed.append(f"$f_{{l}}(x) = {math(act.expr)}$ for $l = {where}$")
    return forward, activation, listed


def _loss(writer: LatexWriter) -> tuple[Display, Display]:
    section = writer.presentation.loss()
    total = section.formulas[0].equation
    loss = writer.display(total, equations.number("loss"), "loss")
    per_sample = sympy.IndexedBase(writer.notation.loss_name.split("_")[0])
    sample = sympy.Symbol("k" if writer.xigua else "s", integer=True, positive=True)
    mean = sympy.Eq(
        sympy.Symbol("Ebar"),
        sympy.Sum(per_sample[sample], (sample, 1, SAMPLE)) / SAMPLE,
        evaluate=False,
    )
    return loss, writer.display(mean)


def _descent(writer: LatexWriter) -> tuple[Display, Display]:
    """(8) the update Δp = −η ∂E/∂p, (9) the stopping rule ‖g‖ < ε over all
    parameters p_1 … p_P."""
    p = sympy.Symbol("p")
    update = sympy.Eq(indexed.increment(p), -ETA * sympy.Derivative(indexed.E, p), evaluate=False)
    index = sympy.Symbol("r", integer=True, positive=True)
    parameter = sympy.IndexedBase("p")[index]
    count = writer.network.spec.parameter_count
    mean = sympy.Symbol("Ebar")
    norm = sympy.sqrt(sympy.Sum(sympy.Derivative(mean, parameter) ** 2, (index, 1, count)))
    stop = sympy.StrictLessThan(norm, sympy.Symbol("varepsilon"))
    gradient = rf"\left\|\nabla {writer.math(mean)}\right\|"
    return (
        writer.display(update, equations.number("update"), "update"),
        Display(
            [rf"{gradient} &= {writer.math(stop)}"],
            equations.number("stopping rule"),
            "stopping rule",
        ),
    )


def _facts(writer: LatexWriter) -> Display:
    """The activation derivatives and the loss derivative, one block."""
    rows = []
    for formula in writer.presentation.activations().formulas:
        equation_rows = writer.equation(formula.equation.lhs, formula.equation.rhs)
        if formula.where != "":
            equation_rows[-1] += rf" \qquad \text{{({writer.where(formula.where)})}}"
        rows.extend(equation_rows)
    for formula in writer.presentation.loss().formulas[1:]:
        rows.extend(writer.equation(formula.equation.lhs, formula.equation.rhs))
    return Display(rows)


def _rules(writer: LatexWriter) -> list[Display]:
    """(4)–(7): the rules the index-form proof checked (layer notation), or
    the book's per-layer formulas (xigua), with their equation numbers."""
    net = writer.network
    result = []
    if writer.xigua:
        by_key: dict[str, list[str]] = {}
        formulas = writer.presentation.per_layer().formulas
        for formula in formulas:
            lhs = formula.equation.lhs
            if isinstance(lhs, sympy.Indexed):
                key = "output delta" if lhs.indices[0] == net.depth else "hidden delta"
            elif isinstance(lhs, sympy.Derivative):
                kind = lhs.variables[0].base.name
                key = "weight gradient" if kind == "w" else "bias gradient"
            else:
                key = "update"
            by_key.setdefault(key, []).extend(writer.equation(lhs, formula.equation.rhs))
        for key in ("output delta", "hidden delta", "weight gradient", "bias gradient"):
            if key in by_key:
                result.append(Display(by_key[key], equations.number(key), "rule " + key))
        return result + [Display(by_key["update"])]
    above = sympy.Symbol("i", integer=True, positive=True)
    for rule in indexed.rules(net):
        if rule.name == "hidden delta":  # k is the layer below everywhere else
            rule = replace(rule, equation=indexed.substituted(rule.equation, {K: above}))
        layers = rule.layers
        if rule.name == "output delta":
            where = f"$l = L = {net.depth}$"
        elif len(layers) > 2 and layers == tuple(range(layers[0], layers[-1] + 1)):
            where = f"$l = {layers[0]}, \\dots, {layers[-1]}$"
        elif len(layers) > 2 and layers == tuple(range(layers[0], layers[-1] - 1, -1)):
            where = f"$l = {layers[-1]}, \\dots, {layers[0]}$"
        else:
            where = "$l = " + ", ".join(map(str, layers)) + "$"
        result.append(
            Display(
                writer.equation(rule.equation.lhs, rule.equation.rhs),
                equations.number(rule.name),
                "rule " + rule.name,
                where,
            )
        )
    return result


def _induction(writer: LatexWriter) -> Display:
    """∂E/∂z^l_j = Σ_i ∂E/∂z^{l+1}_i · ∂z^{l+1}_i/∂z^l_j: the chain rule through
    the layer above, the heart of the inductive step."""
    index = sympy.Symbol("i", integer=True, positive=True)
    lhs = sympy.Derivative(indexed.E, z[LAYER, J])
    terms = (
        writer.math(sympy.Derivative(indexed.E, z[LAYER + 1, index]))
        + r" \cdot "
        + (writer.math(sympy.Derivative(z[LAYER + 1, index], z[LAYER, J])))
    )
    bound = writer.math(n[LAYER + 1])
    return Display([f"{writer.math(lhs)} &= \\sum_{{i=1}}^{{{bound}}} {terms}"])


def _paths(writer: LatexWriter, derivation, certificate) -> tuple[Display, Display] | None:
    """∂E/∂w¹₁₁ as a sum over paths, and grouped, where this run proved it."""
    from proofs.paths import NAME, grouped_by_first_edge, path_sum

    net = writer.network
    if not any(t["name"] == NAME and t["holds"] for t in certificate["theorems"]):
        return None
    weight = net.weights[1][0][0]
    roles = net.roles

    def along(factor):
        """Order a path's factors from the loss down to the input."""
        layers = [
            net.depth + 1 if roles[s].kind == "y" else roles[s].layer or 0
            for s in factor.free_symbols
        ]
        kinds = {roles[s].kind for s in factor.free_symbols}
        rank = 0 if "y" in kinds else 3 if "w" in kinds else 2 if factor.is_Add else 1
        return (-max(layers, default=net.depth + 2), rank)  # a constant factor first

    outputs = {  # f(z^l_j) is a^l_j by the forward pass: shorter to read
        net.spec.activation(l).at(net.z[l][j]): net.a[l][j]
        for l in range(1, net.depth + 1)
        for j in range(net.width(l))
    }
    lhs = sympy.Derivative(indexed.E, weight)
    rows = []
    for term in sympy.Add.make_args(path_sum(derivation, 1, 1).xreplace(outputs)):
        sign = "- " if term.could_extract_minus_sign() else "+ " if rows else ""
        term = -term if sign == "- " else term
        factors = [[writer.factor(f)] for f in sorted(sympy.Mul.make_args(term), key=along)]
        term_rows = _pack(factors, ROW_WIDTH - 8, " ")  # one path per row where it fits
        term_rows[0] = sign + term_rows[0]
        rows.extend(term_rows)
    first = f"{writer.math(lhs)} &= {rows[0]}"
    paths = Display([first] + [rf"&\quad {row}" for row in rows[1:]])
    grouped = grouped_by_first_edge(derivation, 1, 1, named=True).xreplace(outputs)
    return paths, Display(writer.equation(lhs, grouped))


def _matrix(writer: LatexWriter) -> Display | None:
    if writer.xigua:
        return None
    return Display(
        [
            f"{writer.math(f.equation.lhs)} &= {writer.math(f.equation.rhs)}"
            for f in writer.presentation.matrix_form().formulas
        ]
    )


def _claims(bias: bool, steps: list[int], depth: int) -> dict[str, str]:
    """What each theorem of the certificate shows, in the document's terms."""
    rule = lambda key: rf"\eqref{{eq:rule-{key}}}"  # noqa: E731
    gradients = rule("weight-gradient") + (f" and {rule('bias-gradient')}" if bias else "")
    last = rule("bias-gradient") if bias else rule("weight-gradient")
    sections = ", ".join(rf"\ref{{sec:layer-{layer}}}" for layer in steps)
    return {
        "index-form rules": rf"the rules {rule('output-delta')}--{last}, with the units "
        "symbolic, at every layer each is stated for",
        "output layer": rf"{rule('output-delta')} for every output unit, one formula per unit",
        "hidden layers": rf"{rule('hidden-delta')} for every hidden unit, one formula per unit"
        if depth > 1
        else "no hidden layer: nothing to check",
        "weights and biases": f"{gradients} for every parameter, one formula per parameter",
        "sum over paths (L = 3)": r"Section~\ref{sec:paths}: for every first-layer weight the "
        r"sum over paths is the derivative of the expanded loss, and grouped by the first edge "
        r"it is the recursion",
        "chain rule, step by step": f"the steps of Section{'s' if len(steps) > 1 else ''} "
        f"{sections}",
        "printed forms of trainer.py": r"each form \texttt{trainer.py} prints in place of a "
        r"proved formula (the sigmoid through $\tanh$, the logarithm of a sigmoid through "
        r"softplus, a cancelled output $\delta$) is equal to it",
    }


def _checks(certificate: dict, claims: dict[str, str]) -> dict:
    base = certificate["trusted_base"]
    steps = base["kernel_steps"]
    return {
        "theorems": [
            {
                "name": text(t["name"]),
                "statement": claims.get(t["name"], text(t["statement"])),
                "method": text(t["method"]),
                "checks": t["checks"],
                "seconds": f"{t['seconds']:.2f}",
                "holds": t["holds"],
                "failure": text(t["failure"] or ""),
            }
            for t in certificate["theorems"]
        ],
        "skipped": [text(line) for line in certificate["skipped"]],
        "sympy_version": text(base["sympy_version"]),
        "python_version": text(base["python_version"]),
        "elementary": steps["elementary"],
        "sympy": steps["sympy"],
        "assumed": steps["assumed"],
        "assumptions": [text(f"{k}: {v}") for k, v in base["assumed"].items()],
        "relies_on": text(base["relies_on_sympy_for"]),
    }


def document(
    presentation: Presentation,
    steps,
    certificate: dict,
    title: str | None,
    experiments: dict | None = None,
) -> str:
    """derivation.tex for ``presentation``'s network, from the steps and the
    certificate of this run, and the experiments found in the output folder
    (:func:`derive.experiments.results.load`)."""
    experiments = experiments or {}
    writer = LatexWriter(presentation)
    net = writer.network
    forward, activation, activations = _forward(writer)
    loss, batch = _loss(writer)
    update, stop = _descent(writer)
    shown = sorted(presentation.shown_layers(), reverse=True)
    return render_latex(
        "derivation.tex.j2",
        title=text(title) if title else None,
        version=__version__,
        architecture=text(net.spec.describe(writer.notation.bias_word)),
        xigua=writer.xigua,
        depth=net.depth,
        bias=net.spec.bias,
        thresholds=net.bias_sign < 0,
        widths=_widths_text(net),
        parameter_count=net.spec.parameter_count,
        loss_name=text(net.spec.loss.name),
        loss_symbol=writer.math(indexed.E),
        loss_term=writer.math(LOSS_TERM),
        symbols=_symbol_rows(writer),
        forward=forward,
        activation=activation,
        activations=activations,
        loss=loss,
        batch=batch,
        update=update,
        stop=stop,
        facts=_facts(writer),
        steps=[_step(writer, step, shown) for step in steps if step.layer in shown],
        skipped_layers=net.depth > LAYER_BY_LAYER_LIMIT,
        rules=_rules(writer),
        induction=None if writer.xigua else _induction(writer),
        paths=_paths(writer, presentation.derivation, certificate),
        matrix=_matrix(writer),
        checks=_checks(certificate, _claims(net.spec.bias, shown, net.depth)),
        eta=writer.math(ETA),
        batch_experiment=_batch_experiment(experiments.get("batch-size")),
        sequential_experiment=_sequential_experiment(experiments.get("sequential")),
    )


def _setup_text(setup: dict, extra: str) -> str:
    activation = setup["activation"]
    if isinstance(activation, list):
        activation = ", ".join(activation)
    return text(
        f"Data: {setup['dataset']} (inputs standardised). Network: widths "
        f"{'-'.join(map(str, setup['widths']))}, activation {activation}, loss "
        f"{setup['loss']}{'' if setup['bias'] else ', no biases'}. Learning rate "
        f"η = {setup['lr']:g}; {extra}; each run stops when ‖g‖ < {setup['tol']:g} "
        f"(eq. 5), {_time_budget(setup['seconds'])}; seed {setup['seed']} for the data, "
        "the initial weights and the shuffling."
    )


def _time_budget(seconds: float) -> str:
    if seconds == 0:
        return "with no time budget (the numbers do not depend on the machine's speed)"
    return (
        f"or after {seconds:g} s of training (a time budget: where it stops a run, the "
        "numbers depend on the machine's speed, and the run is named below)"
    )


def _batch_experiment(found: dict | None) -> dict | None:
    if found is None:
        return None
    setup, summary = found["setup"], found["summary"]
    rows = [
        {
            "run": text(r["run"]),
            "updates": f"{r['steps_per_epoch']:,}",
            "final": f"{r['final_loss']:.4g}",
            "epochs": f"{r['epochs']:,.0f}",
            "seconds": f"{r['seconds']:.2f}",
            "stopped": text(r["stopped"]),
            "target_epochs": f"{r['target_epochs']:,.0f}",
            "target_seconds": f"{r['target_seconds']:.3f}",
        }
        for r in summary["runs"]
    ]
    extra = (
        f"the same initial weights and learning rate for every batch size, at most "
        f"{setup['epochs']:,} epochs"
    )
    return {
        "setup": _setup_text(setup, extra),
        "target": f"{summary['target_loss']:.3g}",
        "rows": rows,
        "figure": found["figure"],
        "answer": text(found["answer"]),
    }


def _sequential_experiment(found: dict | None) -> dict | None:
    if found is None:
        return None
    setup, summary = found["setup"], found["summary"]
    rows = [
        {
            "name": text(r["name"]),
            "after_a": f"{r['loss_A_after_A']:.4g}",
            "after_b": f"{r['loss_A_final']:.4g}",
            "b_final": f"{r['loss_B_final']:.4g}",
            "joint_a": f"{r['joint_loss_A']:.4g}",
            "joint_b": f"{r['joint_loss_B']:.4g}",
        }
        for r in summary["splits"]
    ]
    extra = (
        f"batch size {setup['batch_size']}, at most {setup['epochs']:,} epochs per phase; the "
        "A ∪ B baseline gets the budgets of both phases together (as many epochs as they "
        "took, twice the time). A and B are split twice: by region (A the points whose "
        "first input is below its median) and at random (the same distribution)"
    )
    stops = "; ".join(
        f"{r['name']}: phase A {r['phase_A_stopped']}, phase B {r['phase_B_stopped']}, "
        f"A ∪ B {r['joint_stopped']}"
        for r in summary["splits"]
    )
    return {
        "setup": _setup_text(setup, extra),
        "stops": text(f"How the runs stopped: {stops}."),
        "rows": rows,
        "figure": found["figure"],
        "answer": text(found["answer"]),
    }
