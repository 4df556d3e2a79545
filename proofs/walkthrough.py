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
* the long chain with these values, summed over the units of every layer
  above, equals ∂E/∂w^l_jk as the kernel derives it by the finite chain
  rule from the network's per-layer definitions, and grouped it is
  δ^l_j a^{l−1}_k: for every j and k, the sums unevaluated, at any width.

Index letters: j for the weight's layer, k for the layer below and i_m for
layer m above (the write-up renames them to the notation's letters).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy

from derive.derivation import indexed
from derive.derivation.gradients import Derivation
from derive.derivation.indexed import E, J, K, a, b, w, y, z
from derive.spec import registry
from derive.support.progress import QUIET, Progress
from proofs.index_form import NetworkFacts, R, derivative_down
from proofs.kernel import Fact, Kernel
from proofs.network import UNIT
from proofs.statements import STATEMENTS, WALKTHROUGH
from proofs.theorem import TheoremOutcome, checked

NAME = WALKTHROUGH
STATEMENT = STATEMENTS[NAME]

LONG_CHAIN_LAYER_LIMIT = 16
"""Layers above a weight up to which its long chain is compared: the chain
is one nested sum per layer above, and the comparison grows faster than
linearly with their number (0.3 s for 10, 2.6 s for 32 layers)."""

SECONDS_LIMIT = 5.0
"""The long chains of a run are compared, top layer first, while their
estimated cost (:func:`long_chain_cost`) adds up to at most this; a layer
beyond it keeps its checked factors and says why its chain was not compared."""
SECONDS_PER_LAYER = 0.015
SECONDS_PER_OPERATION = 0.0008
"""The comparison of a long chain costs, for every layer on it, about
SECONDS_PER_LAYER plus this per operation of the layer's activation
derivative (one core, widths 2,3,…,3,1, L = 3 to 12: 0.016 s a layer for
x·σ(x), 7 operations; 0.05–0.06 s for derivatives of 64–94; 0.125 s for 140).
The number of paths does not enter: the sums stay unevaluated."""

_R = sympy.Symbol("r", integer=True, positive=True)
J_OTHER = sympy.Symbol("j'", integer=True, positive=True)
"""Another unit of the weight's layer, for the vanishing derivatives."""
OUTPUT_OTHER = sympy.Symbol("o", integer=True, positive=True)
"""The index of a softmax output lemma's sum inside a chain (k is the weight's column)."""


def long_chain_cost(network, layer: int) -> float:
    """Estimated seconds to compare the long chain of a weight of ``layer``:
    one term per layer from ``layer`` to the top (:data:`SECONDS_PER_OPERATION`)."""
    return sum(
        SECONDS_PER_LAYER
        + SECONDS_PER_OPERATION * sympy.count_ops(network.spec.activation(m).derivative)
        for m in range(layer, network.depth + 1)
    )


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
    unchecked_reason: str = ""
    """Why the long chain was not compared, where it was not."""


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
        self._deltas: dict[int, Fact] | None = None
        self._rules_cache: list | None = None
        self._error: Fact | None = None
        """⊢ ∂E/∂z^L_j = the softmax output lemma, once proved."""
        self._estimated = 0.0
        """The estimated cost of the long chains compared so far."""
        """δ^l_u = ∂E/∂z^l_u by layer, once the network is defined in the kernel."""

    def run(self) -> TheoremOutcome:
        def body(facts):
            # The network's definitions first: a definition must be of a new name.
            self._facts = NetworkFacts(self.kernel, self.network)
            self._deltas = self._facts.deltas
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
                activation.derivative, through_output
            )
        fact = self.kernel.instantiate(self._slopes[activation.name], {registry.X: point})
        facts.append(self.kernel.algebra(slope, fact.lhs))
        shown = activation.derivative_from_output(a[layer, unit])
        return Factor(derivative, shown, slope)

    def _output_error(self, unit) -> Fact:
        """⊢ ∂E/∂z^L_unit = the softmax output lemma at ``unit``, its sum over
        :data:`OUTPUT_OTHER`: a softmax output's error, one factor of a chain
        (E depends on z^L_unit through every output, not along one link)."""
        kernel, depth = self.kernel, self.network.depth
        if self._error is None:  # proved once, at a symbolic unit j
            lemma = self._facts.softmax_lemma(depth, OUTPUT_OTHER)  # δ^L_j = …
            delta_j = kernel.symmetry(self._facts.delta(depth, J))
            self._error = kernel.transitivity(delta_j, lemma)
        return kernel.instantiate(self._error, {J: unit})

    def _layer(self, layer: int, facts) -> LayerSteps:
        net, depth = self.network, self.network.depth
        top = letter(depth, layer)
        chain: list[sympy.Expr] = [indexed.E]
        factors: list[Factor] = []
        normalised = net.spec.normalised_output
        if normalised:  # ∂E/∂z^L_i in one factor: the output lemma
            error = self._output_error(top)
            facts.append(error)
            chain.append(z[depth, top])
            factors.append(Factor(sympy.Derivative(indexed.E, z[depth, top]), error.rhs))
        else:
            loss_value = self._link(
                facts, indexed.E, self._loss(), a[depth, top], self._conditions((top, depth))
            )
            factors.append(Factor(sympy.Derivative(indexed.E, a[depth, top]), loss_value))
        for upper in range(depth, layer, -1):
            unit, below = letter(upper, layer), letter(upper - 1, layer)
            if not (normalised and upper == depth):
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
            *self._rules(layer),
        )  # fmt: skip
        reason = self._unchecked(layer)
        if reason:
            return replace(steps, unchecked_reason=reason)
        self._check_long_chain(steps, facts)
        return steps

    def _unchecked(self, layer: int) -> str:
        """Why the long chain of ``layer`` is not compared, or ""."""
        above = self.network.depth - layer
        if above > LONG_CHAIN_LAYER_LIMIT:
            return f"{above} layers above the weight > {LONG_CHAIN_LAYER_LIMIT}"
        cost = long_chain_cost(self.network, layer)
        if self._estimated + cost > SECONDS_LIMIT:
            return (
                f"estimated {cost:.3g} s, after {self._estimated:.3g} s for the layers above, "
                f"> {SECONDS_LIMIT:g} s"
            )
        self._estimated += cost
        return ""

    def _rules(self, layer: int):
        """δ^l_j's rule and the gradient rules at ``layer`` (the program's)."""
        by_name = {}
        if self._rules_cache is None:
            self._rules_cache = indexed.rules(self.network)
        for rule in self._rules_cache:
            if layer in rule.layers:
                by_name[rule.name] = indexed.substituted(rule.equation, {indexed.LAYER: layer})
        name = "output delta" if layer == self.network.depth else "hidden delta"
        delta = by_name[name]
        if name == "hidden delta":  # the sum runs over the layer above: its letter
            above = letter(layer + 1, layer)
            delta = indexed.substituted(delta, {K: above})
        return delta, by_name["weight gradient"], by_name.get("bias gradient")

    # -- the long chain, unit by unit ------------------------------------------------------

    def _check_long_chain(self, steps: LayerSteps, facts) -> None:
        """Σ over the units of every layer above of the product of the factors'
        values = ∂E/∂w^l_jk, derived by the kernel's finite chain rule from the
        network's definitions, = δ^l_j a^{l−1}_k: for every j and k at once,
        the sums unevaluated, so the cost grows with the depth only."""
        kernel, net, layer = self.kernel, self.network, steps.layer
        at_z = [f.slope if f.slope is not None else f.value for f in steps.factors]
        limits = [(index, 1, width) for index, width in reversed(steps.sums)]
        chain = sympy.Mul(*at_z)
        long_chain = sympy.Sum(chain, *limits) if limits else chain
        within = self._conditions((J, layer), (K, layer - 1))
        weight = kernel.chain_rule(E, w[layer, J, K], z[layer, UNIT], R, within)
        letters = {m: letter(m, layer) for m in range(layer + 1, net.depth + 1)}
        output = self._output_error if net.spec.normalised_output else None
        down = derivative_down(kernel, net, layer, J, letters, output)
        derived = kernel.rewrite(weight, down)
        facts.append(kernel.equal_by_algebra(derived, long_chain))
        delta_j = kernel.instantiate(self._deltas[layer], {UNIT: J})
        named = kernel.rewrite(weight, kernel.symmetry(delta_j))
        facts.append(kernel.equal_by_algebra(named, steps.gradient.rhs))
