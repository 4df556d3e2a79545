"""The tree a claim parses into, shared by the plain and the LaTeX syntax.

Both parsers build these nodes and nothing else, so "the same content in
either syntax gives the same tree" is a property tests can check, and the
meaning of a claim is defined once (:mod:`derive.claims.meaning`).  The nodes
are inert data: no node can run code, and turning one into SymPy goes through
an explicit whitelist of names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction


@dataclass(frozen=True)
class Index:
    """An index written as ``base + offset``: ``l+1``, ``j``, ``2`` (no base),
    or a size such as ``L`` or ``q``.  ``base`` is a letter or a size name."""

    base: str | None
    offset: int = 0

    def text(self) -> str:
        if self.base is None:
            return str(self.offset)
        if self.offset == 0:
            return self.base
        return f"{self.base}{self.offset:+d}"


@dataclass(frozen=True)
class Number:
    value: Fraction


@dataclass(frozen=True)
class Constant:
    """A named mathematical constant: ``pi`` (``\\pi`` in LaTeX)."""

    name: str


@dataclass(frozen=True)
class Ref:
    """A named quantity of the notation, ``w[l][j,k]`` or ``\\hat{y}_j``;
    ``name`` is always the plain-syntax name."""

    name: str
    layer: Index | None = None
    indices: tuple[Index, ...] = ()
    position: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Derivative:
    """∂E/∂(quantity), or ∂(numerator)/∂(quantity) for a unit's value: the
    local derivatives of the chain rule (∂β_j/∂w_hj = b_h)."""

    of: Ref
    numerator: Ref | None = None


@dataclass(frozen=True)
class Update:
    """Δ(parameter) = −η ∂E/∂(parameter), the gradient-descent step."""

    of: Ref


@dataclass(frozen=True)
class Call:
    function: str
    arguments: tuple


@dataclass(frozen=True)
class Add:
    terms: tuple


@dataclass(frozen=True)
class Mul:
    factors: tuple


@dataclass(frozen=True)
class Div:
    numerator: object
    denominator: object


@dataclass(frozen=True)
class Neg:
    operand: object


@dataclass(frozen=True)
class Pow:
    base: object
    exponent: object


@dataclass(frozen=True)
class Sum:
    """Σ_{letter = lower}^{upper} body; bounds None when not written (then
    the letter runs over every value for which the body exists)."""

    body: object
    letter: str
    lower: object | None = None
    upper: object | None = None


@dataclass(frozen=True)
class Claim:
    lhs: object
    rhs: object


def ref_text(ref: Ref) -> str:
    text = ref.name
    if ref.layer is not None:
        text += f"[{ref.layer.text()}]"
    if ref.indices:
        text += "[" + ",".join(i.text() for i in ref.indices) + "]"
    return text


def unparse(node) -> str:
    """The plain-syntax text of ``node``: how ``--json`` reports what was parsed."""
    if isinstance(node, Number):
        value = node.value
        return str(value.numerator) if value.denominator == 1 else f"{value}"
    if isinstance(node, Ref):
        return ref_text(node)
    if isinstance(node, Constant):
        return node.name
    if isinstance(node, Derivative):
        if node.numerator is None:
            return f"dE/d{ref_text(node.of)}"
        return f"d({ref_text(node.numerator)})/d({ref_text(node.of)})"
    if isinstance(node, Update):
        return f"Delta {ref_text(node.of)}"
    if isinstance(node, Call):
        return f"{node.function}(" + ", ".join(unparse(a) for a in node.arguments) + ")"
    if isinstance(node, Add):
        text = unparse(node.terms[0])
        for term in node.terms[1:]:
            if isinstance(term, Neg):
                text += " - " + _operand(term.operand, Add)
            else:
                text += " + " + unparse(term)
        return text
    if isinstance(node, Mul):
        return "*".join(_operand(f, Mul) for f in node.factors)
    if isinstance(node, Div):
        return f"{_operand(node.numerator, Mul)}/{_operand(node.denominator, Div)}"
    if isinstance(node, Neg):
        return "-" + _operand(node.operand, Neg)
    if isinstance(node, Pow):
        return f"{_operand(node.base, Pow)}^{_operand(node.exponent, Pow)}"
    if isinstance(node, Sum):
        if node.lower is None:
            return f"Sum({unparse(node.body)}, {node.letter})"
        bounds = f"{unparse(node.lower)}, {unparse(node.upper)}"
        return f"Sum({unparse(node.body)}, ({node.letter}, {bounds}))"
    raise TypeError(f"not a claim node: {node!r}")


_BINDS = {Add: 1, Mul: 2, Div: 2, Neg: 3, Pow: 4}


def _operand(node, parent) -> str:
    text = unparse(node)
    return f"({text})" if _needs_parentheses(node, parent) else text


def _needs_parentheses(node, parent) -> bool:
    """Where ``node`` binds no tighter than its parent (a*b/c*d reads the same
    without them)."""
    if isinstance(node, Number):
        return node.value < 0 or (node.value.denominator != 1 and parent in (Mul, Div, Pow))
    inner = _BINDS.get(type(node))
    if inner is None or (parent is Mul and type(node) in (Mul, Div)):
        return False
    return inner <= _BINDS[parent]


def letters(node, bound: frozenset = frozenset()) -> set[str]:
    """Index letters not bound by a Σ inside ``node`` (sizes are not letters;
    the caller removes them)."""
    found: set[str] = set()
    _collect_letters(node, bound, found)
    return found


def _collect_letters(node, bound, found):
    if isinstance(node, Ref):
        for index in ((node.layer,) if node.layer else ()) + node.indices:
            if index.base is not None and index.base not in bound:
                found.add(index.base)
    elif isinstance(node, (Derivative, Update)):
        for child in children(node):
            _collect_letters(child, bound, found)
    elif isinstance(node, Sum):
        for limit in (node.lower, node.upper):
            if limit is not None:
                _collect_letters(limit, bound, found)
        _collect_letters(node.body, bound | {node.letter}, found)
    else:
        for child in children(node):
            _collect_letters(child, bound, found)


def children(node) -> tuple:
    if isinstance(node, Call):
        return node.arguments
    if isinstance(node, Add):
        return node.terms
    if isinstance(node, Mul):
        return node.factors
    if isinstance(node, Div):
        return (node.numerator, node.denominator)
    if isinstance(node, Neg):
        return (node.operand,)
    if isinstance(node, Pow):
        return (node.base, node.exponent)
    if isinstance(node, Sum):
        return tuple(n for n in (node.body, node.lower, node.upper) if n is not None)
    if isinstance(node, Derivative) and node.numerator is not None:
        return (node.numerator, node.of)
    if isinstance(node, (Derivative, Update)):
        return (node.of,)
    return ()


def refs(node):
    """Every Ref in ``node``, in reading order."""
    if isinstance(node, Ref):
        yield node
    for child in children(node):
        yield from refs(child)


def instantiate(node, env: dict):
    """``node`` with the free letters of ``env`` replaced by their values:
    the instance a counterexample is about (``dE/dw[1,2]``)."""
    if isinstance(node, Index):
        if node.base in env:
            return Index(None, env[node.base] + node.offset)
        return node
    if isinstance(node, Ref):
        layer = instantiate(node.layer, env) if node.layer is not None else None
        indices = tuple(instantiate(i, env) for i in node.indices)
        return Ref(node.name, layer, indices, node.position)
    if isinstance(node, Sum):
        inner = {k: v for k, v in env.items() if k != node.letter}
        return Sum(
            instantiate(node.body, inner),
            node.letter,
            None if node.lower is None else instantiate(node.lower, env),
            None if node.upper is None else instantiate(node.upper, env),
        )
    if isinstance(node, Derivative):
        numerator = None if node.numerator is None else instantiate(node.numerator, env)
        return Derivative(instantiate(node.of, env), numerator)
    if isinstance(node, Update):
        return Update(instantiate(node.of, env))
    if isinstance(node, Call):
        return Call(node.function, tuple(instantiate(a, env) for a in node.arguments))
    if isinstance(node, Add):
        return Add(tuple(instantiate(t, env) for t in node.terms))
    if isinstance(node, Mul):
        return Mul(tuple(instantiate(f, env) for f in node.factors))
    if isinstance(node, Div):
        return Div(instantiate(node.numerator, env), instantiate(node.denominator, env))
    if isinstance(node, Neg):
        return Neg(instantiate(node.operand, env))
    if isinstance(node, Pow):
        return Pow(instantiate(node.base, env), instantiate(node.exponent, env))
    return node
