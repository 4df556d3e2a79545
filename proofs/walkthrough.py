"""The chain rule step by step, as the write-up shows it, every step checked.

For a weight w^l_jk the write-up follows the seed's method: name the chain
from the loss down to the weight (E → a^L → z^L → … → a^l_j → z^l_j →
w^l_jk), write ∂E/∂w^l_jk as the sum over the units of every layer above of
the product of the local derivatives, give each factor's value, and group
the product into δ's.  This module builds those steps as SymPy objects with
the units symbolic and the layer concrete, and checks them with the kernel:

* each factor's value is the derivative of the upper node's definition
  (the forward pass or the loss), differentiated with the units symbolic
  and the widths concrete, so one check covers every unit;
* an activation factor written through the output (σ' = σ(1 − σ)) is
  checked by simplification from the activation's definition;
* "the other units' derivatives vanish" (the seed's trick) is the
  derivative ∂z^l_{j'}/∂w^l_jk = [j' = j] a^{l−1}_k;
* the long chain with these values, summed over the units above, equals
  ∂E/∂w^l_jk of the fully expanded loss, and equals δ^l_j a^{l−1}_k with
  the program's recursion substituted: checked unit by unit where the
  number of paths allows, and the units checked are recorded.

Index letters: j for the weight's layer, k for the layer below and i_m for
layer m above (the write-up renames them to the notation's letters).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import sympy

from derive import indexed, registry
from derive.gradients import Derivation
from derive.indexed import J, K, a, b, w, y, z
from proofs import expanded
from proofs.kernel import Fact, Kernel
from proofs.layered import Verdict, checked
from proofs.progress import QUIET, Progress

NAME = "chain rule, step by step"
STATEMENT = (
    "each factor of the write-up's chains is the derivative of its node's definition; "
    "where the paths are few (up to 4 layers, 24 paths), the long chain for j = k = 1 equals "
    "∂E/∂w of the expanded loss and, grouped, δ^l_j a^{l−1}_k"
)

TERM_BY_TERM_DEPTH_LIMIT = 4
"""Deeper networks are not checked term by term: comparing with the expanded
loss costs about 2 s at depth 4, 4 s at depth 6 and minutes at depth 14."""
ONE_UNIT_LIMIT = 24
"""Paths up to which the long chain is checked, for j = k = 1 (the
expanded comparison costs seconds per weight at 50 paths, depth 6)."""

_R = sympy.Symbol("r", integer=True, positive=True)
J_OTHER = sympy.Symbol("j'", integer=True, positive=True)
"""Another unit of the weight's layer, for the vanishing derivatives."""

_DEFINITIONS = {
    entry.expr.func: sympy.Lambda(registry.X, entry.definition)
    for entry in registry.ACTIVATIONS.values()
    if entry.definition is not None
}


def letter(layer: int, weight_layer: int) -> sympy.Symbol:
    """The unit index of ``layer`` in the chain of a weight of ``weight_layer``."""
    if layer == weight_layer:
        return J
    if layer == weight_layer - 1:
        return K
    return sympy.Symbol(f"i_{layer}", integer=True, positive=True)


@dataclass(frozen=True)
class Factor:
    """One link ∂upper/∂lower of a chain, with its checked value."""

    derivative: sympy.Derivative
    value: sympy.Expr
    """As shown: an activation's slope written through its output where it can be."""
    slope: sympy.Expr | None = None
    """For an activation link, f'(z) before it is written through the output."""


@dataclass(frozen=True)
class LayerSteps:
    """The derivation of ∂E/∂w^l_jk (and ∂E/∂b^l_j) for one layer."""

    layer: int
    chain: tuple[sympy.Expr, ...]
    """E, a^L_{i_L}, z^L_{i_L}, …, a^l_j, z^l_j, w^l_jk: the nodes, top down."""
    sums: tuple[tuple[sympy.Symbol, int], ...]
    """(letter, width) for each unit summed over, the layer above first."""
    factors: tuple[Factor, ...]
    vanishing: sympy.Eq | None
    """∂z^l_{j'}/∂w^l_jk = [j' = j] a^{l−1}_k, for a hidden layer."""
    delta: sympy.Eq
    """δ^l_j = its value: the output formula or the recursion."""
    gradient: sympy.Eq
    bias_gradient: sympy.Eq | None
    checked_units: tuple[tuple[int, int], ...]
    """The (j, k) the long chain was checked for, term by term."""
    unchecked_reason: str = ""
    """Why it was not checked term by term, where it was not."""


