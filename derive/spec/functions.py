"""Named functions, as data: one :class:`Function` entry per function.

An entry holds every fact the program knows about a function: how it is
spelled (in activation and loss expressions, in plain and LaTeX claims), its
SymPy form, how it prints (Unicode, LaTeX, NumPy code), how it is evaluated
(float arrays for finite differences, mpmath for counterexamples), how the
claims write it through ``exp``, and whether it has a kink.  Printers,
evaluators and parsers read the views below; no other table names a
function.  Views are read when used, so a function registered later (a
test's ``swish``) is seen everywhere at once.

The derivative rules of sigmoid, relu and softplus stay with the kernel
(:mod:`proofs.kernel.functions`): an entry refers to the kernel's class and
adds nothing to what the kernel trusts.  A function defined as a SymPy
expression of existing ones (swish = x·σ(x)) is a ``sympy.Lambda``: it is
written out as soon as it is applied, so nothing downstream meets a new node.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy

from proofs.kernel.functions import f, fprime, relu, sigmoid, softplus

ARG = sympy.Symbol("u")
"""The operand placeholder of a NumPy code form."""

X = sympy.Symbol("x", real=True)
"""The variable of an identity (and of every activation: :data:`derive.spec.registry.X`)."""


@dataclass(frozen=True)
class Identity:
    """``lhs`` = ``rhs`` for every real :data:`X`: a form trainer.py prints
    instead of ``lhs`` because it stays finite, used only once the kernel has
    proved it (:class:`derive.codegen.trainer.PrintingChecks`)."""

    key: str
    lhs: sympy.Expr
    rhs: sympy.Expr


@dataclass(frozen=True)
class Function:
    """One named function and what each part of the program needs of it."""

    name: str
    """Its spelling in expressions and claims (and the claims' canonical name)."""
    sympy: Callable[..., sympy.Expr]
    """A SymPy class (sympy.tanh, a kernel class with its derivative rule) or a Lambda."""
    aliases: tuple[str, ...] = ()
    """Other spellings in activation and loss expressions ("ln", "arctan")."""
    claim_aliases: tuple[str, ...] | None = None
    """Other spellings in plain claims; None: the same as ``aliases``."""
    in_expressions: bool = True
    """Whether activation and loss expressions may call it."""
    in_claims: bool = True
    """Whether plain claims may call it."""
    latex_claim: tuple[str, ...] = ()
    """LaTeX commands that a LaTeX claim reads as this function."""
    unicode: str | None = None
    """Its name in the report where SymPy's (the class name) is not the one wanted."""
    latex: str | None = None
    """Its name in derivation.tex where SymPy's is not the one wanted."""
    code: tuple[str, tuple] | None = None
    """trainer.py's code for it (callee, arguments with :data:`ARG`), where SymPy's
    NumPy printer has none or a wrong one (erf: math.erf fails on arrays)."""
    ufunc: tuple[str, tuple] | None = None
    """The one NumPy ufunc call that computes it, for in-place code (``out=``)."""
    array: Callable | None = None
    """Its value on float arrays, for :func:`derive.model.evaluate.evaluate`."""
    mpmath: Callable | None = None
    """Its value at high precision, for the claims' counterexamples."""
    growth: str | None = None
    """"growing" or "periodic": the range its mpmath argument is bounded to."""
    exponential_growth: bool = False
    """It (and its derivative) grows like e^|u|: a constant argument is
    bounded so that the value stays within 10^30 (exp, sinh, cosh)."""
    exponential: Callable | None = None
    """(exp, u) → the function of u written through ``exp`` (the claims' exp rewrite)."""
    kink: bool = False
    """Smooth except where its argument is 0 (abs, sign, relu, a step, max, min)."""
    identities: tuple[Identity, ...] = ()
    """Finite forms for trainer.py (σ through tanh; log σ through softplus)."""

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def claim_spellings(self) -> tuple[str, ...]:
        aliases = self.aliases if self.claim_aliases is None else self.claim_aliases
        return (self.name, *aliases)


def _sigmoid(v):
    return np.exp(-np.logaddexp(0.0, -v))


def _elementary(name: str, sympy_class, numpy_name: str | None = None, **settings) -> Function:
    """A function that NumPy (as ``numpy_name``, by default ``name``) and mpmath
    have under its name, one ufunc call in trainer.py, ``\\name`` in a LaTeX
    claim unless ``latex_claim`` says otherwise."""
    numpy_name = numpy_name or name
    settings.setdefault("latex_claim", ("\\" + name,))
    return Function(
        name,
        sympy_class,
        ufunc=(f"numpy.{numpy_name}", (ARG,)),
        array=getattr(np, numpy_name),
        mpmath=getattr(mpmath, name),
        **settings,
    )


def _extremum(name: str, sympy_class, ufunc, pick) -> Function:
    """max or min of any number of arguments (expressions only): NumPy's
    two-argument ``ufunc`` folded over them, Python's ``pick`` at high
    precision; not smooth where two arguments meet."""
    return Function(
        name,
        sympy_class,
        in_claims=False,
        array=lambda *v: ufunc.reduce(np.broadcast_arrays(*v)),
        mpmath=pick,
        kink=True,
    )


_ENTRIES: dict[str, Function] = {
    entry.name: entry
    for entry in (
        _elementary(
            "exp",
            sympy.exp,
            growth="growing",
            exponential_growth=True,
            exponential=lambda exp, u: exp(u),
        ),
        _elementary("log", sympy.log, aliases=("ln",), latex_claim=(r"\log", r"\ln")),
        Function("sqrt", sympy.sqrt, latex_claim=(r"\sqrt",)),
        Function(
            "abs",
            sympy.Abs,
            unicode="abs",
            ufunc=("numpy.absolute", (ARG,)),
            array=np.abs,
            mpmath=abs,
            kink=True,
        ),
        _elementary(
            "tanh",
            sympy.tanh,
            exponential=lambda exp, u: (exp(2 * u) - 1) / (exp(2 * u) + 1),
        ),
        _elementary(
            "sinh",
            sympy.sinh,
            growth="growing",
            exponential_growth=True,
            exponential=lambda exp, u: (exp(u) - exp(-u)) / 2,
        ),
        _elementary(
            "cosh",
            sympy.cosh,
            growth="growing",
            exponential_growth=True,
            exponential=lambda exp, u: (exp(u) + exp(-u)) / 2,
        ),
        _elementary("sin", sympy.sin, growth="periodic"),
        _elementary("cos", sympy.cos, growth="periodic"),
        _elementary(
            "atan",
            sympy.atan,
            "arctan",
            aliases=("arctan",),
            claim_aliases=(),
            latex_claim=(r"\arctan",),
        ),
        Function(
            "erf",
            sympy.erf,
            # NumPy has no erf: the trainer's _erf, SciPy's where installed, else math.erf.
            code=("_erf", (ARG,)),
            array=np.vectorize(math.erf, otypes=[float]),
            mpmath=mpmath.erf,
        ),
        _extremum("max", sympy.Max, np.maximum, max),
        _extremum("min", sympy.Min, np.minimum, min),
        _elementary("sign", sympy.sign, in_expressions=False, latex_claim=(), kink=True),
        Function(
            "sigmoid",
            sigmoid,
            latex_claim=(r"\sigma",),
            unicode="σ",
            latex=r"\sigma",
            array=_sigmoid,
            mpmath=lambda v: 1 / (1 + mpmath.exp(-v)),
            growth="growing",
            exponential=lambda exp, u: 1 / (1 + exp(-u)),
            identities=(
                Identity("sigmoid", sigmoid(X), (1 + sympy.tanh(X / 2)) / 2),
                Identity("log sigmoid", sympy.log(sigmoid(X)), -softplus(-X)),
                Identity("log one minus sigmoid", sympy.log(1 - sigmoid(X)), -softplus(X)),
            ),
        ),
        Function(
            "relu",
            relu,
            latex=r"\operatorname{relu}",
            code=("numpy.maximum", (ARG, 0)),
            ufunc=("numpy.maximum", (ARG, 0)),
            array=lambda v: np.maximum(v, 0.0),
            mpmath=lambda v: max(v, 0),
            kink=True,
        ),
        Function(
            "softplus",
            softplus,
            latex=r"\operatorname{softplus}",
            code=("numpy.logaddexp", (0, ARG)),
            ufunc=("numpy.logaddexp", (0, ARG)),
            array=lambda v: np.logaddexp(0.0, v),
            mpmath=lambda v: mpmath.log1p(mpmath.exp(v)),
            growth="growing",
            exponential=lambda exp, u: sympy.log(1 + exp(u)),
        ),
        Function(
            "Heaviside",
            sympy.Heaviside,
            in_expressions=False,
            in_claims=False,
            unicode="H",
            latex="H",  # not SymPy's θ, a threshold in the watermelon book
            array=lambda v, at_zero=0.0: np.heaviside(v, at_zero),
            kink=True,
        ),
        Function("f", f, in_expressions=False, latex="f"),
        Function("fprime", fprime, in_expressions=False, unicode="f′", latex="f'"),
    )
}

_version = 0
"""Bumped by every change of the entries; views rebuild when it moved."""


def entries() -> tuple[Function, ...]:
    return tuple(_ENTRIES.values())


def add(entry: Function) -> None:
    """Add ``entry``; a name or spelling already taken is refused."""
    global _version
    taken = {s for e in _ENTRIES.values() for s in (*e.spellings, *e.claim_spellings)}
    clash = sorted(taken & {*entry.spellings, *entry.claim_spellings})
    if clash:
        raise ValueError(f"function name already registered: {', '.join(clash)}")
    _ENTRIES[entry.name] = entry
    _version += 1


def remove(name: str) -> None:
    global _version
    del _ENTRIES[name]
    _version += 1


class View(Mapping):
    """A read-only mapping computed from the entries, rebuilt after a change."""

    def __init__(self, build: Callable[[tuple[Function, ...]], dict]):
        self._build = build
        self._seen = -1
        self._table: dict = {}

    def _current(self) -> dict:
        if self._seen != _version:
            self._table = self._build(entries())
            self._seen = _version
        return self._table

    def __getitem__(self, key):
        return self._current()[key]

    def __iter__(self) -> Iterator:
        return iter(self._current())

    def __len__(self) -> int:
        return len(self._current())

    def __contains__(self, key) -> bool:
        return key in self._current()


def _by_class(field: str) -> View:
    """SymPy class → the entry's ``field``, for entries that have one."""
    return View(
        lambda es: {
            e.sympy: getattr(e, field)
            for e in es
            if isinstance(e.sympy, type) and getattr(e, field) is not None
        }
    )


BY_NAME = View(lambda es: {e.name: e for e in es})
"""Each entry by its name."""

EXPRESSION_FUNCTIONS = View(
    lambda es: {s: e.sympy for e in es if e.in_expressions for s in e.spellings}
)
"""Spelling → SymPy callable: the activation and loss parsers' function vocabulary."""

CLAIM_FUNCTIONS = View(lambda es: {s: e.name for e in es if e.in_claims for s in e.claim_spellings})
"""Plain-claim spelling → canonical name (a prime, sigmoid'(u), is the derivative)."""

CLAIM_LATEX_FUNCTIONS = View(
    lambda es: {
        command: e.name
        for e in es
        if e.in_claims
        for command in (*e.latex_claim, rf"\operatorname{{{e.name}}}")
    }
)
"""LaTeX-claim command → canonical name; ``\\operatorname{name}`` for every
function, as derivation.tex writes relu and softplus."""

CLAIM_MEANINGS = View(lambda es: {e.name: e.sympy for e in es if e.in_claims})
"""Canonical name → SymPy callable, for the claims' meaning."""

UNICODE_NAMES = View(
    lambda es: {e.sympy.__name__: e.unicode for e in es if isinstance(e.sympy, type) and e.unicode}
)
"""SymPy class name → its name in the report."""

LATEX_NAMES = View(
    lambda es: {e.sympy.__name__: e.latex for e in es if isinstance(e.sympy, type) and e.latex}
)
"""SymPy class name → its name in derivation.tex."""

CODE = _by_class("code")
"""SymPy class → NumPy code form (callee, arguments)."""

UFUNCS = _by_class("ufunc")
"""SymPy class → its code form, where that is one NumPy ufunc call (``out=`` works)."""

ARRAY = _by_class("array")
"""SymPy class → float-array form."""

EXPONENTIAL = _by_class("exponential")

IDENTITIES = View(lambda es: {i.key: i for e in es for i in e.identities})
"""Identity key → :class:`Identity`."""

KINKS = View(lambda es: {e.sympy: True for e in es if isinstance(e.sympy, type) and e.kink})
"""SymPy classes smooth except where their argument is 0."""
