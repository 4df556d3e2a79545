"""A claim's sides as numbers: mpmath at a bounded precision, never SymPy's
``evalf`` on a tower of constants.

The checker compares the two sides at points of small rationals.  A value
is computed node by node with mpmath at a fixed precision, each shared node
once; a node whose value is not a finite real number, or would need an
unbounded amount of work (cos of 10^(10^29), exp of 10^6), makes the whole
side undefined there (None) instead of running for minutes.

For a refutation two things must not be artefacts of rounding: the branch
a step function takes, and the difference itself.  :func:`kink_clearance`
says how far the point is from every jump and kink (a Heaviside, sign, abs,
relu, max or min whose argument is near 0 is on the wrong side of its jump
as easily as on the right one), and :func:`differ` confirms a difference at
twice the working precision.
"""

from __future__ import annotations

import mpmath
import sympy

from derive.spec import functions
from proofs.kernel.algebra import memoised

DIGITS = 40
"""Working precision, in significant digits."""
CONFIRM_DIGITS = 80
"""A difference seen at DIGITS is confirmed at this precision."""
RELATIVE = 20
"""Sides differ when they differ by more than 10^-RELATIVE of their size."""
MAX_ARGUMENT = mpmath.mpf(10) ** 6
"""exp, sinh, cosh of more than this (a number of 434 000 digits) are not evaluated."""
MAX_PERIODIC = mpmath.mpf(10) ** 30
"""sin, cos of more than this: argument reduction would need as many digits."""
KINK_CLEARANCE = mpmath.mpf(10) ** -10
"""A step function's argument this close to 0 may be on either side of its jump."""

KINKS = functions.KINKS
"""Functions with a kink or a jump where an argument crosses 0 (Max, Min:
where their two arguments are equal)."""


def symbols(expr: sympy.Expr) -> set:
    """Free symbols, each shared node visited once."""
    seen, found, stack = set(), set(), [expr]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if node.is_Symbol:
            found.add(node)
        stack.extend(node.args)
    return found


def evaluate(expr: sympy.Expr, values: dict, digits: int = DIGITS):
    """``expr`` at ``values`` (symbol → Fraction), or None where it is
    undefined, not real, or out of the bounded range there."""
    with mpmath.workdps(digits):
        try:
            return memoised(_visitor(_numbers(values), digits))(expr)
        except (ZeroDivisionError, ValueError, TypeError, OverflowError):
            return None


def defined(exprs, values: dict) -> bool:
    """Whether every one of ``exprs`` is a finite real number at ``values``."""
    with mpmath.workdps(DIGITS):
        visit = memoised(_visitor(_numbers(values), DIGITS))
        try:
            for expr in exprs:
                visit(expr)
        except (ZeroDivisionError, ValueError, TypeError, OverflowError):
            return False
    return True


def constant(expr: sympy.Expr, digits: int = DIGITS):
    """The value of a constant expression (no symbols), or None."""
    return evaluate(expr, {}, digits)


def kink_clearance(exprs, values: dict):
    """The smallest |argument| over every kink of ``exprs`` at ``values``
    (None where one cannot be evaluated; +inf where there is no kink)."""
    smallest = mpmath.inf
    with mpmath.workdps(DIGITS):
        visit = memoised(_visitor(_numbers(values), DIGITS))
        for argument in kink_arguments(exprs):
            try:
                value = visit(argument)
            except (ZeroDivisionError, ValueError, TypeError, OverflowError):
                return None
            smallest = min(smallest, abs(value) / (1 + abs(value)))
    return smallest


def kink_arguments(exprs) -> list:
    """The expressions whose sign selects a branch: the argument of each
    abs, sign, step and relu, and a − b for max(a, b) and min(a, b)."""
    found, seen, stack = [], set(), list(exprs)
    while stack:
        node = stack.pop()
        if node in seen or not node.args:
            continue
        seen.add(node)
        if node.func in (sympy.Max, sympy.Min):
            first, *rest = node.args
            found.extend(first - other for other in rest)
        elif node.func in KINKS:
            found.append(node.args[0])
        stack.extend(node.args)
    return found


