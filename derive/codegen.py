"""trainer.py: a NumPy training module printed from the verified rules.

Every formula in the generated file comes from a SymPy expression: the
forward pass from the model's definition, the backward pass from the
index-form rules (:func:`derive.indexed.rules`) that the index-form proof
checks.  The template holds only structure (functions, loops, batching).

Vectorising an index-form rule: a row of an array is one sample, so a
per-unit quantity such as δ^l_j becomes the column j of ``delta``; a sum
over a unit index of a weight times a batched quantity is a matrix product
(Σ_k w_kj δ_k = δ @ W); a gradient δ_j a_k is summed over the batch
(δᵀ @ a).  Elementwise parts are printed by SymPy's NumPy printer.  Three
printed forms keep the numbers finite for any input, each an identity the
kernel checks before it is used: σ(u) = (1 + tanh(u/2))/2, and under a
sigmoid output log σ(u) = −softplus(−u), log(1 − σ(u)) = −softplus(u), with
softplus(u) printed as logaddexp(0, u).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from functools import cache

import sympy
from sympy.printing.numpy import NumPyPrinter

from derive import __version__, equations, indexed, registry
from derive.errors import InputError
from derive.indexed import LAYER, J, K, Rule, a, b, delta, n, w, y, z
from derive.model import Network
from derive.templating import render

LINE_LIMIT = 100
"""The project's ruff line length; generated code keeps to it."""

_CONTRACTION = sympy.Symbol("CONTRACTION")


class TrainerPrinter(NumPyPrinter):
    """SymPy's NumPy printer, with the project's functions."""

    def __init__(self):
        super().__init__({"fully_qualified_modules": True, "allow_unknown_functions": False})

    def _print_relu(self, expr):
        return f"numpy.maximum({self._print(expr.args[0])}, 0)"

    def _print_softplus(self, expr):
        return f"numpy.logaddexp(0, {self._print(expr.args[0])})"

    def _print_Heaviside(self, expr):
        value = expr.args[1] if len(expr.args) > 1 else sympy.S.Half
        return f"numpy.heaviside({self._print(expr.args[0])}, {self._print(value)})"


class CodegenError(Exception):
    """A rule has a shape the vectoriser does not know; never expected for
    the program's own rules."""


_IDENTITIES = {
    # name: (lhs, rhs) in registry.X
    "sigmoid": (
        registry.sigmoid(registry.X),
        (1 + sympy.tanh(registry.X / 2)) / 2,
    ),
    "log sigmoid": (
        sympy.log(registry.sigmoid(registry.X)),
        -registry.softplus(-registry.X),
    ),
    "log one minus sigmoid": (
        sympy.log(1 - registry.sigmoid(registry.X)),
        -registry.softplus(registry.X),
    ),
}


@cache
def _identity(name: str) -> sympy.Lambda:
    """σ(u) = (1 + tanh(u/2))/2, log σ(u) = −softplus(−u) or
    log(1 − σ(u)) = −softplus(u), checked by the proof kernel the first time
    it is needed, as a function of u."""
    from proofs.kernel import Kernel

    fact = Kernel().simplification(*_IDENTITIES[name])
    return sympy.Lambda(registry.X, fact.rhs)


def _finite_forms(expr: sympy.Expr) -> sympy.Expr:
    """Rewrite log σ and log(1 − σ) through softplus, then σ through tanh."""

    def log_form(node):
        inner = node.args[0]
        if isinstance(inner, registry.sigmoid):
            return _identity("log sigmoid")(inner.args[0])
        rest = sympy.expand(1 - inner)
        if isinstance(rest, registry.sigmoid):
            return _identity("log one minus sigmoid")(rest.args[0])
        return node

    expr = expr.replace(lambda node: isinstance(node, sympy.log), log_form)
    return expr.replace(
        lambda node: isinstance(node, registry.sigmoid),
        lambda node: _identity("sigmoid")(*node.args),
    )


def _print(expr: sympy.Expr, names: dict) -> str:
    """``expr`` as NumPy code, Indexed objects replaced by array names."""
    symbols = {}
    for node in expr.atoms(sympy.Indexed):
        name = names.get(node)
        if name is None:
            raise CodegenError(f"no array stands for {node}")
        symbols[node] = sympy.Symbol(name)
    return TrainerPrinter().doprint(_finite_forms(expr.xreplace(symbols)))


