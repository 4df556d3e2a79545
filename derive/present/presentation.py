"""Which formulas a reader sees, in which notation, in which order.

The terminal report, derivation.json and (later) the LaTeX write-up all show
the same formulas; this module chooses them once, as SymPy equations, and
applies the notation's conventions (the watermelon book's g = −δ² and
e = −δ¹, its index letters, its symbolic widths d, q, l).  Printers then turn
each equation into text; nothing here formats strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import sympy

from derive.derivation import indexed
from derive.derivation.gradients import Derivation
from derive.derivation.indexed import LAYER, J, K, a, b, delta, n, w, y, z  # noqa: F401
from derive.model.network import Network
from derive.notation.naming import Notation
from derive.notation.quantities import s
from derive.spec import registry

ETA = sympy.Symbol("eta", positive=True)
"""The learning rate η."""

LAYER_BY_LAYER_LIMIT = 12
"""Deeper networks show the top two layers and the first, not every layer."""

LOSS_TERM = sympy.Symbol("ell")
"""ℓ(ŷ, y), one output unit's share of the loss."""


@dataclass(frozen=True)
class Formula:
    """One displayed equation and where it holds: a range ("l = 1..2") or
    an equation that names a quantity in it (a = σ(x))."""

    equation: sympy.Eq
    where: str | sympy.Eq = ""


@dataclass
class Section:
    title: str
    formulas: list[Formula] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _units(network: Network, notation: Notation, layer: int, letter: sympy.Symbol) -> str:
    return f"{_letter(notation, layer, letter)} = 1..{network.width(layer)}"


def _letter(notation: Notation, layer: int, default: sympy.Symbol) -> str:
    if notation.unit_letters is None:
        return default.name
    return notation.unit_letters[layer]


def _layer_letters(network: Network, notation: Notation, layer: int, other_layer: int):
    """Substitution of J and K by the notation's letters for a concrete layer;
    in the layer notation, K by i where it is a unit of the layer above
    (:data:`indexed.ABOVE`), as the index form prints it."""
    if notation.unit_letters is None:
        return {K: indexed.ABOVE} if other_layer == layer + 1 <= network.depth else {}
    mapping = {J: sympy.Symbol(notation.unit_letters[layer], integer=True, positive=True)}
    if 0 <= other_layer <= network.depth:
        mapping[K] = sympy.Symbol(notation.unit_letters[other_layer], integer=True, positive=True)
    elif other_layer == layer + 1 == network.depth + 1:  # a softmax output's own sums
        mapping[K] = sympy.Symbol(notation.other_output_letter, integer=True, positive=True)
    return mapping


def tidy_signs(expr: sympy.Expr) -> sympy.Expr:
    """Move minus signs where a reader expects them, without changing the value:
    Σ(−x) becomes −Σ x, and −(ŷ − y)·… becomes (y − ŷ)·… ."""
    expr = expr.replace(
        lambda node: isinstance(node, sympy.Sum) and node.function.could_extract_minus_sign(),
        lambda node: -sympy.Sum(-node.function, *node.limits),
    )

    def flip(node):
        coefficient, rest = node.as_coeff_Mul()
        factors = list(sympy.Mul.make_args(rest))
        sums = [i for i, factor in enumerate(factors) if factor.is_Add]
        if not sums:
            return node
        # Prefer the factor with the target in it: −(ŷ − y) reads as (y − ŷ).
        sums.sort(key=lambda i: not factors[i].has(y))
        factors[sums[0]] = -factors[sums[0]]
        return sympy.Mul(-coefficient, *factors)

    return expr.replace(
        lambda node: node.is_Mul and node.as_coeff_Mul()[0].is_negative,
        flip,
    )


def _simpler(expr: sympy.Expr) -> sympy.Expr | None:
    """A markedly shorter form of a local formula, if SymPy finds one: for a
    sigmoid output with cross-entropy, δ^L_j = a^L_j − y_j."""
    candidate = sympy.factor(sympy.cancel(expr))
    if sympy.count_ops(candidate) + 3 <= sympy.count_ops(expr):
        return candidate
    return None