def differ(left, right) -> bool:
    """Whether two values differ by more than rounding at their precision."""
    return abs(left - right) > mpmath.mpf(10) ** -RELATIVE * (1 + abs(left) + abs(right))


def shown(left, right) -> tuple[str, str]:
    """Both values with enough digits to show that they differ (12 at least);
    a value that is zero to the working precision is shown as 0, not as the
    rounding left of it (7e-83 where exact arithmetic gives 0)."""
    noise = mpmath.mpf(10) ** -(CONFIRM_DIGITS - 10) * (1 + abs(left) + abs(right))
    left, right = (value if abs(value) > noise else mpmath.mpf(0) for value in (left, right))
    for digits in range(12, CONFIRM_DIGITS + 1):
        a, b = mpmath.nstr(left, digits), mpmath.nstr(right, digits)
        if a != b:
            return a, b
    return mpmath.nstr(left, CONFIRM_DIGITS), mpmath.nstr(right, CONFIRM_DIGITS)


def _numbers(values: dict) -> dict:
    return {s: mpmath.mpf(v.numerator) / v.denominator for s, v in values.items()}


def _visitor(numbers: dict, digits: int):
    def visit(node, walk):
        if node in numbers:
            result = numbers[node]
        elif node.is_Rational:
            result = mpmath.mpf(node.p) / node.q
        elif node is sympy.pi:
            result = +mpmath.pi
        elif node is sympy.E:
            result = mpmath.e()
        elif node.is_Number:
            result = mpmath.mpf(str(node.evalf(digits + 5)))
        elif node.is_Symbol:
            raise ValueError(f"no value for {node}")
        else:
            result = _apply(node, [walk(a) for a in node.args], digits)
        if isinstance(result, mpmath.mpc) or not mpmath.isfinite(result):
            raise ValueError("not a finite real number")
        return result

    return visit


def _bounded(function, limit):
    """``function``, refused (OverflowError) for an argument beyond ``limit``:
    past it the value, or the reduction of the argument, needs more digits
    than a counterexample is worth."""

    def bounded(value):
        if abs(value) > limit:
            raise OverflowError("out of the evaluated range")
        return function(value)

    return bounded


_BOUNDS = {"growing": MAX_ARGUMENT, "periodic": MAX_PERIODIC}
"""An entry's ``growth`` → the largest argument its 40-digit form is given."""

_MPMATH = functions.View(
    lambda entries: {
        e.sympy: _bounded(e.mpmath, _BOUNDS[e.growth]) if e.growth else e.mpmath
        for e in entries
        if isinstance(e.sympy, type) and e.mpmath is not None
    }
)
"""SymPy class → its 40-digit form, with its argument bounded as its entry says."""


def _apply(node, arguments, digits: int):
    if node.is_Add:
        return mpmath.fsum(arguments)
    if node.is_Mul:
        return mpmath.fprod(arguments)
    if node.is_Pow:
        base, exponent = arguments
        if base < 0 and exponent != int(exponent):
            raise ValueError("not real")
        if base != 0 and abs(exponent * mpmath.log(abs(base))) > MAX_ARGUMENT:
            raise OverflowError("out of the evaluated range")
        return mpmath.power(base, exponent)
    function = _MPMATH.get(node.func)
    if function is not None:
        return function(*arguments)
    if node.func == sympy.Heaviside:
        value = arguments[0]
        if value > 0:
            return mpmath.mpf(1)
        if value < 0:
            return mpmath.mpf(0)
        if len(arguments) < 2:
            raise ValueError("H(0) is not defined")
        return arguments[1]
    # Anything else (a custom activation's derivative): SymPy at this precision.
    floats = [sympy.Float(mpmath.nstr(a, digits + 5), digits + 5) for a in arguments]
    value = node.func(*floats).evalf(digits)
    if not value.is_real or not value.is_finite:
        raise ValueError("not a finite real number")
    return mpmath.mpf(str(value))
