"""Activations and losses, as data.

Every activation is one :class:`Activation` entry: its value as an expression
of the variable :data:`X`, its derivative, and (where one exists) the
derivative written through the activation's own output :data:`A`, the form the
seed uses (σ' = σ(1 − σ)).  Losses are per-output terms ℓ(ŷ, y) summed over the
output units.  Supported names are read off these tables and nowhere else.

Sigmoid, ReLU and softplus are SymPy functions with their derivative rule
attached (:mod:`proofs.kernel.functions`: the kernel differentiates with
those rules, so they are part of what it trusts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy

from derive.parsing.expression import Vocabulary, parse_expression
from derive.spec import functions
from derive.support.errors import InputError, quote
from proofs.kernel.functions import f, fprime, relu, sigmoid, softplus  # noqa: F401 (the registry's names)

X = functions.X
"""The variable of every activation expression."""

A = sympy.Symbol("a", real=True)
"""The activation's output, for derivatives written in terms of it."""

YHAT = sympy.Symbol("yhat", real=True)
Y = sympy.Symbol("y", real=True)
"""The prediction and target of one output unit, for loss terms."""


@dataclass(frozen=True)
class Activation:
    """One activation function, applied elementwise, or (``normalised``) a
    function of the whole layer."""

    name: str
    expr: sympy.Expr
    output_derivative: sympy.Expr | None = None
    definition: sympy.Expr | None = None
    """The textbook formula, where ``expr`` is a named function (σ(x) = 1/(1 + e^−x))."""
    output_in_unit_interval: bool = False
    """True when every output lies in (0, 1), as cross-entropy needs."""
    custom: bool = False
    also_called: tuple[str, ...] = ()
    """Other names learners type for it (logistic), pointed to its name here."""
    normalised: bool = False
    """softmax: unit j's output is ``expr`` at z_j divided by its sum over the
    layer, a_j = e^{z_j} / Σ_k e^{z_k}.  It is not elementwise (a_j depends on
    every z_k), so only the output layer may have it, and its outputs lie in
    the probability simplex (positive, summing to 1), as ``ce`` needs."""

    @property
    def derivative(self) -> sympy.Expr:
        return sympy.diff(self.expr, X)

    def at(self, z: sympy.Expr) -> sympy.Expr:
        if self.normalised:
            raise ValueError(f"{self.name} is not elementwise: use layer_values or unit_value")
        return self.expr.xreplace({X: z})

    def layer_values(self, zs) -> tuple[sympy.Expr, ...]:
        """The outputs of a layer whose pre-activations are ``zs``."""
        if not self.normalised:
            return tuple(self.at(z) for z in zs)
        terms = [self.expr.xreplace({X: z}) for z in zs]
        total = sympy.Add(*terms)
        return tuple(term / total for term in terms)

    def unit_value(self, z_unit, z_summed, index, width) -> sympy.Expr:
        """One unit's output in index form: f(z_unit), or for a normalised
        activation f(z_unit) / Σ_{index=1}^{width} f(z_summed), where
        ``z_summed`` is the layer's pre-activation at the summation index."""
        if not self.normalised:
            return self.at(z_unit)
        numerator = self.expr.xreplace({X: z_unit})
        return numerator / sympy.Sum(self.expr.xreplace({X: z_summed}), (index, 1, width))

    def derivative_at(self, z: sympy.Expr) -> sympy.Expr:
        return self.derivative.xreplace({X: z})

    def derivative_from_output(self, a: sympy.Expr) -> sympy.Expr | None:
        """f'(z) written through a = f(z), or None where no such form is known."""
        if self.output_derivative is None:
            return None
        return self.output_derivative.xreplace({A: a})


