"""trainer.py: a NumPy training module printed from the verified rules.

Every formula in the generated file comes from a SymPy expression: the
forward pass from the model's definition, the backward pass from the
index-form rules (:func:`derive.derivation.indexed.rules`) that the index-form proof
checks.  The template holds only structure (functions, loops, batching).

Vectorising an index-form rule: a row of an array is one sample, so a
per-unit quantity such as δ^l_j becomes the column j of ``delta``; a sum
over a unit index of a weight times a batched quantity is a matrix product
(Σ_k w_kj δ_k = δ @ W); a gradient δ_j a_k is summed over the batch
(δᵀ @ a); a sum over the units of one layer of batched quantities alone
(a, z, δ, y; no weight), as in a softmax output's δ, is a row sum,
``numpy.sum(…, axis=1, keepdims=True)``, computed first into a (batch, 1)
array that the elementwise ufuncs broadcast.  Elementwise parts are printed
by :mod:`derive.printing.numpy`.  The printed forms that keep the numbers
finite for any input are each an identity the kernel checks before it is
used: σ(u) = (1 + tanh(u/2))/2, and under a sigmoid output
log σ(u) = −softplus(−u), log(1 − σ(u)) = −softplus(u), with softplus(u)
printed as logaddexp(0, u); under a softmax output the unit value with
every z shifted by the row maximum m, e^{z_j − m}/Σ_k e^{z_k − m} =
e^{z_j}/Σ_k e^{z_k}, and log(e^u/T) = u − log T, so that the loss takes the
log-softmax z − m − log Σ_k e^{z_k − m} and never log 0.
"""

from __future__ import annotations

import re
import textwrap
from contextvars import ContextVar
from dataclasses import dataclass

import sympy

from derive import __version__
from derive.codegen.inplace import Unsupported, inplace
from derive.derivation import indexed
from derive.derivation.indexed import LAYER, J, K, Rule, a, b, delta, n, w, y, z
from derive.model.network import Network
from derive.notation import equations
from derive.notation.code import array_names
from derive.printing.numpy import TrainerPrinter
from derive.spec import functions, registry
from derive.support.errors import InputError
from derive.support.templating import render

LINE_LIMIT = 100
"""The project's ruff line length; generated code keeps to it."""

_CONTRACTION = sympy.Symbol("CONTRACTION")

SHIFT = sympy.Symbol("shift", real=True)
"""The row maximum of a normalised layer's z, subtracted before exp."""
TOTAL = sympy.Symbol("total", positive=True)
"""The row sum Σ_k f(z_k − shift) of a normalised layer, a (batch, 1) array."""


class CodegenError(Exception):
    """A rule has a shape the vectoriser does not know; never expected for
    the program's own rules."""


class PrintingChecks:
    """The kernel checks trainer.py's printed forms rest on, all in one kernel:
    each identity it uses (σ through tanh, log σ through softplus) proved
    once, and each cancelled formula checked equal to the proved rule.  The
    main job hands the kernel to the certificate, which records these steps
    with the theorems' (:func:`proofs.run.record_printing`)."""

    def __init__(self, kernel=None):
        from proofs.kernel import Kernel

        self.kernel = kernel or Kernel()
        self.facts: list = []
        self._identities: dict = {}
        self._proved: set = set()

    def identity(self, name: str) -> sympy.Lambda:
        """σ(u) = (1 + tanh(u/2))/2, log σ(u) = −softplus(−u) or
        log(1 − σ(u)) = −softplus(u), proved the first time it is needed,
        as a function of u."""
        if name not in self._identities:
            identity = functions.IDENTITIES[name]
            fact = self.kernel.simplification(identity.lhs, identity.rhs)
            self.facts.append(fact)
            self._identities[name] = sympy.Lambda(registry.X, fact.rhs)
        return self._identities[name]

    def log_quotient(self, numerator: sympy.Expr) -> sympy.Lambda | None:
        """log(f(u)/T) written without the quotient, for a normalised
        activation whose numerator is f = ``numerator`` (an expression of
        X) and a positive row sum T: for softmax, log(e^u/T) = u − log T,
        the log-softmax that never takes log 0.  Proved the first time it
        is needed, as a function of (u, T); None where expanding the
        logarithm leaves a logarithm of f."""
        key = ("log quotient", numerator)
        if key not in self._identities:
            lhs = sympy.log(numerator / TOTAL)
            rhs = sympy.expand_log(lhs, force=True)
            if any(node.has(registry.X) for node in rhs.atoms(sympy.log)):
                self._identities[key] = None
            else:
                self.facts.append(self.kernel.simplification(lhs, rhs))
                self._identities[key] = sympy.Lambda((registry.X, TOTAL), rhs)
        return self._identities[key]

    def equal(self, expr: sympy.Expr, other: sympy.Expr) -> bool:
        """Whether the kernel proves ``expr`` = ``other`` (recorded if so)."""
        from proofs.kernel import ProofError

        if (expr, other) in self._proved:
            return True  # proved and recorded once
        try:
            self.facts.append(self.kernel.simplification(expr, other))
        except ProofError:
            return False
        self._proved.add((expr, other))
        return True


