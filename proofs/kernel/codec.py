"""SymPy expressions to JSON and back, without eval: derivation.json and the
proofs recorded in certificate.json.

An expression is stored as a table of nodes in post-order; a node is
``[class_name, arg_id, …]`` where each ``arg_id`` refers to an earlier node, or
a leaf (``["Symbol", name, assumptions]``, ``["Dummy", name, key,
assumptions]``, ``["Function", name, assumptions]`` for an undefined
function, ``["Integer", "12"]``, ``["Rational", "1", "2"]``, ``["Str", text]``,
``["Pi"]``, ``["Exp1"]``); an undefined function applied is ``["Call",
function_id, arg_id, …]`` and a condition 1 ≤ j is ``["Q.le", id, id]``.
Shared sub-expressions are stored once, so the expanded loss and its
derivatives, whose trees grow exponentially with depth, stay linear on disk.

Loading rebuilds each node by calling a class from :data:`CLASSES` — a fixed
whitelist — on already-built arguments.  Nothing in the file is ever parsed
as code.
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy
from sympy.core.function import AppliedUndef, UndefinedFunction

from proofs.kernel import functions
from proofs.kernel.core import Partial

CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        sympy.Add,
        sympy.Mul,
        sympy.Pow,
        sympy.Tuple,
        sympy.Indexed,
        sympy.IndexedBase,
        sympy.Sum,
        sympy.Derivative,
        sympy.Subs,
        sympy.KroneckerDelta,
        sympy.Equality,
        sympy.exp,
        sympy.log,
        sympy.tanh,
        sympy.sinh,
        sympy.cosh,
        sympy.sin,
        sympy.cos,
        sympy.atan,
        sympy.erf,
        sympy.Abs,
        sympy.sign,
        sympy.Heaviside,
        sympy.DiracDelta,
        sympy.Max,
        sympy.Min,
        sympy.MatrixSymbol,
        sympy.MatMul,
        sympy.MatAdd,
        sympy.Transpose,
        functions.sigmoid,
        functions.relu,
        functions.softplus,
        functions.f,
        Partial,
    )
}

_ASSUMPTIONS = ("real", "integer", "positive", "nonnegative")

MAX_EXPONENT = 1000
"""A number raised beyond this is refused when read: SymPy would compute
2**10000000000 on the spot."""


class FormatError(ValueError):
    """The JSON does not describe an expression this module can rebuild."""


class Encoder:
    """Collects expressions into one shared node table."""

    def __init__(self):
        self.nodes: list[list] = []
        self._ids: dict[sympy.Basic, int] = {}

    def add(self, expr: sympy.Basic) -> int:
        """The node id of ``expr``, adding it (and what it is made of) if new."""
        stack = [(expr, False)]
        while stack:
            node, expanded = stack.pop()
            if node in self._ids:
                continue
            leaf = _leaf(node)
            parts = _parts(node)
            if leaf is not None:
                self._store(node, leaf)
            elif expanded:
                self._store(node, [_class_name(node), *(self._ids[arg] for arg in parts)])
            else:
                stack.append((node, True))
                stack.extend((arg, False) for arg in reversed(parts) if arg not in self._ids)
        return self._ids[expr]

    def _store(self, node, encoded):
        self._ids[node] = len(self.nodes)
        self.nodes.append(encoded)


def _parts(node) -> tuple:
    """What a node is built from: its arguments, and for an undefined
    function applied, the function first."""
    if isinstance(node, AppliedUndef):
        return (node.func, *node.args)
    if _is_le(node):
        return node.arguments
    return getattr(node, "args", ())


def _is_le(node) -> bool:
    return isinstance(node, sympy.assumptions.relation.binrel.AppliedBinaryRelation) and (
        node.function == sympy.Q.le
    )


def _class_name(node: sympy.Basic) -> str:
    if isinstance(node, AppliedUndef):
        return "Call"
    if _is_le(node):
        return "Q.le"
    name = type(node).__name__
    if CLASSES.get(name) is not type(node):
        raise FormatError(f"cannot store {name} ({node}) in derivation.json")
    return name


def _assumptions(node) -> dict:
    given = node._kwargs if isinstance(node, UndefinedFunction) else node.assumptions0
    return {k: v for k, v in given.items() if k in _ASSUMPTIONS and v}


def _leaf(node: sympy.Basic) -> list | None:
    if isinstance(node, UndefinedFunction):
        return ["Function", node.__name__, _assumptions(node)]
    if isinstance(node, sympy.Dummy):
        return ["Dummy", node.name, str(node.dummy_index), _assumptions(node)]
    if isinstance(node, sympy.Symbol):
        return ["Symbol", node.name, _assumptions(node)]
    if isinstance(node, sympy.Integer):
        return ["Integer", str(int(node))]
    if isinstance(node, sympy.Rational):
        return ["Rational", str(node.p), str(node.q)]
    if node is sympy.pi:
        return ["Pi"]
    if node is sympy.E:
        return ["Exp1"]
    if isinstance(node, sympy.core.symbol.Str):
        return ["Str", node.name]
    if isinstance(node, sympy.Float):
        raise FormatError(f"cannot store the float {node}: derivations are exact")
    return None


def decode(nodes: Iterable) -> list[sympy.Basic]:
    """Rebuild every node of a table; ``result[i]`` is node ``i``.  A dummy
    symbol is one object wherever its key recurs in the table."""
    if not isinstance(nodes, list):
        raise FormatError("the node table is not a list")
    built: list[sympy.Basic] = []
    dummies: dict[str, sympy.Dummy] = {}
    for position, node in enumerate(nodes):
        built.append(_decode_node(node, built, position, dummies))
    return built


def _named(args, count, position, what) -> tuple[str, dict]:
    if (
        len(args) != count
        or not all(isinstance(a, str) and len(a) <= 200 for a in args[:-1])
        or not isinstance(args[-1], dict)
    ):
        raise FormatError(f"node {position}: a {what} needs a name and assumptions")
    assumptions = args[-1]
    if not set(assumptions) <= set(_ASSUMPTIONS) or not all(
        v is True for v in assumptions.values()
    ):
        raise FormatError(f"node {position}: unsupported assumptions {assumptions}")
    return args[0], assumptions


def _decode_node(node, built, position, dummies) -> sympy.Basic:
    if not isinstance(node, list) or not node or not isinstance(node[0], str):
        raise FormatError(f"node {position} is not a list starting with a type name")
    kind, args = node[0], node[1:]
    if kind == "Symbol":
        name, assumptions = _named(args, 2, position, "Symbol")
        return sympy.Symbol(name, **assumptions)
    if kind == "Dummy":
        name, assumptions = _named(args, 3, position, "Dummy")
        if args[1] not in dummies:
            dummies[args[1]] = sympy.Dummy(name, **assumptions)
        return dummies[args[1]]
    if kind == "Function":
        name, assumptions = _named(args, 2, position, "Function")
        if name in CLASSES:
            raise FormatError(f"node {position}: an unknown function named like {name}")
        return sympy.Function(name, **assumptions)
    if kind == "Integer":
        return sympy.Integer(_integer(args, 1, position)[0])
    if kind == "Rational":
        p, q = _integer(args, 2, position)
        return sympy.Rational(p, q)
    if kind == "Pi" and not args:
        return sympy.pi
    if kind == "Exp1" and not args:
        return sympy.E
    if kind == "Str" and len(args) == 1 and isinstance(args[0], str):
        return sympy.core.symbol.Str(args[0])
    if kind not in CLASSES and kind not in ("Call", "Q.le"):
        raise FormatError(f"node {position}: unknown type {kind!r}")
    if not all(type(i) is int and 0 <= i < position for i in args):
        raise FormatError(f"node {position}: arguments must be ids of earlier nodes")
    arguments = [built[i] for i in args]
    if kind == "Pow" and len(arguments) == 2 and all(a.is_Number for a in arguments):
        base, exponent = arguments
        if abs(exponent) > MAX_EXPONENT and abs(base) not in (0, 1):
            raise FormatError(f"node {position}: a power of a number beyond {MAX_EXPONENT}")
    try:
        return _build(kind, arguments)
    except FormatError as error:
        raise FormatError(f"node {position}: {error}") from None
    except Exception as error:  # whatever SymPy raises for arguments it cannot take
        raise FormatError(f"node {position}: {kind} cannot be built from its arguments") from error


def _build(kind: str, arguments: list) -> sympy.Basic:
    if kind == "Call":
        if not arguments or not isinstance(arguments[0], UndefinedFunction):
            raise FormatError("a Call needs an undefined function first")
        return arguments[0](*arguments[1:])
    if kind == "Q.le":
        if len(arguments) != 2:
            raise FormatError("a condition needs two sides")
        return sympy.Q.le(*arguments)
    cls = CLASSES[kind]
    if cls is sympy.Equality:
        return sympy.Equality(*arguments, evaluate=False)
    return cls(*arguments)


def _integer(args, count, position) -> list[int]:
    if len(args) != count or not all(
        isinstance(a, str) and a.lstrip("-").isdigit() and len(a) < 400 for a in args
    ):
        raise FormatError(f"node {position}: expected {count} integer string(s)")
    return [int(a) for a in args]