@dataclass(frozen=True)
class Loss:
    """A loss E = Σ_j ℓ(ŷ_j, y_j) over the output units (one sample)."""

    name: str
    term: sympy.Expr
    custom: bool = False
    summary: str = ""
    """Its formula in one line, for --help (mse: ½Σ(ŷ−y)²)."""
    needs_unit_interval: bool = False
    """True when it is defined only for predictions in (0, 1) (cross-entropy's logarithms)."""
    needs_simplex: bool = False
    """True when it compares a probability distribution over the outputs with
    the targets (categorical cross-entropy): only a normalised output layer
    (softmax) gives one."""
    also_called: tuple[str, ...] = ()
    """Other names learners type for it (cross-entropy), pointed to its name here."""

    @property
    def derivative(self) -> sympy.Expr:
        """∂ℓ/∂ŷ as an expression of YHAT and Y."""
        return sympy.diff(self.term, YHAT)

    def at(self, prediction: sympy.Expr, target: sympy.Expr) -> sympy.Expr:
        return self.term.xreplace({YHAT: prediction, Y: target})

    def derivative_at(self, prediction: sympy.Expr, target: sympy.Expr) -> sympy.Expr:
        return self.derivative.xreplace({YHAT: prediction, Y: target})

    def total(self, predictions, targets) -> sympy.Expr:
        return sympy.Add(*(self.at(p, t) for p, t in zip(predictions, targets, strict=True)))


ACTIVATIONS: dict[str, Activation] = {
    entry.name: entry
    for entry in (
        Activation(
            "sigmoid",
            sigmoid(X),
            A * (1 - A),
            definition=1 / (1 + sympy.exp(-X)),
            output_in_unit_interval=True,
            also_called=("logistic", "sigma", "sigm"),
        ),
        Activation("tanh", sympy.tanh(X), 1 - A**2),
        Activation("relu", relu(X), sympy.Heaviside(A, 0), definition=sympy.Max(0, X)),
        Activation(
            "softplus",
            softplus(X),
            1 - sympy.exp(-A),
            definition=sympy.log(1 + sympy.exp(X)),
        ),
        Activation("identity", X, sympy.S.One, also_called=("linear", "none")),
        Activation(
            "softmax",
            sympy.exp(X),
            output_in_unit_interval=True,
            normalised=True,
            also_called=("soft-max", "soft_max", "softargmax"),
        ),
    )
}

ELEMENTWISE = tuple(name for name, entry in ACTIVATIONS.items() if not entry.normalised)
"""The activations a hidden layer may have."""

GENERIC_ACTIVATION = Activation("f", f(X))
"""Used by proofs: a theorem about it holds for any differentiable activation."""

LOSSES: dict[str, Loss] = {
    entry.name: entry
    for entry in (
        Loss(
            "mse",
            sympy.Rational(1, 2) * (YHAT - Y) ** 2,
            summary="½Σ(ŷ−y)²",
            also_called=("squared-error", "squared_error", "quadratic", "l2"),
        ),
        Loss(
            "bce",
            -(Y * sympy.log(YHAT) + (1 - Y) * sympy.log(1 - YHAT)),
            needs_unit_interval=True,
            also_called=(
                "binary-cross-entropy",
                "binary_cross_entropy",
                "log-loss",
                "logloss",
            ),
        ),
        Loss(
            "ce",
            -Y * sympy.log(YHAT),
            summary="−Σ y ln ŷ over a softmax output",
            needs_unit_interval=True,
            needs_simplex=True,
            also_called=(
                "cross-entropy",
                "cross_entropy",
                "categorical-cross-entropy",
                "categorical_cross_entropy",
                "cce",
                "nll",
            ),
        ),
    )
}

DEFAULT_ACTIVATION = "sigmoid"
DEFAULT_LOSS = "mse"


def named(entries: Mapping, default: str) -> str:
    """The names of ``entries`` for --help: "sigmoid (default), tanh, …",
    each with its summary where it has one (mse = ½Σ(ŷ−y)²)."""
    shown = []
    for name, entry in entries.items():
        summary = getattr(entry, "summary", "")
        text = f"{name} = {summary}" if summary else name
        shown.append(f"{text} (default)" if name == default else text)
    return ", ".join(shown)


