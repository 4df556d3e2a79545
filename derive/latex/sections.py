"""The formulas of derivation.tex outside the layer-by-layer walkthrough:
the symbols, the forward pass, the loss, gradient descent, the activation
and loss derivatives, the rules (4)–(7), the induction step, the sum over
paths and the matrix form.

Each formula is a SymPy expression from the model, from
:func:`derive.derivation.indexed.rules` (index-form proof), from the
presentation or from :mod:`proofs.paths`, printed by the notation's printer
(:class:`~derive.latex.layout.LatexWriter`); equation numbers come from
:mod:`derive.notation.equations`, which the trainer's comments cite too.
"""

from __future__ import annotations

import sympy

from derive.derivation import indexed
from derive.derivation.indexed import LAYER, J, K, a, b, delta, n, w, y, z
from derive.latex import softmax
from derive.latex.layout import ROW_WIDTH, Display, LatexWriter, pack
from derive.notation import equations
from derive.notation.quantities import s
from derive.present.presentation import ETA
from derive.support.language import N_

SAMPLE = sympy.Symbol("m", integer=True, positive=True)
OTHER = sympy.Symbol("t", integer=True, positive=True)
"""The book's index of a softmax sum over the outputs (its k is the sample)."""


def formulas(writer: LatexWriter, certificate: dict) -> dict:
    """Every section below, by the name the template gives it."""
    forward, activation, activations = _forward(writer)
    loss, batch = _loss(writer)
    update, stop = _descent(writer)
    return {
        "symbols": _symbol_rows(writer),
        "forward": forward,
        "activation": activation,
        "activations": activations,
        "loss": loss,
        "batch": batch,
        "update": update,
        "stop": stop,
        "facts": _facts(writer),
        "rules": _rules(writer),
        "induction": _induction(writer) if writer.notation.any_layer else None,
        "paths": _paths(writer, writer.presentation.derivation, certificate),
        "matrix": _matrix(writer),
        "softmax": softmax.section(writer),
        "any_depth": _any_depth(writer),
    }


def _any_depth(writer: LatexWriter) -> dict:
    """The theorem for every depth and width in the layer notation and its
    inductive step, and for a notation of one network (the book's) its names
    in the layer notation (a table): what answers the question for any
    number of layers."""
    from derive.notation import naming
    from derive.present import any_depth
    from derive.present.presentation import Presentation

    presentation = writer.presentation
    layered = LatexWriter(Presentation(presentation.derivation, naming.notation("layer")))
    rows = []
    for entry in (
        [] if writer.notation.any_layer else any_depth.dictionary(writer.network, writer.notation)
    ):
        name = writer.math(entry.book)
        if name.startswith(r"\left(") and name.endswith(r"\right)"):  # α_h − γ_h
            name = name[len(r"\left(") : -len(r"\right)")]
        letters = {letter: f"${letter}$" for letter in any_depth.LETTERS}
        meaning = writer.lang.gettext(entry.meaning, **letters)
        rows.append((name, layered.math(entry.layered), meaning))
    rules = [row for rule in any_depth.general_rules() for row in layered.equation(*rule.args)]
    return {"rows": rows, "rules": Display(rules), "induction": _induction(layered)}


_MEANINGS_LAYER = (
    ("x", N_("input $k$ of the sample")),
    ("y", N_("target of output $j$")),
    ("w", N_("weight from unit $k$ of layer $l-1$ to unit $j$ of layer $l$")),
    ("b", N_("bias of unit $j$ of layer $l$")),
    ("z", N_("pre-activation (weighted input) of unit $j$ of layer $l$")),
    ("a", N_("activation (output) of unit $j$ of layer $l$; $a^{0} = x$, $a^{L}$ is the output")),
    (
        "delta",
        N_("error of unit $j$ of layer $l$: the partial derivative of the loss by $z^{l}_{j}$"),
    ),
)


