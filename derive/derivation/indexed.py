"""The δ recursion with symbolic indices: index form and matrix form.

Index form uses SymPy ``Indexed`` objects whose first index is the layer:
``w[l, j, k]`` is w^l_jk, ``delta[l + 1, k]`` is δ^{l+1}_k, and sums run to the
symbolic width ``n[l + 1]``.  One equation covers every unit of every layer it
is stated for; :func:`instantiate` turns it into the scalar equation of one
unit, in the model's own symbols, which is how the tests tie the two forms
together.

Matrix form restates the same rules per layer with matrix symbols:
δ^L = D^L ∇E, δ^l = D^l (W^{l+1})ᵀ δ^{l+1}, ∂E/∂W^l = δ^l (a^{l−1})ᵀ,
∂E/∂b^l = δ^l, where D^l = diag(f_l'(z^l)).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import sympy

from derive.model.network import Network
from derive.notation.matrices import matrix
from derive.notation.quantities import LAYER, E, J, K, a, b, delta, n, targets_total, w, y, z  # noqa: F401 (their home)
from derive.spec.network import NetworkSpec
from proofs.kernel.algebra import split_sum

increment = sympy.Function("Delta")
"""Δp, the gradient-descent update of a parameter p (printed as Δp)."""


@dataclass(frozen=True)
class Rule:
    """One equation of the recursion and the layers it is stated for."""

    name: str
    equation: sympy.Eq
    layers: tuple[int, ...]


def _slope(network: Network, layer_index, layer_number: int) -> sympy.Expr:
    """f_l'(z^l_j) in index form, through a^l_j where the activation allows."""
    return _slope_of(network.spec, layer_index, layer_number)


def _slope_of(spec: NetworkSpec, layer_index, layer_number: int) -> sympy.Expr:
    activation = spec.activation(layer_number)
    through_output = activation.derivative_from_output(a[layer_index, J])
    if through_output is not None:
        return through_output
    return activation.derivative_at(z[layer_index, J])


def _group_by_activation(network: Network, layers) -> list[tuple[int, ...]]:
    groups: dict[str, list[int]] = {}
    for layer in layers:
        groups.setdefault(network.spec.activation(layer).name, []).append(layer)
    return [tuple(group) for group in groups.values()]


def jacobian_sum(spec: NetworkSpec, width, depth=None) -> sympy.Expr:
    """δ^L_j of a normalised (softmax) output by the chain rule through every
    output: Σ_{k=1}^{width} ∂ℓ/∂a^L_k · a^L_k ([k = j] − a^L_j), since
    ∂a_k/∂z_j = a_k([k = j] − a_j).  The lemma the proofs show first."""
    depth = spec.depth if depth is None else depth
    slope = spec.loss.derivative_at(a[depth, K], y[K])
    return sympy.Sum(slope * softmax_jacobian(depth), (K, 1, width))


def softmax_jacobian(depth) -> sympy.Expr:
    """∂a^L_k/∂z^L_j = a^L_k ([k = j] − a^L_j) for a softmax layer, the
    quotient rule's result that the softmax output lemma checks."""
    return a[depth, K] * (sympy.KroneckerDelta(K, J) - a[depth, J])


def softmax_delta(spec: NetworkSpec, width, depth=None, hypothesis: bool = True) -> sympy.Expr:
    """The output rule of a softmax layer as the program prints it:
    a_j (ℓ'(a_j, y_j) − Σ_k a_k ℓ'(a_k, y_k)), one pass over the layer, or
    its sums split (:func:`~proofs.kernel.algebra.split_sum`) where that is
    shorter — for ce, a_j Σ_k y_k − y_j — and then, with ``hypothesis`` and
    the spec's targets summing to 1, Σ_k y_k read as 1 (a_j − y_j)."""
    depth = spec.depth if depth is None else depth
    loss = spec.loss
    weighted = sympy.Sum(a[depth, K] * loss.derivative_at(a[depth, K], y[K]), (K, 1, width))
    general = a[depth, J] * (loss.derivative_at(a[depth, J], y[J]) - weighted)
    split = sympy.expand(general.xreplace({weighted: split_sum(weighted)}))
    rule = split if sympy.count_ops(split) < sympy.count_ops(general) else general
    if hypothesis and spec.targets_sum_to_one:
        rule = rule.xreplace({targets_total(width): sympy.S.One})
    return rule


def output_delta(spec: NetworkSpec, hypothesis: bool = True) -> sympy.Expr:
    """δ^L_j's rule in index form: ∂ℓ/∂a^L_j · f_L'(z^L_j), or for a
    softmax output :func:`softmax_delta` with the width n_L."""
    depth = spec.depth
    if spec.normalised_output:
        return softmax_delta(spec, n[depth], depth, hypothesis)
    return spec.loss.derivative_at(a[depth, J], y[J]) * _slope_of(spec, depth, depth)