_CHECKS: ContextVar[PrintingChecks | None] = ContextVar("printing_checks", default=None)
"""The checks of the trainer being printed (:func:`trainer_source` sets them)."""


def _checks() -> PrintingChecks:
    checks = _CHECKS.get()
    if checks is None:  # a formula printed on its own, outside trainer_source
        checks = PrintingChecks()
        _CHECKS.set(checks)
    return checks


def _identity(name: str) -> sympy.Lambda:
    return _checks().identity(name)


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
    return TrainerPrinter().doprint(_array_symbols(expr, names))


def _fewest_operations(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` or its cancelled form, whichever is cheaper to compute and,
    for a loss with a sigmoid, finite where the other is 0·∞ (σ'·ℓ' for
    cross-entropy is ŷ − y).  The two are checked equal by the kernel."""
    if not any(p.exp.is_negative for p in expr.atoms(sympy.Pow)):
        return expr  # no denominator: nothing cancels
    cancelled = sympy.cancel(expr)
    if sympy.count_ops(cancelled) >= sympy.count_ops(expr):
        return expr
    return cancelled if _checks().equal(expr, cancelled) else expr


def _batched(node: sympy.Indexed) -> bool:
    return node.base in (a, z, delta, y)


ROW_SUM = "row_sum_{}"
"""The local name of a row sum's (batch, 1) array in a printed formula."""


def _row_sum_body(total: sympy.Sum, depth: int | None) -> sympy.Expr | None:
    """The summand at unit j of Σ_{k=1}^{n_l} over one layer's units of
    batched quantities (a, z, δ of layer l, or the targets y of the output
    layer L = ``depth``) with no weight: a row sum of a (batch, n_l) array,
    ``numpy.sum(…, axis=1, keepdims=True)``; None for any other sum."""
    if len(total.limits) != 1:
        return None
    index, low, high = total.limits[0]
    body = total.function
    nodes = body.atoms(sympy.Indexed)
    if low != 1 or not nodes or body.has(sympy.Sum):
        return None
    for node in nodes:
        if not _batched(node) or node.indices[-1] != index:
            return None
        layer = depth if node.base == y else node.indices[0]
        if layer is None or high != n[layer]:
            return None
    rest = body.xreplace({node: sympy.Dummy() for node in nodes}).free_symbols
    if index in rest or J in rest:
        return None
    return body.xreplace({index: J})


@dataclass(frozen=True)
class _Sums:
    """An expression with its sums replaced by symbols: row sums by
    ``row_sum_i`` (each computed first, as code), the contraction (at most
    one) by ``CONTRACTION``."""

    expr: sympy.Expr
    row_sums: tuple[tuple[sympy.Symbol, str], ...]
    contraction: sympy.Sum | None


def _split_sums(expr: sympy.Expr, names: dict, depth: int | None = None) -> _Sums:
    row_sums, contractions, mapping = [], [], {}
    for total in sorted(expr.atoms(sympy.Sum), key=sympy.default_sort_key):
        body = _row_sum_body(total, depth)
        if body is None:
            contractions.append(total)
            continue
        symbol = sympy.Symbol(ROW_SUM.format(len(row_sums)))
        row_sums.append((symbol, f"numpy.sum({_print(body, names)}, axis=1, keepdims=True)"))
        mapping[total] = symbol
    if len(contractions) > 1:
        raise CodegenError(f"cannot vectorise {expr}")
    contraction = contractions[0] if contractions else None
    if contraction is not None:
        _contraction_operands(contraction, names)  # a weight contraction, or refused
        mapping[contraction] = _CONTRACTION
    return _Sums(expr.xreplace(mapping), tuple(row_sums), contraction)


def _contraction_operands(total: sympy.Sum, names: dict) -> tuple[sympy.Indexed, str, str]:
    """Σ_k p[j, k]·x[k] (or p[k, j]·x[k]) over a unit index: a matrix product
    of the batched array x with the parameter matrix p (or its transpose);
    returns x and the two operands as code."""
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
        return vector, names[vector], f"{names[matrix]}.T"
    if rows == index:
        return vector, names[vector], names[matrix]
    raise CodegenError(f"{total}: the sum does not run over a weight index")


def _contraction(total: sympy.Sum, names: dict) -> str:
    _, vector, matrix = _contraction_operands(total, names)
    return f"({vector} @ {matrix})"


def _elementwise_with_sums(expr: sympy.Expr, names: dict, depth: int | None = None) -> str:
    """``expr`` as one NumPy expression: a weight contraction as a matrix
    product, a row sum as ``numpy.sum(…, axis=1, keepdims=True)``."""
    sums = _split_sums(expr, names, depth)
    code = _print(sums.expr, names)
    if sums.contraction is not None:
        code = code.replace("CONTRACTION", _contraction(sums.contraction, names))
    for symbol, total in sums.row_sums:
        code = re.sub(rf"\b{symbol.name}\b", lambda _match, total=total: total, code)
    return code


def _array_symbols(expr: sympy.Expr, names: dict) -> sympy.Expr:
    """``expr`` with its Indexed objects replaced by symbols named after
    arrays, in its finite printed form (as :func:`_print` prints it)."""
    symbols = {}
    for node in expr.atoms(sympy.Indexed):
        name = names.get(node)
        if name is None:
            raise CodegenError(f"no array stands for {node}")
        symbols[node] = sympy.Symbol(name)
    return _finite_forms(expr.xreplace(symbols))


@dataclass(frozen=True)
class Body:
    """A formula printed as statements that leave its value in ``out``."""

    formula: str
    """The formula as one NumPy expression (for the reader; the docstring)."""
    lines: tuple[str, ...]
    scratch: int
    """How many scratch arrays of the output's shape the statements use."""


def _fused(expr: sympy.Expr, names: dict, depth: int | None = None) -> Body:
    """``expr`` (elementwise, with at most one contraction and any row sums)
    as in-place ufunc calls into ``out`` (:mod:`derive.codegen.inplace`); each
    row sum is computed first into a (batch, 1) array ``row_sum_i`` that the
    ufuncs broadcast; the contraction, a matrix product, goes into ``out``
    itself where it is a term or factor of the whole, else into
    ``scratch[0]``.  A formula the in-place printer does not know is
    assigned the plain way, ``out[...] = formula``."""
    formula = _elementwise_with_sums(expr, names, depth)
    sums = _split_sums(expr, names, depth)
    first = [
        f"{symbol.name} = {wrap(code, 4 + len(symbol.name) + 3)}" for symbol, code in sums.row_sums
    ]
    product = None
    if sums.contraction is not None:
        _, vector, matrix = _contraction_operands(sums.contraction, names)
        product = f"numpy.matmul({vector}, {matrix}, out={{}})"
    expr = _array_symbols(sums.expr, names)
    try:
        if product is None:
            program = inplace(expr)
            return Body(formula, (*first, *program.lines), program.scratch)
        try:
            program = inplace(expr, holds=_CONTRACTION)
            lines = [*first, product.format("out"), *program.lines]
        except Unsupported:
            program = inplace(
                expr.xreplace({_CONTRACTION: sympy.Symbol("scratch[0]")}), first_scratch=1
            )
            lines = [*first, product.format("scratch[0]"), *program.lines]
        return Body(formula, tuple(lines), program.scratch)
    except Unsupported:
        return Body(formula, (f"out[...] = {wrap(formula, 4 + len('out[...] = '))}",), 0)


def _linear_in_delta(expr: sympy.Expr, names: dict, depth: int | None = None) -> None:
    """The vectorised step scales δ^L once by the step size over the batch
    and lets the scale run through the recursion and the gradients: each
    rule must be linear in δ (it is, for every rule derive proves; checked
    here so that a rule that is not cannot be printed with a wrong scale).
    A contraction Σ_k w·x is linear in x, which must be δ; a row sum Σ_k g
    scales as its summand g does."""
    scale = sympy.Dummy("scale")
    scaled_sums = {}
    for total in expr.atoms(sympy.Sum):
        body = _row_sum_body(total, depth)
        if body is not None:
            if body.has(delta):
                _linear_in_delta(body, names, depth)
                scaled_sums[total] = scale * total
            continue
        vector, _, _ = _contraction_operands(total, names)  # Σ_k w·vector: linear in it
        if vector.base != delta:
            raise CodegenError(f"{expr} is not linear in δ")
        scaled_sums[total] = scale * total
    deltas = [node for node in expr.atoms(sympy.Indexed) if node.base == delta]
    scaled = expr.xreplace({**scaled_sums, **{node: scale * node for node in deltas}})
    if not (deltas or scaled_sums) or sympy.expand(scaled - scale * expr) != 0:
        raise CodegenError(f"{expr} is not linear in δ")


def _outer(expr: sympy.Expr, names: dict) -> tuple[str, str]:
    """c·δ[l, j]·a[l−1, k] summed over the batch, into ``out``: c·(δᵀ @ a);
    and the same for a batch of one sample, where the sum has one term:
    c·δᵀ·a, the outer product, broadcast (a matrix product with an inner
    dimension of 1 is several times slower)."""
    factors = sympy.Mul.make_args(expr)
    arrays = [f for f in factors if isinstance(f, sympy.Indexed)]
    constant = sympy.Mul(*(f for f in factors if not isinstance(f, sympy.Indexed)))
    if len(arrays) != 2 or constant.free_symbols:
        raise CodegenError(f"cannot vectorise the gradient {expr}")
    by_index = {node.indices[-1]: node for node in arrays}
    if set(by_index) != {J, K}:
        raise CodegenError(f"the gradient {expr} is not indexed by j and k")
    operands = f"{names[by_index[J]]}.T, {names[by_index[K]]}, out=out"
    products = (f"numpy.matmul({operands})", f"numpy.multiply({operands})")
    if constant == 1:
        return products
    scale = _print(constant, {})
    return tuple(f"numpy.multiply({product}, {scale}, out=out)" for product in products)


def _batch_sum(expr: sympy.Expr, names: dict) -> str:
    """c·δ[l, j] summed over the batch, into ``out``."""
    factors = sympy.Mul.make_args(expr)
    arrays = [f for f in factors if isinstance(f, sympy.Indexed)]
    constant = sympy.Mul(*(f for f in factors if not isinstance(f, sympy.Indexed)))
    if len(arrays) != 1 or constant.free_symbols or arrays[0].indices[-1] != J:
        raise CodegenError(f"cannot vectorise the gradient {expr}")
    total = f"numpy.sum({names[arrays[0]]}, axis=0, out=out)"
    return total if constant == 1 else f"numpy.multiply({total}, {_print(constant, {})}, out=out)"


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


def docstring(code: str, indent: int = 8) -> str:
    """``code`` wrapped for a docstring, its lines indented by ``indent``."""
    lines = textwrap.wrap(code, LINE_LIMIT - indent, break_long_words=False, break_on_hyphens=False)
    return ("\n" + " " * indent).join(lines)


@dataclass(frozen=True)
class LayerCode:
    """The printed formulas of one layer."""

    number: int
    activation_name: str
    normalised: bool
    """Whether the activation normalises the whole layer (softmax)."""
    forward: Body
    activation: Body
    delta: Body
    weight_gradient: str
    weight_gradient_one: str
    """The weight gradient for a batch of one sample."""
    bias_gradient: str | None

    @property
    def scratch(self) -> int:
        """Scratch arrays (batch, n_l) the layer's formulas need."""
        return max(self.forward.scratch, self.activation.scratch, self.delta.scratch)


def _stable_quotient(activation: registry.Activation, layer: int) -> tuple[sympy.Expr, bool]:
    """A normalised layer's unit value f(z_j)/Σ_k f(z_k) as the trainer
    computes it: with every z shifted by the row maximum,
    f(z_j − m)/Σ_k f(z_k − m), where the kernel proves the two equal (for
    softmax the factor e^−m cancels), so that no e^z overflows; else
    unshifted.  Returns the quotient and whether it is shifted."""
    plain = activation.unit_value(z[layer, J], z[layer, K], K, n[layer])
    shifted = activation.unit_value(z[layer, J] - SHIFT, z[layer, K] - SHIFT, K, n[layer])
    if _checks().equal(shifted, plain):
        return shifted, True
    return plain, False


_SHIFT_LINE = "shift = numpy.max(z, axis=1, keepdims=True)"
_NUMERATOR = sympy.Symbol("NUMERATOR")


def _normalised_activation(activation: registry.Activation, layer: int, names: dict) -> Body:
    """a_j = f(z_j − m)/Σ_k f(z_k − m) into ``out``: the row maximum m, the
    numerators into ``out`` (in-place ufuncs), their row sum, and the
    quotient; no loop over samples or units."""
    quotient, shifted = _stable_quotient(activation, layer)
    (total,) = quotient.atoms(sympy.Sum)
    numerator = activation.expr.xreplace(
        {registry.X: z[layer, J] - SHIFT if shifted else z[layer, J]}
    )
    if _row_sum_body(total, None) != numerator:
        raise CodegenError(f"{quotient}: the sum is not over the numerators")
    top = inplace(_array_symbols(numerator, names))
    divide = inplace(quotient.xreplace({total: TOTAL, numerator: _NUMERATOR}), holds=_NUMERATOR)
    lines = [
        *([_SHIFT_LINE] if shifted else []),
        *top.lines,
        "total = numpy.sum(out, axis=1, keepdims=True)",
        *divide.lines,
    ]
    formula = _elementwise_with_sums(quotient, names)
    if shifted:
        formula = f"{formula} with {_SHIFT_LINE}"
    return Body(formula, tuple(lines), max(top.scratch, divide.scratch))


def _rule_at(rules: list[Rule], name: str, layer: int) -> Rule:
    for rule in rules:
        if rule.name == name and layer in rule.layers:
            return rule
    raise CodegenError(f"no {name} rule for layer {layer}")


def layer_code(network: Network, rules: list[Rule], layer: int) -> LayerCode:
    """The forward pass, activation, δ and gradients of ``layer``, printed."""
    spec = network.spec
    names = array_names(layer)
    at = {LAYER: layer}
    forward = sympy.Sum(w[layer, J, K] * a[layer - 1, K], (K, 1, n[layer - 1]))
    if spec.bias:
        forward = forward + network.bias_sign * b[layer, J]
    if spec.activation(layer).normalised:
        activation_body = _normalised_activation(spec.activation(layer), layer, names)
    else:
        activation_body = _fused(spec.activation(layer).at(z[layer, J]), names)
    if layer == network.depth:
        rhs = _rule_at(rules, "output delta", layer).equation.rhs
        rhs = _fewest_operations(rhs)
    else:
        rhs = _rule_at(rules, "hidden delta", layer).equation.rhs.xreplace(at)
    weight = _rule_at(rules, "weight gradient", layer).equation.rhs.xreplace(at)
    _linear_in_delta(weight, names)
    batched, one = _outer(weight, names)
    if layer < network.depth:
        _linear_in_delta(rhs, names, network.depth)
    bias = None
    if spec.bias:
        bias_rhs = _rule_at(rules, "bias gradient", layer).equation.rhs.xreplace(at)
        _linear_in_delta(bias_rhs, names)
        bias = wrap(_batch_sum(bias_rhs, names), 4)
    return LayerCode(
        number=layer,
        activation_name=spec.activation(layer).name,
        normalised=spec.activation(layer).normalised,
        forward=_fused(forward, names),
        activation=activation_body,
        delta=_fused(rhs, names, network.depth),
        weight_gradient=wrap(batched, 4),
        weight_gradient_one=wrap(one, 8),
        bias_gradient=bias,
    )


def _formula_lines(layers: list[LayerCode]) -> list[str]:
    """Every statement the layers' formulas print, to see which helpers they use."""
    lines = []
    for layer in layers:
        for body in (layer.forward, layer.activation, layer.delta):
            lines.extend(body.lines)
        lines += [layer.weight_gradient, layer.weight_gradient_one, layer.bias_gradient or ""]
    return lines


@dataclass(frozen=True)
class LossCode:
    """The per-output loss: statements that compute row quantities, then
    the expression returned."""

    lines: tuple[str, ...]
    expr: str


def loss_code(network: Network) -> LossCode:
    """The per-output loss ℓ(ŷ, y) as NumPy code: through z where that keeps
    it finite (cross-entropy of a sigmoid, the log of a softmax), else
    through the output a."""
    depth = network.depth
    spec = network.spec
    names = {z[depth, J]: "z", a[depth, J]: "a", y[J]: "y"}
    plain = spec.loss.at(a[depth, J], y[J])
    if spec.activation(depth).normalised:
        normalised = _normalised_loss(network, names)
        return normalised or LossCode((), wrap(_print(plain, names), 4))
    through_z = spec.loss.at(spec.activation(depth).at(z[depth, J]), y[J])
    rewritten = _finite_forms(through_z)
    if rewritten.has(registry.softplus) and not plain.has(registry.softplus):
        return LossCode((), wrap(_print(through_z, names), 4))
    return LossCode((), wrap(_print(plain, names), 4))


def _normalised_loss(network: Network, names: dict) -> LossCode | None:
    """A loss with log ŷ over a normalised output, log ŷ_j printed as the
    proved log(f(u_j)/T) = u_j − log T with u = z − m and T = Σ_k f(u_k)
    (for softmax: z_j − m − log Σ_k e^{z_k − m}, never log 0); the rest of
    the loss through a.  None where the loss has no log ŷ."""
    depth = network.depth
    activation = network.spec.activation(depth)
    _, shifted = _stable_quotient(activation, depth)
    argument = z[depth, J] - SHIFT if shifted else z[depth, J]
    numerator = activation.expr.xreplace({registry.X: argument})
    log_form = _checks().log_quotient(activation.expr)
    prediction = sympy.Dummy("prediction", positive=True)
    terms = network.spec.loss.at(prediction, y[J])
    if log_form is None or not terms.has(sympy.log(prediction)):
        return None
    terms = terms.xreplace({sympy.log(prediction): log_form(argument, TOTAL)})
    terms = terms.xreplace({prediction: a[depth, J]})
    total = f"total = numpy.sum({_print(numerator, names)}, axis=1, keepdims=True)"
    lines = (*([_SHIFT_LINE] if shifted else []), total)
    return LossCode(lines, wrap(_print(terms, names), 4))


def trainer_source(
    network: Network, rules: list[Rule] | None = None, checks: PrintingChecks | None = None
) -> str:
    """The text of trainer.py for ``network``; the kernel checks its printed
    forms rest on go to ``checks`` (fresh ones by default)."""
    rules = rules if rules is not None else indexed.rules(network)
    spec = network.spec
    token = _CHECKS.set(checks or PrintingChecks())
    try:
        layers = [layer_code(network, rules, layer) for layer in range(1, network.depth + 1)]
        loss = loss_code(network)
    except CodegenError as error:  # a program bug, not the user's
        raise InputError(f"cannot generate trainer.py: {error}") from error
    finally:
        _CHECKS.reset(token)
    code = "\n".join(_formula_lines(layers) + [*loss.lines, loss.expr])
    return render(
        "trainer.py.j2",
        uses_erf="_erf(" in code,
        version=__version__,
        sizes=tuple(spec.widths),
        activations=tuple(a.name for a in spec.activations),
        loss_name=spec.loss.name,
        bias=spec.bias,
        bias_sign=network.bias_sign,
        layers=layers,
        loss=loss,
        targets_nonnegative=spec.loss.needs_simplex,
        targets_sum_to_one=spec.targets_sum_to_one,
        normalised=spec.normalised_output,
        scratch=tuple(layer.scratch for layer in layers),
        docstring=docstring,
        cite=equations.cite,
        description=spec.describe(),
    )
