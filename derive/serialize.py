"""SymPy expressions to JSON and back, without eval.

An expression is stored as a table of nodes in post-order; a node is
``[class_name, arg_id, …]`` where each ``arg_id`` refers to an earlier node, or
a leaf (``["Symbol", name, assumptions]``, ``["Integer", "12"]``,
``["Rational", "1", "2"]``, ``["Str", text]``, ``["Pi"]``, ``["Exp1"]``).  Shared
sub-expressions are stored once, so the expanded loss and its derivatives,
whose trees grow exponentially with depth, stay linear on disk.

Loading rebuilds each node by calling a class from :data:`CLASSES` — a fixed
whitelist — on already-built arguments.  Nothing in the file is ever parsed
as code.
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy

from derive import indexed, registry

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
        registry.sigmoid,
        registry.relu,
        registry.softplus,
        registry.f,
    )
}
CLASSES["fprime"] = registry.fprime
# The very class the model uses: a second sympy.Function("Delta") is the same
# object only while SymPy's LRU cache still holds the first.
CLASSES["Delta"] = indexed.increment

_ASSUMPTIONS = ("real", "integer", "positive", "nonnegative")


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
            if leaf is not None:
                self._store(node, leaf)
            elif expanded:
                self._store(node, [_class_name(node), *(self._ids[arg] for arg in node.args)])
            else:
                stack.append((node, True))
                stack.extend((arg, False) for arg in reversed(node.args) if arg not in self._ids)
        return self._ids[expr]

    def _store(self, node, encoded):
        self._ids[node] = len(self.nodes)
        self.nodes.append(encoded)


def _class_name(node: sympy.Basic) -> str:
    name = type(node).__name__
    if CLASSES.get(name) is not type(node):
        raise FormatError(f"cannot store {name} ({node}) in derivation.json")
    return name


def _leaf(node: sympy.Basic) -> list | None:
    if isinstance(node, sympy.Symbol) and not isinstance(node, sympy.Dummy):
        assumptions = {k: v for k, v in node.assumptions0.items() if k in _ASSUMPTIONS and v}
        return ["Symbol", node.name, assumptions]
    if isinstance(node, sympy.Dummy):
        raise FormatError(f"cannot store the dummy symbol {node}")
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
    """Rebuild every node of a table; ``result[i]`` is node ``i``."""
    built: list[sympy.Basic] = []
    for position, node in enumerate(nodes):
        built.append(_decode_node(node, built, position))
    return built


def _decode_node(node, built, position) -> sympy.Basic:
    if not isinstance(node, list) or not node or not isinstance(node[0], str):
        raise FormatError(f"node {position} is not a list starting with a type name")
    kind, args = node[0], node[1:]
    if kind == "Symbol":
        if len(args) != 2 or not isinstance(args[0], str) or not isinstance(args[1], dict):
            raise FormatError(f"node {position}: a Symbol needs a name and assumptions")
        assumptions = args[1]
        if not set(assumptions) <= set(_ASSUMPTIONS) or not all(
            v is True for v in assumptions.values()
        ):
            raise FormatError(f"node {position}: unsupported assumptions {assumptions}")
        return sympy.Symbol(args[0], **assumptions)
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
    cls = CLASSES.get(kind)
    if cls is None:
        raise FormatError(f"node {position}: unknown type {kind!r}")
    if not all(isinstance(i, int) and 0 <= i < position for i in args):
        raise FormatError(f"node {position}: arguments must be ids of earlier nodes")
    arguments = [built[i] for i in args]
    if cls is sympy.Equality:
        return sympy.Equality(*arguments, evaluate=False)
    return cls(*arguments)


def _integer(args, count, position) -> list[int]:
    if len(args) != count or not all(
        isinstance(a, str) and a.lstrip("-").isdigit() and len(a) < 400 for a in args
    ):
        raise FormatError(f"node {position}: expected {count} integer string(s)")
    return [int(a) for a in args]