class Walkthrough:
    """Builds and checks the step-by-step derivation of every shown layer."""

    def __init__(
        self,
        derivation: Derivation,
        layers,
        kernel: Kernel | None = None,
        progress: Progress = QUIET,
    ):
        self.derivation = derivation
        self.network = derivation.network
        self.layers = tuple(layers)
        self.kernel = kernel or Kernel()
        self.progress = progress
        self.steps: list[LayerSteps] = []
        self._slopes: dict[str, Fact] = {}

    def run(self) -> Verdict:
        def body(facts):
            for done, layer in enumerate(self.layers):
                self.progress.update("step-by-step chains", done, len(self.layers))
                self.steps.append(self._layer(layer, facts))
            self.progress.close()

        return checked(NAME, STATEMENT, body)

    # -- definitions, units symbolic and widths concrete -------------------------------

    def _conditions(self, *pairs):
        return [
            condition
            for index, layer in pairs
            for condition in (sympy.Q.le(1, index), sympy.Q.le(index, self.network.width(layer)))
        ]

    def _pre_activation(self, layer: int, unit) -> sympy.Expr:
        """z^l_u = Σ_r w^l_ur a^{l−1}_r ± b^l_u, the sum unevaluated."""
        net = self.network
        total = sympy.Sum(w[layer, unit, _R] * a[layer - 1, _R], (_R, 1, net.width(layer - 1)))
        if net.spec.bias:
            total += net.bias_sign * b[layer, unit]
        return total

    def _loss(self) -> sympy.Expr:
        depth = self.network.depth
        term = self.network.spec.loss.at(a[depth, _R], y[_R])
        return sympy.Sum(term, (_R, 1, self.network.width(depth)))

    # -- the links -------------------------------------------------------------------

    def _link(self, facts, upper, definition, lower, conditions) -> sympy.Expr:
        fact = self.kernel.differentiate(definition, lower, conditions)
        facts.append(fact)
        return fact.rhs

    def _slope(self, facts, layer: int, unit) -> Factor:
        """∂a^m_u/∂z^m_u = f'(z^m_u), then through the output where the program
        writes it so (checked by simplification from the definition)."""
        activation = self.network.spec.activation(layer)
        point = z[layer, unit]
        slope = self._link(facts, a[layer, unit], activation.at(point), point, ())
        derivative = sympy.Derivative(a[layer, unit], point)
        through_output = activation.derivative_from_output(activation.expr)
        if through_output is None:
            return Factor(derivative, slope)
        if activation.name not in self._slopes:
            self._slopes[activation.name] = self.kernel.simplification(
                activation.derivative, through_output, _DEFINITIONS
            )
        fact = self.kernel.instantiate(self._slopes[activation.name], {registry.X: point})
        facts.append(self.kernel.algebra(slope, fact.lhs))
        shown = activation.derivative_from_output(a[layer, unit])
        return Factor(derivative, shown, slope)

    def _layer(self, layer: int, facts) -> LayerSteps:
        net, depth = self.network, self.network.depth
        top = letter(depth, layer)
        chain: list[sympy.Expr] = [indexed.E]
        factors: list[Factor] = []
        loss_value = self._link(
            facts, indexed.E, self._loss(), a[depth, top], self._conditions((top, depth))
        )
        factors.append(Factor(sympy.Derivative(indexed.E, a[depth, top]), loss_value))
        for upper in range(depth, layer, -1):
            unit, below = letter(upper, layer), letter(upper - 1, layer)
            chain += [a[upper, unit], z[upper, unit]]
            factors.append(self._slope(facts, upper, unit))
            value = self._link(
                facts,
                z[upper, unit],
                self._pre_activation(upper, unit),
                a[upper - 1, below],
                self._conditions((below, upper - 1)),
            )
            factors.append(Factor(sympy.Derivative(z[upper, unit], a[upper - 1, below]), value))
        chain += [a[layer, J], z[layer, J], w[layer, J, K]]
        factors.append(self._slope(facts, layer, J))
        conditions = self._conditions((J, layer), (K, layer - 1))
        value = self._link(
            facts, z[layer, J], self._pre_activation(layer, J), w[layer, J, K], conditions
        )
        factors.append(Factor(sympy.Derivative(z[layer, J], w[layer, J, K]), value))

        vanishing = None
        if layer < depth:
            conditions_other = conditions + self._conditions((J_OTHER, layer))
            fact = self.kernel.differentiate(
                self._pre_activation(layer, J_OTHER), w[layer, J, K], conditions_other
            )
            expected = sympy.KroneckerDelta(J_OTHER, J) * a[layer - 1, K]
            facts.append(self.kernel.equal_by_algebra(fact, expected))
            vanishing = sympy.Eq(
                sympy.Derivative(z[layer, J_OTHER], w[layer, J, K]), expected, evaluate=False
            )

        sums = tuple((letter(m, layer), net.width(m)) for m in range(layer + 1, depth + 1))
        steps = LayerSteps(
            layer, tuple(chain), sums, tuple(factors), vanishing,
            *self._rules(layer), checked_units=(),
        )  # fmt: skip
        units, reason = self._check_long_chain(steps, facts)
        return replace(steps, checked_units=units, unchecked_reason=reason)

    def _rules(self, layer: int):
        """δ^l_j's rule and the gradient rules at ``layer`` (the program's)."""
        by_name = {}
        for rule in indexed.rules(self.network):
            if layer in rule.layers:
                by_name[rule.name] = rule.equation.xreplace({indexed.LAYER: layer})
        name = "output delta" if layer == self.network.depth else "hidden delta"
        delta = by_name[name]
        if name == "hidden delta":  # the sum runs over the layer above: its letter
            above = letter(layer + 1, layer)
            delta = delta.xreplace({K: above})
        return delta, by_name["weight gradient"], by_name.get("bias gradient")

    # -- the long chain, unit by unit ------------------------------------------------------

    def _check_long_chain(self, steps: LayerSteps, facts) -> tuple[tuple, str]:
        """Σ over paths of the product = ∂E/∂w of the expanded loss = δ^l_j a^{l−1}_k
        with the program's δ's, for j = k = 1; or why not: the cost grows with
        the number of paths, which grows exponentially with the layers above,
        and with the depth of the expanded loss."""
        net, derivation = self.network, self.derivation
        paths = 1
        for _, width in steps.sums:
            paths *= width
        too_large = expanded.feasible(derivation)
        if net.depth > TERM_BY_TERM_DEPTH_LIMIT:
            too_large = f"depth {net.depth} > {TERM_BY_TERM_DEPTH_LIMIT}"
        elif paths > ONE_UNIT_LIMIT:
            too_large = f"{paths:,} paths > {ONE_UNIT_LIMIT}"
        if too_large:
            return (), too_large
        at_z = [f.slope if f.slope is not None else f.value for f in steps.factors]
        weight = net.weights[steps.layer][0][0]
        concrete = self._over_paths(at_z, steps.sums, 1, 1).xreplace(net.expansion)
        derivative = self.kernel.differentiate(net.loss_expanded, weight, shared=True)
        opaque = net.pre_activations_expanded
        facts.append(self.kernel.equal_by_algebra(derivative, concrete, opaque))
        grouped = derivation.delta_form_expanded(weight)
        facts.append(self.kernel.algebra(concrete, grouped, (), opaque))
        return ((1, 1),), ""

    def _over_paths(self, factors, sums, j: int, k: int) -> sympy.Expr:
        """The sum over every path of the product of ``factors``, in the
        model's scalar symbols, units j and k."""
        product = sympy.Mul(*factors)
        terms = []
        for values in itertools.product(*(range(1, width + 1) for _, width in sums)):
            units = {J: j, K: k, **{index: v for (index, _), v in zip(sums, values, strict=True)}}
            terms.append(product.xreplace(units))
        total = sympy.Add(*terms)
        return total.replace(
            lambda node: isinstance(node, sympy.Indexed),
            lambda node: indexed.scalar(self.network, node),
        )