def _symbol_rows(writer: LatexWriter) -> list[tuple[str, str]]:
    """(symbol, meaning) for the table of symbols, printed from the model's names."""
    net, math = writer.network, writer.math
    say = writer.lang.gettext
    depth = net.depth
    if not writer.notation.any_layer:
        h, i, j = (sympy.Symbol(c, integer=True, positive=True) for c in "hij")
        loss = math(indexed.E)
        rows = [
            (math(a[0, i]), say("input $i$ of the sample, $i = 1, \\dots, d$")),
            (math(w[1, h, i]), say("weight from input $i$ to hidden unit $h$")),
            (math(s[1, h]), say("weighted input of hidden unit $h$")),
            (math(b[1, h]), say("threshold of hidden unit $h$")),
            (math(a[1, h]), say("output of hidden unit $h$, $h = 1, \\dots, q$")),
            (math(w[2, j, h]), say("weight from hidden unit $h$ to output $j$")),
            (math(s[2, j]), say("weighted input of output $j$")),
            (math(b[2, j]), say("threshold of output $j$")),
            (math(a[2, j]), say("output $j$ of the network, $j = 1, \\dots, l$")),
            (math(y[j]), say("target of output $j$")),
            (math(indexed.E), say("loss of the sample")),
            (math(delta[2, j]), say("output error, the negated partial derivative of "
             "$%(loss)s$ by $%(by)s$", loss=loss, by=math(s[2, j]))),
            (math(delta[1, h]), say("hidden error, the negated partial derivative of "
             "$%(loss)s$ by $%(by)s$", loss=loss, by=math(s[1, h]))),
            (math(ETA), say("learning rate")),
        ]  # fmt: skip
        if not net.spec.bias:  # the rows of the thresholds b¹ and b²
            thresholds = {math(b[1, h]), math(b[2, j])}
            rows = [row for row in rows if row[0] not in thresholds]
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
        rows.append((symbol, say(meaning)))
    rows += [
        (math(n[LAYER]), say("width of layer $l$: $%(widths)s$", widths=widths_text(net))),
        (math(indexed.E), say("loss of one sample")),
        (math(ETA), say("learning rate")),
        ("L", say("number of weight layers, here $L = %(depth)s$", depth=depth)),
    ]
    return rows


def widths_text(net) -> str:
    return ", ".join(f"n_{{{l}}} = {net.width(l)}" for l in range(net.depth + 1))


def _forward(writer: LatexWriter) -> tuple[Display, Display, list[str]]:
    """(1) the weighted inputs, (2) the activations, and the activation of
    each layer."""
    net, math = writer.network, writer.math
    sign = net.bias_sign
    if not writer.notation.any_layer:
        h, i, j = (sympy.Symbol(c, integer=True, positive=True) for c in "hij")
        letters = {0: i, 1: h, 2: j}
        sums, outputs = [], []
        for layer in (1, 2):
            unit, below = letters[layer], letters[layer - 1]
            total = sympy.Sum(w[layer, unit, below] * a[layer - 1, below], (below, 1, n[layer - 1]))
            sums.append(f"{math(s[layer, unit])} &= {math(total)}")
            value = net.spec.activation(layer).unit_value(
                z[layer, unit], z[layer, OTHER], OTHER, n[layer]
            )
            outputs.append(f"{math(a[layer, unit])} &= {math(value)}")
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
        if act.normalised:
            value = act.unit_value(z[LAYER, J], z[LAYER, K], K, n[LAYER])
            listed.append(
                writer.lang.gettext(
                    "$%(output)s = %(value)s$ (%(name)s, the whole layer) for $l = %(layers)s$ "
                    "(Section~\\ref{sec:softmax})",
                    output=math(a[LAYER, J]),
                    value=math(value),
                    name=act.name,
                    layers=where,
                )
            )
            continue
        listed.append(
            writer.lang.gettext(
                "$f_{l}(x) = %(value)s$ for $l = %(layers)s$", value=math(act.expr), layers=where
            )
        )
    return forward, activation, listed


def _loss(writer: LatexWriter) -> tuple[Display, Display]:
    section = writer.presentation.loss()
    total = section.formulas[0].equation
    loss = writer.display(total, equations.number("loss"), "loss")
    per_sample = sympy.IndexedBase(writer.notation.loss_name.split("_")[0])
    sample = sympy.Symbol(writer.notation.sample_letter, integer=True, positive=True)
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
    the per-layer formulas of a notation without rules for any layer (the
    watermelon book's), with their equation numbers."""
    net = writer.network
    result = []
    if not writer.notation.any_layer:
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
    for rule in indexed.printed_rules(net):
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
        term_rows = pack(factors, ROW_WIDTH - 8, " ")  # one path per row where it fits
        term_rows[0] = sign + term_rows[0]
        rows.extend(term_rows)
    first = f"{writer.math(lhs)} &= {rows[0]}"
    paths = Display([first] + [rf"&\quad {row}" for row in rows[1:]])
    grouped = grouped_by_first_edge(derivation, 1, 1, named=True).xreplace(outputs)
    return paths, Display(writer.equation(lhs, grouped))


def _matrix(writer: LatexWriter) -> Display | None:
    if not writer.notation.any_layer:
        return None
    return Display(
        [
            f"{writer.math(f.equation.lhs)} &= {writer.math(f.equation.rhs)}"
            for f in writer.presentation.matrix_form().formulas
        ]
    )