@functools.lru_cache(maxsize=16)
def rules(network: Network) -> tuple[Rule, ...]:
    """The recursion in index form: output δ, hidden δ (one rule per distinct
    hidden activation), weight gradient and bias gradient.  Kept per network:
    the report, the proofs, the trainer and the write-up each read them."""
    depth = network.depth
    output = sympy.Eq(delta[depth, J], output_delta(network.spec), evaluate=False)
    result = [Rule("output delta", output, (depth,))]
    for group in _group_by_activation(network, range(depth - 1, 0, -1)):
        hidden = sympy.Eq(
            delta[LAYER, J],
            _slope(network, LAYER, group[0])
            * sympy.Sum(w[LAYER + 1, K, J] * delta[LAYER + 1, K], (K, 1, n[LAYER + 1])),
            evaluate=False,
        )
        result.append(Rule("hidden delta", hidden, group))
    every_layer = tuple(range(1, depth + 1))
    weight = sympy.Eq(
        sympy.Derivative(E, w[LAYER, J, K]), delta[LAYER, J] * a[LAYER - 1, K], evaluate=False
    )
    result.append(Rule("weight gradient", weight, every_layer))
    if network.spec.bias:
        bias = sympy.Eq(
            sympy.Derivative(E, b[LAYER, J]), network.bias_sign * delta[LAYER, J], evaluate=False
        )
        result.append(Rule("bias gradient", bias, every_layer))
    return tuple(result)


ABOVE = sympy.Symbol("i", integer=True, positive=True)
"""A unit of the layer above, as every output prints the hidden rule,
Σ_i w^{l+1}_ij δ^{l+1}_i: k is the unit below (w^l_jk) everywhere else."""


def printed_rules(network: Network) -> tuple[Rule, ...]:
    """:func:`rules` as the terminal and the write-up print them: the hidden
    rule summed over i, the unit above (:data:`ABOVE`)."""
    return tuple(
        replace(rule, equation=substituted(rule.equation, {K: ABOVE}))
        if rule.name == "hidden delta"
        else rule
        for rule in rules(network)
    )


def substituted(equation: sympy.Eq, mapping: dict) -> sympy.Eq:
    """``equation`` with ``mapping`` applied to each side, kept unevaluated:
    ``xreplace`` on the equation itself rebuilds it evaluated, which asks
    SymPy's assumptions whether the two sides are equal (3 ms a rule)."""
    return sympy.Eq(equation.lhs.xreplace(mapping), equation.rhs.xreplace(mapping), evaluate=False)


def instantiate(network: Network, expr: sympy.Expr, layer: int, unit: int, other: int = 1):
    """``expr`` at layer l, unit j (and k = ``other``), sums written out, in the
    model's scalar symbols."""
    widths = {n[i]: network.width(i) for i in range(network.depth + 1)}
    concrete = expr.subs({LAYER: layer}).subs({J: unit, K: other})
    concrete = concrete.xreplace(widths)
    concrete = concrete.replace(lambda node: isinstance(node, sympy.Sum), lambda node: node.doit())
    return concrete.replace(
        lambda node: isinstance(node, sympy.Indexed), lambda node: scalar(network, node)
    )


def scalar(network: Network, node: sympy.Indexed) -> sympy.Symbol:
    """The model's scalar symbol for an Indexed quantity with integer indices."""
    kind = node.base.name
    indices = [int(i) for i in node.indices]
    if kind == "y":
        return network.y[indices[0] - 1]
    if kind == "w":
        return network.weights[indices[0]][indices[1] - 1][indices[2] - 1]
    if kind == "b":
        return network.biases[indices[0]][indices[1] - 1]
    table = {"z": network.z, "a": network.a, "delta": network.delta}[kind]
    return table[indices[0]][indices[1] - 1]


@dataclass(frozen=True)
class MatrixRules:
    """The recursion for one layer as matrix expressions."""

    layer: int
    delta: sympy.Eq
    weight_gradient: sympy.Eq
    bias_gradient: sympy.Eq | None


def matrix_symbols(network: Network, layer: int) -> dict[str, sympy.MatrixSymbol]:
    rows = network.width(layer)
    below = network.width(layer - 1)
    names = {
        "W": matrix("W", layer, rows, below),
        "delta": matrix("delta", layer, rows, 1),
        "a_below": matrix("a", layer - 1, below, 1),
        "D": matrix("D", layer, rows, rows),
        "dW": matrix("dW", layer, rows, below),
        "db": matrix("db", layer, rows, 1),
    }
    if layer == network.depth:
        names["grad"] = matrix("grad", layer, rows, 1)
        names["J"] = matrix("J", layer, rows, rows)
    else:
        names["W_above"] = matrix("W", layer + 1, network.width(layer + 1), rows)
        names["delta_above"] = matrix("delta", layer + 1, network.width(layer + 1), 1)
    return names


def matrix_rules(network: Network, layer: int) -> MatrixRules:
    """δ^l, ∂E/∂W^l and ∂E/∂b^l for one layer, D^l = diag(f_l'(z^l)); a
    softmax output has its Jacobian J^L = diag(a^L) − a^L (a^L)ᵀ instead."""
    s = matrix_symbols(network, layer)
    if layer == network.depth and network.spec.normalised_output:
        rhs = s["J"] * s["grad"]
    elif layer == network.depth:
        rhs = s["D"] * s["grad"]
    else:
        rhs = s["D"] * s["W_above"].T * s["delta_above"]
    bias = None
    if network.spec.bias:
        bias = sympy.Eq(s["db"], network.bias_sign * s["delta"], evaluate=False)
    return MatrixRules(
        layer,
        sympy.Eq(s["delta"], rhs, evaluate=False),
        sympy.Eq(s["dW"], s["delta"] * s["a_below"].T, evaluate=False),
        bias,
    )