class Presentation:
    """The formulas of one derivation in one notation."""

    def __init__(self, derivation: Derivation, notation: Notation):
        notation.check_depth(derivation.network.depth)
        self.derivation = derivation
        self.network = derivation.network
        self.notation = notation

    # -- helpers -----------------------------------------------------------------

    @cached_property
    def _widths(self) -> dict:
        return {n[i]: self.network.width(i) for i in range(self.network.depth + 1)}

    def shown_layers(self) -> list[int]:
        """Every layer, top down, or for a deep network the top two and the
        first (the others follow the same pattern)."""
        depth = self.network.depth
        if depth <= LAYER_BY_LAYER_LIMIT:
            return list(range(depth, 0, -1))
        return [depth, depth - 1, 1]

    def _concrete(self, expr, layer: int, other_layer: int):
        """``expr`` at a concrete layer, with the notation's letters and widths."""
        if isinstance(expr, sympy.Equality):
            return sympy.Eq(
                self._concrete(expr.lhs, layer, other_layer),
                self._concrete(expr.rhs, layer, other_layer),
                evaluate=False,
            )
        result = expr.subs(LAYER, layer)
        result = result.xreplace(_layer_letters(self.network, self.notation, layer, other_layer))
        if self.notation.unit_letters is None:
            result = result.xreplace(self._widths)
        return result

    def signed(self, expr):
        """Rewrite δ as the notation's named quantity (g = −δ in the book)."""
        sign = self.notation.delta_sign
        if sign == 1:
            return expr
        return expr.replace(
            lambda node: isinstance(node, sympy.Indexed) and node.base.name == "delta",
            lambda node: sign * node,
        )

    def delta_equation(self, equation: sympy.Eq) -> sympy.Eq:
        sign = self.notation.delta_sign
        return sympy.Eq(equation.lhs, tidy_signs(sign * self.signed(equation.rhs)), evaluate=False)

    # -- sections ----------------------------------------------------------------

    def forward(self) -> Section:
        net = self.network
        section = Section("Forward pass")
        if net.depth > LAYER_BY_LAYER_LIMIT:
            section.notes.append(f"layers 2..{net.depth - 2} follow the same pattern")
        for layer in sorted(self.shown_layers()):
            below = layer - 1
            weighted = sympy.Sum(w[layer, J, K] * a[below, K], (K, 1, n[below]))
            total = weighted + net.bias_sign * b[layer, J] if net.spec.bias else weighted
            total = self._concrete(total, layer, below)
            unit_z = self._concrete(z[layer, J], layer, below)
            quantity = z  # what the activation is applied to
            if (
                self.notation.names_weighted_sums
            ):  # the book: α_h = Σ_i x_i v_ih, b_h = f(α_h − γ_h)
                unit_s = self._concrete(s[layer, J], layer, below)
                weighted = self._concrete(weighted, layer, below)
                section.formulas.append(Formula(sympy.Eq(unit_s, weighted, evaluate=False)))
                argument = unit_z if net.spec.bias else unit_s
                quantity = z if net.spec.bias else s
            elif self.notation.name_of("z", str(layer), ("j",)).compound:
                argument = total
            else:
                section.formulas.append(Formula(sympy.Eq(unit_z, total, evaluate=False)))
                argument = unit_z
            activation = net.spec.activation(layer)
            if activation.normalised:  # e^{z_j} / Σ_k e^{z_k}, k the notation's other letter
                value = activation.unit_value(quantity[layer, J], quantity[layer, K], K, n[layer])
                rhs = self._concrete(value, layer, layer + 1)
            else:
                rhs = activation.at(argument)
            lhs = self._concrete(a[layer, J], layer, below)
            section.formulas.append(
                Formula(sympy.Eq(lhs, rhs, evaluate=False), _units(net, self.notation, layer, J))
            )
        return section

    def loss(self) -> Section:
        net = self.network
        letter = self._concrete(J, net.depth, net.depth)
        term = net.spec.loss.at(self._concrete(a[net.depth, J], net.depth, net.depth), y[letter])
        bound = self._concrete(n[net.depth], net.depth, net.depth)
        total = sympy.Sum(term, (letter, 1, bound))
        section = Section(f"Loss ({net.spec.loss.name}, one sample)")
        section.formulas.append(Formula(sympy.Eq(indexed.E, total, evaluate=False)))
        section.formulas.append(Formula(sympy.Eq(LOSS_TERM, net.spec.loss.term, evaluate=False)))
        derivative = sympy.Derivative(LOSS_TERM, registry.YHAT)
        section.formulas.append(
            Formula(sympy.Eq(derivative, net.spec.loss.derivative, evaluate=False))
        )
        return section

    def activations(self) -> Section:
        """Each distinct activation: its definition, its derivative, and the
        derivative written through the output a = f(x) where one exists."""
        section = Section("Activation derivatives")
        layers_of: dict[registry.Activation, list[int]] = {}
        for layer, activation in enumerate(self.network.spec.activations, start=1):
            layers_of.setdefault(activation, []).append(layer)
        several = len(layers_of) > 1
        for activation, layers in layers_of.items():
            where = "layer" + ("s " if len(layers) > 1 else " ") + ", ".join(map(str, layers))
            where = where if several else ""
            if activation.normalised:
                section.formulas.append(self._softmax_jacobian(where))
                continue
            named = isinstance(activation.expr, sympy.Function)
            applied = activation.expr if named else registry.f(registry.X)
            definition = activation.definition if named else activation.expr
            if definition is not None:
                equation = sympy.Eq(applied, definition, evaluate=False)
                section.formulas.append(Formula(equation, where))
            derivative = sympy.Derivative(applied, registry.X)
            section.formulas.append(
                Formula(sympy.Eq(derivative, activation.derivative, evaluate=False), where)
            )
            through_output = activation.derivative_from_output(registry.A)
            if through_output is not None and through_output != activation.derivative:
                output = sympy.Eq(registry.A, applied, evaluate=False)
                section.formulas.append(
                    Formula(sympy.Eq(derivative, through_output, evaluate=False), output)
                )
        return section

    def _softmax_jacobian(self, where: str) -> Formula:
        """∂a^L_k/∂z^L_j = a^L_k([k = j] − a^L_j), in the notation's names."""
        depth = self.network.depth
        derivative = sympy.Derivative(a[depth, K], z[depth, J])
        equation = sympy.Eq(derivative, indexed.softmax_jacobian(depth), evaluate=False)
        return Formula(self._concrete(equation, depth, depth + 1), where)

    def index_form(self) -> Section:
        """The recursion with a symbolic layer l (layer notation only)."""
        net = self.network
        section = Section("δ recursion, index form")
        section.notes.append(
            "these are this network's rules; the theorem for every depth and width (any f "
            "and ℓ) is proved below, under Proofs: all depths and widths (alone: derive prove "
            "--general)"
        )
        for rule in indexed.printed_rules(net):
            layers = ", ".join(map(str, rule.layers))
            section.formulas.append(
                Formula(rule.equation, f"l = {layers}" if rule.name != "output delta" else "")
            )
        return section

    def per_layer(self) -> Section:
        """Every rule at every concrete layer, in the notation's names."""
        net = self.network
        section = Section(  # the book has no δ: its errors are gⱼ and eₕ
            "δ recursion and gradients, layer by layer"
            if self.notation.any_layer
            else "Errors and gradients, layer by layer"
        )
        by_name = {}
        for rule in indexed.rules(net):
            for layer in rule.layers:
                by_name[(rule.name, layer)] = rule.equation
        for layer in range(net.depth, 0, -1):
            name = "output delta" if layer == net.depth else "hidden delta"
            above = layer + 1
            delta_eq = self.delta_equation(self._concrete(by_name[(name, layer)], layer, above))
            section.formulas.append(Formula(delta_eq, _units(net, self.notation, layer, J)))
            if layer == net.depth and net.spec.normalised_output:
                lemma = sympy.Eq(
                    delta[layer, J],
                    indexed.jacobian_sum(net.spec, n[layer], layer),
                    evaluate=False,
                )
                lemma = self.delta_equation(self._concrete(lemma, layer, above))
                section.formulas.insert(
                    len(section.formulas) - 1, Formula(lemma, "through the softmax Jacobian")
                )
            elif layer == net.depth:
                simpler = _simpler(delta_eq.rhs)
                if simpler is not None:
                    section.formulas.append(
                        Formula(sympy.Eq(delta_eq.lhs, simpler, evaluate=False), "simplified")
                    )
            for rule_name in ("weight gradient", "bias gradient"):
                if (rule_name, layer) not in by_name:
                    continue
                equation = self._concrete(by_name[(rule_name, layer)], layer, layer - 1)
                gradient = self.signed(equation.rhs)
                section.formulas.append(Formula(sympy.Eq(equation.lhs, gradient, evaluate=False)))
                parameter = equation.lhs.variables[0]
                section.formulas.append(
                    Formula(
                        sympy.Eq(
                            indexed.increment(parameter),
                            sympy.expand(-ETA * gradient),
                            evaluate=False,
                        )
                    )
                )
        return section

    def matrix_form(self) -> Section:
        jacobian = ", J^L = diag(a^L) − a^L(a^L)ᵀ" if self.network.spec.normalised_output else ""
        section = Section(f"Matrix form (D^l = diag(f_l'(z^l)){jacobian}, ∇E = ∂E/∂a^L)")
        if self.network.depth > LAYER_BY_LAYER_LIMIT:
            section.notes.append(f"layers 2..{self.network.depth - 2} follow the same pattern")
        for layer in self.shown_layers():
            rules = indexed.matrix_rules(self.network, layer)
            section.formulas.append(Formula(rules.delta))
            section.formulas.append(Formula(rules.weight_gradient))
            if rules.bias_gradient is not None:
                section.formulas.append(Formula(rules.bias_gradient))
        return section
