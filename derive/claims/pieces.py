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
split only if the pieces of the outer ones do not settle it) and bounded by
:data:`MAX_PIECES`; a piece whose sign pattern is impossible (u > 0 and
u + 1 < 0) is still required to give 0, which makes the test incomplete,
never unsound.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import sympy
from sympy.core.sorting import default_sort_key

from derive.claims.numeric import KINKS
from proofs.kernel.algebra import memoised

MAX_PIECES = 64


def is_zero_on_pieces(expr: sympy.Expr, is_zero: Callable[[sympy.Expr], bool]) -> bool:
    """True when ``is_zero`` holds on every piece of ``expr`` (see the module)."""
    budget = [MAX_PIECES]

    def settle(piece: sympy.Expr) -> bool:
        if is_zero(piece):
            return True
        argument = _outermost_kink(piece)
        if argument is None or budget[0] < 2:
            return False
        budget[0] -= 2
        return all(settle(_on_piece(piece, argument, sign)) for sign in (1, -1))

    return _outermost_kink(expr) is not None and settle(expr)


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


def _outermost_kink(expr: sympy.Expr):
    """The oriented argument of a kink not inside another kink, or None."""
    queue, seen = deque([expr]), set()
    while queue:
        node = queue.popleft()
        if node in seen or not node.args:
            continue
        seen.add(node)
        argument = _branch_argument(node)
        if argument is not None:
            return _oriented(argument)[0]
        queue.extend(node.args)
    return None


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
