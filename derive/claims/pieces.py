"""Exact equality of piecewise sides, one smooth piece at a time.

``abs``, ``sign``, a step, ``relu``, ``max`` and ``min`` are smooth except
where an argument crosses 0.  On the piece where that argument u is
positive, |u| is u, sign(u) is 1, H(u) is 1, relu(u) is u, max(u + b, b) is
u + b; where it is negative, −u, −1, 0, 0 and b.  So a difference that is 0
on every piece, with each such function replaced by its branch, is 0
everywhere off the kinks (where some argument is exactly 0, the branches may
disagree: relu'(0) is a convention).  The exact test on each piece is the
caller's; replacing a node by its value on a piece is substitution, so a
zero found on a piece is sound for that piece.

The split is outermost first (a kink inside another kink's argument is
split only if the pieces of the outer ones do not settle it), or innermost
first where that fails, and bounded by :data:`MAX_PIECES`.  Each opaque
sub-expression (a network's pre-activation) is one variable, so that the
sign conditions of a piece are often linear; a piece whose conditions,
relaxed to ≤ and with each function application a free variable, have no
solution (u + 1 < 0 and 1 − u < 0) holds no point and needs no zero.
Relaxing only enlarges the set of solutions, so skipping is sound; a piece
that is impossible for a reason the relaxation misses is still required to
give 0, which makes the test incomplete, never unsound.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import sympy
from sympy.core.sorting import default_sort_key
from sympy.solvers.simplex import InfeasibleLPError, lpmin

from derive.claims.numeric import KINKS
from proofs.kernel.algebra import atomize, memoised

MAX_PIECES = 64


def is_zero_on_pieces(
    expr: sympy.Expr, is_zero: Callable[[sympy.Expr], bool], opaque=frozenset()
) -> bool:
    """True when ``is_zero`` holds on every possible piece of ``expr``, with
    each of ``opaque`` one variable (see the module)."""
    if _kink(expr, innermost=False) is None:
        return False
    variables = {node: sympy.Dummy(f"u{n}", real=True) for n, node in enumerate(opaque)}
    expr = _in_variables(expr, variables)
    return any(_settled(expr, is_zero, innermost) for innermost in (False, True))


def _in_variables(expr: sympy.Expr, variables: dict) -> sympy.Expr:
    """``expr`` with each opaque node its variable, also where a kink's
    argument is the node plus a constant (z + 1 in H(z + 1) is a sum SymPy
    flattens, in which z is no longer a node): a change of variables."""

    def visit(node, walk):
        if node in variables:
            return variables[node]
        if not node.args:
            return node
        if node.func in KINKS:
            return node.func(*(_shifted(a, variables, walk) for a in node.args))
        arguments = [walk(a) for a in node.args]
        if all(new is old for new, old in zip(arguments, node.args, strict=True)):
            return node
        return node.func(*arguments)

    return memoised(visit)(expr)


def _shifted(argument: sympy.Expr, variables: dict, walk) -> sympy.Expr:
    constant, rest = argument.as_coeff_Add()
    for sign in (1, -1):
        if sign * rest in variables:
            return sign * variables[sign * rest] + constant
    return walk(argument)


def _settled(expr: sympy.Expr, is_zero, innermost: bool) -> bool:
    """Split outermost kinks first (one split often settles a network's
    nested pre-activations) or innermost first (then no piece assumes a sign
    of an argument whose own kinks are still unsplit, such as
    |sign(u + 1) + sign(1 − u)| on a piece where both signs are −1)."""
    budget = [MAX_PIECES]

    def settle(piece: sympy.Expr, conditions: tuple) -> bool:
        if is_zero(piece) or _impossible(conditions):
            return True
        argument = _kink(piece, innermost)
        if argument is None or budget[0] < 2:
            return False
        budget[0] -= 2
        return all(
            settle(_on_piece(piece, argument, sign), (*conditions, sign * argument))
            for sign in (1, -1)
        )

    return settle(expr, ())


def _impossible(positives: tuple) -> bool:
    """Whether no point makes every one of ``positives`` > 0, as far as the
    linear relaxation (≥ 0, function applications free) can tell."""
    if len(positives) < 2:
        return False
    atoms: dict = {}
    constraints = []
    for condition in positives:
        linear = atomize(condition, atoms, reciprocals=False)
        symbols = sorted(linear.free_symbols, key=str)
        try:
            if symbols and sympy.Poly(linear, *symbols).total_degree() > 1:
                continue  # not linear: dropped, which only relaxes further
        except sympy.PolynomialError:
            continue
        constraints.append(linear >= 0)
    if any(c is sympy.false for c in constraints):
        return True
    constraints = [c for c in constraints if c is not sympy.true]
    if len(constraints) < 2:
        return False
    try:
        lpmin(sympy.S.Zero, constraints)
    except InfeasibleLPError:
        return True
    except Exception:  # noqa: BLE001 (SymPy's LP refusing a form: not shown impossible)
        return False
    return False


def _oriented(argument: sympy.Expr) -> tuple[sympy.Expr, int]:
    """u and −u as one argument with a sign: SymPy's sort order picks."""
    if default_sort_key(-argument) < default_sort_key(argument):
        return -argument, -1
    return argument, 1


def _branch_argument(node):
    """The argument whose sign selects ``node``'s branch, or None."""
    if node.func in (sympy.Max, sympy.Min):
        return node.args[0] - node.args[1] if len(node.args) == 2 else None
    if node.func in KINKS:
        return node.args[0]
    return None


def _kink(expr: sympy.Expr, innermost: bool):
    """The oriented argument of a kink not inside another kink's argument
    (or, ``innermost``, with no kink inside its own), or None."""
    queue, seen, found = deque([expr]), set(), None
    while queue:
        node = queue.popleft()
        if node in seen or not node.args:
            continue
        seen.add(node)
        argument = _branch_argument(node)
        if argument is not None:
            if not innermost:
                return _oriented(argument)[0]
            found = argument
        queue.extend(node.args)
    return None if found is None else _oriented(found)[0]


def _on_piece(expr: sympy.Expr, argument: sympy.Expr, sign: int) -> sympy.Expr:
    """``expr`` where ``argument`` has the sign ``sign``: each kink whose
    argument is ±``argument`` replaced by its branch there."""

    def visit(node, walk):
        if not node.args:
            return node
        arguments = [walk(a) for a in node.args]
        branch = _branch_argument(node)
        if branch is not None:
            oriented, orientation = _oriented(branch)
            if oriented == argument:
                return _branch(node.func, arguments, sign * orientation)
        if all(new is old for new, old in zip(arguments, node.args, strict=True)):
            return node
        return node.func(*arguments)

    return memoised(visit)(expr)


def _branch(func, arguments: list, sign: int) -> sympy.Expr:
    """The value of ``func(*arguments)`` where its branch argument has the sign ``sign``."""
    first, *rest = arguments
    if func is sympy.Abs:
        return sign * first
    if func is sympy.sign:
        return sympy.Integer(sign)
    if func is sympy.Heaviside:
        return sympy.Integer(1 if sign > 0 else 0)
    if func is sympy.Max:
        return first if sign > 0 else rest[0]
    if func is sympy.Min:
        return rest[0] if sign > 0 else first
    return first if sign > 0 else sympy.Integer(0)  # relu
