"""Every constant in user text is a finite real number within the number limit.

A custom activation or loss is a function of real numbers that the trainer
evaluates in float64, so a sub-expression free of the variables (``log(0)``,
``sqrt(-1)``, ``exp(exp(exp(3)))``) must be a real number, finite, and small
enough that float64 and the proofs handle it: at most 10^MAX_MAGNITUDE in
absolute value.  Anything else makes SymPy's constructors raise
(``Max(zoo, 1)`` cannot compare), return complex or undefined values, or —
for nested transcendental constants such as ``cos(exp(10^6))`` — spend
minutes on exact evaluation.

The check is numeric, at a bounded precision (:data:`DIGITS`, :data:`MAX_DIGITS`),
never symbolic simplification.  It is cheap because it is applied bottom
up: the parser checks each sub-expression as it builds it, so a constant is
only ever evaluated once its parts are known to be bounded real numbers, and
a huge one is refused before anything is built on top of it.
"""

from __future__ import annotations

import mpmath
import sympy

from derive.parsing.limits import EXPRESSION

MAX_MAGNITUDE = EXPRESSION.magnitude
"""Every constant is at most 10^30 in absolute value (float64 goes to 10^308,
but products and powers of such constants in the derivatives must stay finite)."""
LIMIT = sympy.Integer(10) ** MAX_MAGNITUDE
DIGITS = 15
"""Significant digits of the numeric evaluation: enough to tell a real
number from a complex one and to compare a magnitude with the limit."""
MAX_DIGITS = 60
"""The most digits SymPy's adaptive evaluation may use (a cancellation such
as cosh(60) − sinh(60) needs more than :data:`DIGITS`)."""


def is_constant(expr: sympy.Basic) -> bool:
    """A sub-expression free of every variable (x, yhat, y)."""
    return isinstance(expr, sympy.Expr) and not expr.free_symbols


def problem(expr: sympy.Expr) -> str | None:
    """Why the constant ``expr`` is not acceptable, or None.

    ``expr`` must be constant and its parts already checked (the parser
    calls this for every sub-expression it builds, innermost first)."""
    if expr.has(sympy.nan):
        return "is not a number (undefined)"
    if expr.has(sympy.zoo, sympy.oo, -sympy.oo):
        return "is infinite (a division by zero or the log of 0)"
    value = expr.evalf(DIGITS, maxn=MAX_DIGITS, strict=False)
    if value.has(sympy.nan):
        return "is not a number (undefined)"
    if value.has(sympy.zoo, sympy.oo, -sympy.oo):
        return "is infinite (a division by zero or the log of 0)"
    real, imaginary = value.as_real_imag()
    if imaginary != 0:
        return (
            "is not a real number (it is complex: a log or root of a negative number, "
            "or a function outside its domain)"
        )
    if not real.is_number or not real.is_comparable:
        return "cannot be evaluated to a real number"
    if abs(expr if expr.is_Rational else real) > LIMIT:  # exact where it can be
        exponent = mpmath.log10(abs(mpmath.mpf(real)))  # to 15 digits: a few shown
        shown = round(float(exponent), 1) if exponent < 10**6 else mpmath.nstr(exponent, 4)
        return f"is too large (about 10^{shown}; constants are at most 10^{MAX_MAGNITUDE})"
    return None


def first_problem(
    expr: sympy.Expr, seen: set[sympy.Basic] | None = None
) -> tuple[sympy.Expr, str] | None:
    """The innermost unacceptable constant sub-expression of ``expr`` and why,
    or None.  The whole tree is walked, not only its top: SymPy may combine
    checked parts into a new constant (10^20 · x · 10^20 is 10^40 x).
    ``seen`` holds the nodes already found acceptable (and gains those found
    now), so that checking a tree as it grows evaluates each constant once."""
    seen = set() if seen is None else seen

    def visit(node: sympy.Basic):
        if node in seen:
            return None
        seen.add(node)
        for arg in node.args:
            found = visit(arg)
            if found is not None:
                return found
        if is_constant(node):
            reason = problem(node)
            if reason is not None:
                return node, reason
        return None

    return visit(expr)