def _fewest_operations(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` or its cancelled form, whichever is cheaper to compute and,
    for a loss with a sigmoid, finite where the other is 0·∞ (σ'·ℓ' for
    cross-entropy is ŷ − y).  The two are checked equal by the kernel."""
    from proofs.kernel import Kernel, ProofError

    if not any(p.exp.is_negative for p in expr.atoms(sympy.Pow)):
        return expr  # no denominator: nothing cancels
    cancelled = sympy.cancel(expr)
    if sympy.count_ops(cancelled) >= sympy.count_ops(expr):
        return expr
    try:
        Kernel().simplification(expr, cancelled)
    except ProofError:
        return expr
    return cancelled


def _batched(node: sympy.Indexed) -> bool:
    return node.base in (a, z, delta, y)


def _contraction(total: sympy.Sum, names: dict) -> str:
    """Σ_k p[j, k]·x[k] (or p[k, j]·x[k]) over a unit index: a matrix product
    of the batched array x with the parameter matrix p."""
    index = total.limits[0][0]
    factors = sympy.Mul.make_args(total.function)
    batched = [f for f in factors if isinstance(f, sympy.Indexed) and _batched(f)]
    matrices = [f for f in factors if isinstance(f, sympy.Indexed) and f.base == w]
    if len(factors) != 2 or len(batched) != 1 or len(matrices) != 1:
        raise CodegenError(f"cannot vectorise {total}")
    (vector,), (matrix,) = batched, matrices
    if vector.indices[-1] != index:
        raise CodegenError(f"{total}: the sum does not run over {vector}'s unit")
    rows, columns = matrix.indices[1:]
    if columns == index:
        return f"({names[vector]} @ {names[matrix]}.T)"
    if rows == index:
        return f"({names[vector]} @ {names[matrix]})"
    raise CodegenError(f"{total}: the sum does not run over a weight index")


def _elementwise_with_sums(expr: sympy.Expr, names: dict) -> str:
    sums = list(expr.atoms(sympy.Sum))
    if len(sums) > 1:
        raise CodegenError(f"cannot vectorise {expr}")
    if not sums:
        return _print(expr, names)
    code = _print(expr.xreplace({sums[0]: _CONTRACTION}), names)
    return code.replace("CONTRACTION", _contraction(sums[0], names))


def _outer(expr: sympy.Expr, names: dict) -> str:
    """c·δ[l, j]·a[l−1, k] summed over the batch: c·(δᵀ @ a), into ``out``
    where the caller passes a buffer (``train`` reuses one per parameter)."""
    factors = sympy.Mul.make_args(expr)
    arrays = [f for f in factors if isinstance(f, sympy.Indexed)]
    constant = sympy.Mul(*(f for f in factors if not isinstance(f, sympy.Indexed)))
    if len(arrays) != 2 or constant.free_symbols:
        raise CodegenError(f"cannot vectorise the gradient {expr}")
    by_index = {node.indices[-1]: node for node in arrays}
    if set(by_index) != {J, K}:
        raise CodegenError(f"the gradient {expr} is not indexed by j and k")
    product = f"numpy.matmul({names[by_index[J]]}.T, {names[by_index[K]]}, out=out)"
    if constant == 1:
        return product
    return f"numpy.multiply({product}, {_print(constant, {})}, out=out)"


def _batch_sum(expr: sympy.Expr, names: dict) -> str:
    """c·δ[l, j] summed over the batch."""
    factors = sympy.Mul.make_args(expr)
    arrays = [f for f in factors if isinstance(f, sympy.Indexed)]
    constant = sympy.Mul(*(f for f in factors if not isinstance(f, sympy.Indexed)))
    if len(arrays) != 1 or constant.free_symbols or arrays[0].indices[-1] != J:
        raise CodegenError(f"cannot vectorise the gradient {expr}")
    total = f"{names[arrays[0]]}.sum(axis=0)"
    return total if constant == 1 else f"{_print(constant, {})} * {total}"


COMMENT_ROOM = 16
"""Room left on a line for its ``  # eq. (n)`` comment."""


def wrap(code: str, indent: int) -> str:
    """``code`` as one line if it fits, else parenthesised over several lines
    (breaking at spaces, which Python allows inside parentheses)."""
    if indent + len(code) + COMMENT_ROOM <= LINE_LIMIT:
        return code
    pad = " " * (indent + 4)
    lines = textwrap.wrap(
        code, LINE_LIMIT - len(pad) - COMMENT_ROOM, break_long_words=False, break_on_hyphens=False
    )
    return "(\n" + "\n".join(pad + line for line in lines) + "\n" + " " * indent + ")"


@dataclass(frozen=True)
class LayerCode:
    """The printed formulas of one layer."""

    number: int
    activation_name: str
    forward: str
    activation: str
    delta: str
    weight_gradient: str
    bias_gradient: str | None


def _names(layer) -> dict:
    return {
        z[layer, J]: "z",
        a[layer, J]: "a",
        a[layer, K]: "a",
        a[layer - 1, K]: "a_below",
        y[J]: "y",
        delta[layer, J]: "delta",
        delta[layer + 1, K]: "delta_above",
        w[layer + 1, K, J]: "weight_above",
        w[layer + 1, J, K]: "weight_above",
        w[layer, J, K]: "weight",
        w[layer, K, J]: "weight",
        b[layer, J]: "bias",
    }


def _rule_at(rules: list[Rule], name: str, layer: int) -> Rule:
    for rule in rules:
        if rule.name == name and layer in rule.layers:
            return rule
    raise CodegenError(f"no {name} rule for layer {layer}")


def layer_code(network: Network, rules: list[Rule], layer: int) -> LayerCode:
    """The forward pass, activation, δ and gradients of ``layer``, printed."""
    spec = network.spec
    names = _names(layer)
    at = {LAYER: layer}
    forward = sympy.Sum(w[layer, J, K] * a[layer - 1, K], (K, 1, n[layer - 1]))
    if spec.bias:
        forward = forward + network.bias_sign * b[layer, J]
    activation = spec.activation(layer).at(z[layer, J])
    if layer == network.depth:
        rhs = _rule_at(rules, "output delta", layer).equation.rhs
        rhs = _fewest_operations(rhs)
    else:
        rhs = _rule_at(rules, "hidden delta", layer).equation.rhs.xreplace(at)
    weight = _rule_at(rules, "weight gradient", layer).equation.rhs.xreplace(at)
    bias = None
    if spec.bias:
        bias = _batch_sum(_rule_at(rules, "bias gradient", layer).equation.rhs.xreplace(at), names)
    return LayerCode(
        number=layer,
        activation_name=spec.activation(layer).name,
        forward=wrap(_elementwise_with_sums(forward, names), 8),
        activation=wrap(_print(activation, names), 4),
        delta=wrap(_elementwise_with_sums(rhs, names), 4),
        weight_gradient=wrap(_outer(weight, names), 8),
        bias_gradient=bias,
    )


def loss_code(network: Network) -> str:
    """The per-output loss ℓ(ŷ, y) as NumPy code: through z where that keeps
    it finite (cross-entropy of a sigmoid), else through the output a."""
    depth = network.depth
    spec = network.spec
    names = {z[depth, J]: "z", a[depth, J]: "a", y[J]: "y"}
    through_z = spec.loss.at(spec.activation(depth).at(z[depth, J]), y[J])
    plain = spec.loss.at(a[depth, J], y[J])
    rewritten = _finite_forms(through_z)
    if rewritten.has(registry.softplus) and not plain.has(registry.softplus):
        return wrap(_print(through_z, names), 4)
    return wrap(_print(plain, names), 4)


def trainer_source(network: Network, rules: list[Rule] | None = None) -> str:
    """The text of trainer.py for ``network``."""
    rules = rules if rules is not None else indexed.rules(network)
    spec = network.spec
    try:
        layers = [layer_code(network, rules, layer) for layer in range(1, network.depth + 1)]
        loss = loss_code(network)
    except CodegenError as error:  # a program bug, not the user's
        raise InputError(f"cannot generate trainer.py: {error}") from error
    return render(
        "trainer.py.j2",
        version=__version__,
        sizes=tuple(spec.widths),
        activations=tuple(a.name for a in spec.activations),
        loss_name=spec.loss.name,
        bias=spec.bias,
        bias_sign=network.bias_sign,
        layers=layers,
        loss=loss,
        cite=equations.cite,
        description=spec.describe(),
    )