def register(
    function: functions.Function,
    *,
    activation: bool = False,
    output_derivative: sympy.Expr | None = None,
) -> None:
    """Add a named function to every parser, printer and evaluator at once,
    and, with ``activation``, make it a named activation (``--activation
    NAME``) whose derivative through its output is ``output_derivative``
    (in :data:`A`), where one is known.

    A function defined through existing ones is a ``sympy.Lambda`` (swish:
    ``Lambda(X, X * sigmoid(X))``): applied, it is written out at once, so
    the kernel, the codec and the printers meet only nodes they know.  A new
    SymPy class with its own derivative rule would be a new trusted rule:
    it belongs in :mod:`proofs.kernel.functions`, not here.
    """
    if activation and function.name in ACTIVATIONS:
        raise ValueError(f"activation already registered: {function.name}")
    functions.add(function)
    if activation:
        ACTIVATIONS[function.name] = Activation(function.name, function.sympy(X), output_derivative)


def unregister(name: str) -> None:
    """Remove what :func:`register` added under ``name``."""
    functions.remove(name)
    ACTIVATIONS.pop(name, None)


_FUNCTIONS = functions.EXPRESSION_FUNCTIONS
"""The function vocabulary of activation and loss expressions (read from the entries)."""
_CONSTANTS = {"pi": sympy.pi, "e": sympy.E}


def activation(text: str) -> Activation:
    """A registry activation by name, or a custom expression in ``x``."""
    name = text.strip()
    if name in ACTIVATIONS:
        return ACTIVATIONS[name]
    _refuse_other_name("activation", name, ACTIVATIONS)
    vocabulary = Vocabulary({"x": X, **_CONSTANTS}, _FUNCTIONS, "activation", ACTIVATIONS)
    expr = parse_expression(text, vocabulary)
    if not expr.has(X):
        raise InputError(f"activation {quote(text)} does not depend on x")
    derivative = sympy.diff(expr, X)
    if derivative == 0 or derivative.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        raise InputError(f"activation {quote(text)} has no usable derivative (0 or undefined)")
    _check_real_valued(f"activation {quote(text)}", expr, [derivative])
    return Activation(name, expr, custom=True)


_COMPLEX_PARTS = (sympy.re, sympy.im, sympy.arg, sympy.conjugate)


def _check_real_valued(what: str, expr: sympy.Expr, derivatives: list[sympy.Expr]) -> None:
    """Refuse an expression that SymPy can only write, or differentiate,
    with complex numbers: (-1)^x is i·sin(πx) + cos(πx) for most real x, and
    the derivative of abs(x^x) needs im(x^x).  Nothing downstream (the
    proofs' real-valued functions, NumPy, JSON) has a meaning for those."""
    for part in [expr, *derivatives]:
        if part.has(sympy.I):
            raise InputError(
                f"{what} is not real-valued for real arguments (its value or "
                f"derivative involves the imaginary unit)"
            )
        found = part.atoms(*_COMPLEX_PARTS)
        if found:
            shown = sympy.sstr(min(found, key=sympy.count_ops))
            raise InputError(
                f"{what} is not real-valued for real arguments: its derivative needs {shown}"
            )


def _refuse_other_name(what: str, name: str, entries: Mapping) -> None:
    """A name learners use for an entry ('cross-entropy', 'logistic') is
    pointed to the entry's name here rather than parsed as an expression
    (cross minus entropy)."""
    for entry in entries.values():
        if name.lower() in entry.also_called:
            raise InputError(
                f"{what} {quote(name)} is called {entry.name!r} here: --{what} {entry.name}"
            )


def loss(text: str) -> Loss:
    """A registry loss by name, or a custom per-output term of ``yhat`` and ``y``."""
    name = text.strip()
    if name in LOSSES:
        return LOSSES[name]
    _refuse_other_name("loss", name, LOSSES)
    vocabulary = Vocabulary({"yhat": YHAT, "y": Y, **_CONSTANTS}, _FUNCTIONS, "loss", LOSSES)
    expr = parse_expression(text, vocabulary)
    if not expr.has(YHAT):
        raise InputError(f"loss {quote(text)} does not depend on yhat")
    _check_real_valued(f"loss {quote(text)}", expr, [sympy.diff(expr, YHAT)])
    return Loss(name, expr, custom=True)
