"""Both derivations of every gradient.

(a) **The expanded chain rule**: differentiate the expanded loss E(x, y, θ)
    directly with respect to each parameter.  The kernel's
    :func:`proofs.kernel.differentiation.differentiate` applies the
    elementary rules (sum, product, power, chain rule through each function's
    own derivative) once per shared sub-expression, so its cost is linear in
    the size of the DAG; ``sympy.diff`` applies the same rules but revisits a
    shared node once per path (exponential in depth; see
    ../shared/BENCHMARKING.md).
    The results are the same expressions up to SymPy's ordering of terms; the
    tests check that against ``sympy.diff``.

(b) **The δ recursion**: δ^L_j = ∂ℓ/∂ŷ(a^L_j, y_j) · f_L'(z^L_j),
    δ^l_j = f_l'(z^l_j) Σ_i w^{l+1}_ij δ^{l+1}_i, ∂E/∂w^l_jk = δ^l_j a^{l−1}_k,
    ∂E/∂b^l_j = δ^l_j — written in the layered symbols, and expanded into an
    expression of the parameters by substituting the recursion and the forward
    pass.

That (a) equals (b) is what the tests check exactly and what ``proofs``
proves; this module only builds the two sides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import sympy

from derive.derivation import indexed
from derive.model.network import Network
from derive.support.deadline import TimeLimit, time_limit
from proofs.kernel.differentiation import differentiate


@dataclass(frozen=True)
class Gradient:
    """Both derivations of ∂E/∂p for one scalar parameter p."""

    parameter: sympy.Symbol
    delta_form: sympy.Expr
    """In layered symbols: δ^l_j a^{l−1}_k for a weight, ±δ^l_j for a bias."""


class Derivation:
    """The gradients of one network, in both forms, per scalar and per layer."""

    def __init__(self, network: Network):
        self.network = network

    # -- (b) the δ recursion in layered symbols --------------------------------

    def activation_derivative(self, layer: int, unit: int, through_output: bool = True):
        """f_l'(z^l_j), through a^l_j where the activation has such a form.
        A softmax layer has no slope per unit (∂a_k/∂z_j for every k, j)."""
        activation = self.network.spec.activation(layer)
        if activation.normalised:
            raise ValueError(f"{activation.name} has a Jacobian, not one slope per unit")
        if through_output:
            via_output = activation.derivative_from_output(self.network.a[layer][unit - 1])
            if via_output is not None:
                return via_output
        return activation.derivative_at(self.network.z[layer][unit - 1])

    def loss_derivative(self, unit: int) -> sympy.Expr:
        """∂E/∂a^L_j = ∂ℓ/∂ŷ at (a^L_j, y_j)."""
        net = self.network
        return net.spec.loss.derivative_at(net.a[net.depth][unit - 1], net.y[unit - 1])

    def delta_definition(self, layer: int, unit: int, through_output: bool = True):
        """The right-hand side of the δ recursion for δ^l_j, in layered symbols.
        At a softmax output it is exact whatever the targets (a_j Σ_k y_k − y_j
        for ce): the hypothesis that they sum to 1 is used by the printed
        index-form rule only, where the proofs name it."""
        net = self.network
        if layer == net.depth and net.spec.normalised_output:
            rule = indexed.softmax_delta(net.spec, net.width(layer), hypothesis=False)
            return indexed.instantiate(net, rule, layer, unit)
        slope = self.activation_derivative(layer, unit, through_output)
        if layer == net.depth:
            return self.loss_derivative(unit) * slope
        above = layer + 1
        total = sympy.Add(
            *(
                net.weights[above][k][unit - 1] * net.delta[above][k]
                for k in range(net.width(above))
            )
        )
        return slope * total

    def gradient(self, parameter: sympy.Symbol) -> Gradient:
        """∂E/∂p in δ form: δ^l_j a^{l−1}_k for w^l_jk, (±1)·δ^l_j for b^l_j."""
        role = self.network.roles[parameter]
        delta = self.network.delta[role.layer][role.indices[0] - 1]
        if role.kind == "w":
            below = self.network.a[role.layer - 1][role.indices[1] - 1]
            return Gradient(parameter, delta * below)
        if role.kind == "b":
            return Gradient(parameter, self.network.bias_sign * delta)
        raise ValueError(f"{parameter} is not a parameter")

    # -- (b) expanded into an expression of the parameters ---------------------

    @cached_property
    def _expansion(self) -> dict[sympy.Symbol, sympy.Expr]:
        """Every layered symbol (z, a and δ) → its expression of x, y and the
        parameters.

        Each δ^l_j is its small layered definition with this mapping applied
        once, top-down, so each layer's δ shares the δ's of the layer above.
        (A second substitution over an already expanded result would walk its
        DAG as a tree: exponential in depth.)  Activation derivatives are
        taken at z, not through the output: the expansion then consists of the
        same atoms as the directly differentiated loss, and the output forms
        (σ' = σ(1 − σ), …) stay separate, individually checked registry facts.
        """
        net = self.network
        mapping = dict(net.expansion)
        for layer in range(net.depth, 0, -1):
            for unit in range(1, net.width(layer) + 1):
                local = self.delta_definition(layer, unit, through_output=False)
                mapping[net.delta[layer][unit - 1]] = local.xreplace(mapping)
        return mapping

    def delta_form_expanded(self, parameter: sympy.Symbol) -> sympy.Expr:
        """The δ-form gradient with δ, a and z replaced by their expansions."""
        return self.gradient(parameter).delta_form.xreplace(self._expansion)

    # -- (a) the expanded chain rule -------------------------------------------

    def expanded_gradient(self, parameter: sympy.Symbol) -> sympy.Expr:
        """∂E/∂p by differentiating the expanded loss directly."""
        return differentiate(self.network.loss_expanded, parameter)


def expanded_chain_rule_cost(widths) -> int:
    """How many input-to-loss paths the expanded derivatives walk in total.

    ∂E/∂w^l_jk of the expanded loss is a sum with one term per path from
    unit j of layer l to the outputs: n_{l+1}·…·n_L terms.  Summed over the
    n_l·n_{l−1} weights of every layer, this is the size of the expanded
    chain rule written out, and what it costs to print, store or expand it.
    """
    depth = len(widths) - 1
    total = 0
    paths = 1
    for layer in range(depth, 0, -1):
        total += widths[layer] * (widths[layer - 1] + 1) * paths
        paths *= widths[layer]
    return total


EXPANDED_PARAMETER_LIMIT = 200
"""Above this many parameters the expanded chain rule is skipped.  Each
derivative walks the whole expanded loss once, so the total cost grows with
the square of the parameter count: 150 parameters take ≈ 2 s, 576 (depth 8 ×
width 8) ≈ 35 s."""

EXPANDED_DEPTH_LIMIT = 30
"""Deeper expanded losses are nested too deeply to walk recursively."""


EXPANDED_SECONDS = 10.0
"""Seconds the expanded chain rule may take before it is given up.  Its cost
is not the parameter count alone: SymPy evaluates some functions of a large
argument slowly (sin, erf, tanh∘softplus of an expanded layer below), so a
rich custom activation at 2-8-8-1 took 95 s where σ takes 0.3 s, and a
fourth such layer did not finish in minutes.  No formula of the activation
predicted that well, so the work is timed instead, and says after 2 s that
it is still running."""


@dataclass(frozen=True)
class ExpandedChainRule:
    """∂E/∂p of the expanded loss for every parameter, the δ-form gradient
    with everything expanded (what it is compared with), or why it was
    skipped."""

    gradients: dict
    skipped: str | None = None
    delta_forms: dict = field(default_factory=dict)


def expanded_chain_rule(
    derivation: Derivation,
    limit: int = EXPANDED_PARAMETER_LIMIT,
    seconds: float | None = EXPANDED_SECONDS,
):
    network = derivation.network
    count = network.spec.parameter_count
    if network.depth > EXPANDED_DEPTH_LIMIT:
        return ExpandedChainRule(
            {},
            f"expanded chain rule skipped: depth {network.depth} (limit {EXPANDED_DEPTH_LIMIT}); "
            f"the expanded loss nests {network.depth} layers of functions. The δ form "
            f"above covers every parameter.",
        )
    if count > limit:
        paths = expanded_chain_rule_cost(network.spec.widths)
        return ExpandedChainRule(
            {},
            f"expanded chain rule skipped: {count} parameters (limit {limit}); its cost grows "
            f"with the square of the parameter count, and written out it would have "
            f"{paths:,} path terms. The δ form above covers every parameter.",
        )
    parameters = network.parameters()
    try:
        with time_limit(seconds, doing="expanding the chain rule"):
            gradients = {p: derivation.expanded_gradient(p) for p in parameters}
            delta_forms = {p: derivation.delta_form_expanded(p) for p in parameters}
    except TimeLimit:
        return ExpandedChainRule(
            {},
            f"expanded chain rule skipped: not done within {seconds:g} s (the activation's "
            f"functions of expanded layers are slow for SymPy to build and differentiate). "
            f"The δ form above covers every parameter.",
        )
    return ExpandedChainRule(gradients, None, delta_forms)
