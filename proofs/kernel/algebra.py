"""Exact zero tests that stay fast on expanded network expressions.

``expand(a − b) == 0`` is sound but expands inside every nested activation
argument, which blows up with depth.  :func:`is_zero` first replaces each
function application (σ(z), f'(z), log(…), …), every reciprocal 1/u and
every root by a fresh symbol, the same symbol for the same node, and expands
only the polynomial that is left.  That is
sound: if the difference vanishes with independent atoms it vanishes for
their actual values (substitution is a ring homomorphism).  It is incomplete
only where the two sides need an identity between atoms; then the full
expansion is tried.
"""

from __future__ import annotations

import sympy
from sympy.core.function import Application
from sympy.core.sorting import default_sort_key


def memoised(visit, memo: dict | None = None):
    """A walk over an expression DAG that visits each distinct node once:
    ``visit(node, walk)`` gives the node's result, calling ``walk`` on the
    parts it needs.  Expanded network expressions share sub-expressions
    along every path, so a walk without a memo is exponential in depth.
    The one copy of the memo every walker here and in ``derive`` uses."""
    memo = {} if memo is None else memo

    def walk(node):
        try:
            return memo[node]
        except KeyError:
            result = memo[node] = visit(node, walk)
            return result

    return walk


def replace_nodes(expr: sympy.Expr, mapping: dict, functions: dict | None = None):
    """``expr.xreplace(mapping)`` with each shared node rebuilt once; also
    applications of the functions in ``functions`` (name → function).

    ``xreplace`` walks a DAG as a tree, which on expanded network expressions
    is exponential in depth.  Indexed objects count as atoms in SymPy but
    their indices (the layer λ in w[λ + 1, k, j]) are replaced too.
    """
    functions = functions or {}

    def visit(node, walk):
        if node in mapping:
            return mapping[node]
        if node.args and (not node.is_Atom or isinstance(node, sympy.Indexed)):
            args = tuple(walk(arg) for arg in node.args)
            if node.func in functions:
                return functions[node.func](*args)
            return node.func(*args) if args != node.args else node
        return node

    return memoised(visit)(expr)


def tree_size(expr: sympy.Expr) -> int:
    """How many nodes ``expr`` has written out as a tree, counted on the DAG."""
    return memoised(lambda node, walk: 1 + sum(walk(arg) for arg in node.args))(expr)


def atomize(
    expr: sympy.Expr, atoms: dict, opaque=frozenset(), reciprocals: bool = True
) -> sympy.Expr:
    """``expr`` with every function application, reciprocal and root replaced
    by a symbol from ``atoms``, leaving a polynomial."""

    def atom(node):
        result = atoms.get(node)
        if result is None:
            result = sympy.Dummy(f"atom{len(atoms)}")
            atoms[node] = result
        return result

    def visit(node, walk):
        if isinstance(node, Application) and node.func in _SYMMETRIC and len(node.args) == 1:
            return _symmetric_atom(node, atom)
        if isinstance(node, (Application, sympy.Subs, sympy.Derivative)) or node in opaque:
            return atom(node)
        if reciprocals and node.is_Pow and node.exp.is_Integer and node.exp.is_negative:
            return atom(sympy.Pow(walk(node.base), -1, evaluate=False)) ** (-node.exp)
        if node.is_Pow and not node.exp.is_Integer:
            return atom(node)
        if node.args and (not node.is_Atom or isinstance(node, sympy.Indexed)):
            return node.func(*(walk(arg) for arg in node.args))
        return node

    return memoised(visit)(expr)


_ODD = frozenset({sympy.sign, sympy.tanh, sympy.sinh, sympy.atan, sympy.erf, sympy.asinh})
_EVEN = frozenset({sympy.Abs, sympy.cosh})
_SYMMETRIC = _ODD | _EVEN


def _symmetric_atom(node, atom):
    """f(u) and f(−u) share one atom when f is odd or even, with −1 for an odd
    f: SymPy keeps sign(a − y) and sign(y − a) as two different functions
    (a loss |ŷ − y| differentiates to either), which expansion would treat
    as unrelated.  The orientation of u is SymPy's sort order, the same for
    both sides."""
    (argument,) = node.args
    flipped = default_sort_key(-argument) < default_sort_key(argument)
    key = (node.func, -argument if flipped else argument)
    if flipped and node.func in _ODD:
        return -atom(key)
    return atom(key)


def _expands_to_zero(expr: sympy.Expr) -> bool:
    return sympy.expand(expr) == 0


def _numerator_expands_to_zero(expr: sympy.Expr) -> bool:
    numerator, _ = sympy.fraction(sympy.together(expr))
    return sympy.expand(numerator) == 0


def is_zero(expr: sympy.Expr, opaque=frozenset(), thorough: bool = True) -> bool:
    """True when ``expr`` is identically zero by exact algebra.

    Tries, cheapest first: a polynomial in atoms (functions, reciprocals and
    the ``opaque`` sub-expressions, e.g. a network's pre-activations z, which
    would otherwise be multiplied out layer into layer); a rational function
    in the same atoms less the reciprocals; the same without ``opaque``; and
    finally the expression itself.  Every stage is sound; a later one only
    runs if the earlier ones could not show zero.  False means "not shown to
    be zero"; for two derivations built from the same atoms it means they
    differ.  ``thorough=False`` stops after the two cheap stages.
    """
    opaque = frozenset(opaque)
    stages = [
        (opaque, True, _expands_to_zero),
        (opaque, False, _numerator_expands_to_zero),
    ]
    if opaque and thorough:
        stages += [
            (frozenset(), True, _expands_to_zero),
            (frozenset(), False, _numerator_expands_to_zero),
        ]
    for hidden, reciprocals, test in stages:
        if test(atomize(expr, {}, hidden, reciprocals)):
            return True
    if not thorough:
        return False
    return _expands_to_zero(expr) or _numerator_expands_to_zero(expr)


def equal(left: sympy.Expr, right: sympy.Expr, opaque=frozenset()) -> bool:
    return is_zero(left - right, opaque)


def split_sum(total: sympy.Sum) -> sympy.Expr:
    """Σ_r (c₁·t₁(r) + c₂·t₂(r) + …) = c₁·Σ_r t₁(r) + c₂·Σ_r t₂(r) + …:
    linearity of a finite sum over one index, as a normal form.  The body
    is expanded, and in each term the factors free of r move out of the
    sum (a term free of r altogether is counted hi − lo + 1 times).  Holds
    for any bounds, so nothing is written out; the sums left are the
    canonical pieces two sides of an equation can then share as atoms."""
    if not isinstance(total, sympy.Sum) or len(total.limits) != 1:
        raise ValueError("split_sum takes a sum over one index")
    index, low, high = total.limits[0]
    pieces = []
    for term in sympy.Add.make_args(sympy.expand(total.function)):
        factors = sympy.Mul.make_args(term)
        outside = [f for f in factors if index not in f.free_symbols]
        inside = [f for f in factors if index in f.free_symbols]
        if inside:
            pieces.append(sympy.Mul(*outside) * sympy.Sum(sympy.Mul(*inside), (index, low, high)))
        else:
            pieces.append(sympy.Mul(*outside) * (high - low + 1))
    return sympy.Add(*pieces)
