"""Counterexamples: a point at which a refused equation's two sides differ.

Only a refused step asks for one, and nothing is decided by it: the kernel
refuses by exact algebra, and the numbers only show the reader where the
claim fails.  Points are small random floats; every node is evaluated once
(the differences of expanded networks are DAGs that ``xreplace`` would walk
as trees).  A generic function f with no numeric value gets a concrete one,
tanh, and the undefined function its derivative rule names (f' = fprime)
gets tanh's derivative, so that the two stay consistent."""

from __future__ import annotations

import math
import random

import sympy
from sympy.core.function import AppliedUndef

from proofs.kernel.algebra import replace_nodes

ATTEMPTS = 20


def _concrete(expr: sympy.Expr) -> sympy.Expr | None:
    """``expr`` with each generic function made tanh (its derivative function
    tanh'), or None where an unknown function is left."""
    functions = {}
    for node in expr.atoms(sympy.Function):
        kind = type(node)
        if kind in functions or isinstance(node, AppliedUndef) or len(node.args) != 1:
            continue
        if kind(sympy.Float(0.5)).evalf().is_Number:
            continue  # it has a value of its own
        slope = kind(sympy.Dummy()).fdiff()
        if isinstance(slope, AppliedUndef):
            functions[slope.func] = lambda u: 1 - sympy.tanh(u) ** 2
        functions[kind] = sympy.tanh
    concrete = replace_nodes(expr, {}, functions)
    if concrete.has(AppliedUndef, sympy.Sum, sympy.Subs, sympy.Derivative):
        return None
    return concrete


def _variables(concrete: sympy.Expr) -> list:
    """What a point gives values to: every indexed unit (δ[2, 1] is a variable
    like any other), then the free symbols not inside one."""
    units = sorted(concrete.atoms(sympy.Indexed), key=str)
    inside = set().union(*(unit.free_symbols for unit in units))
    return units + sorted(concrete.free_symbols - inside, key=str)


def counterexample(difference: sympy.Expr) -> dict | None:
    """Values of the free symbols (and indexed units) at which ``difference``
    is not zero, or None where it cannot be evaluated or none was found."""
    concrete = _concrete(difference)
    if concrete is None:
        return None
    variables = _variables(concrete)
    rng = random.Random(0)
    for _ in range(ATTEMPTS):
        point = {v: sympy.Float(rng.uniform(-2, 2), 15) for v in variables}
        try:
            value = complex(sympy.N(replace_nodes(concrete, point)))
        except (TypeError, ValueError):
            return None
        if value.imag == 0 and math.isfinite(value.real) and abs(value.real) > 1e-9:
            return {str(v): float(x) for v, x in point.items()}
    return None


def vanishes(expr: sympy.Expr) -> bool | None:
    """Whether ``expr`` is 0 at every one of a few random points (True), is
    not 0 at one of them (False), or cannot be evaluated (None): a
    denominator that vanishes everywhere makes a cancelled identity a
    statement about nothing."""
    if expr.has(sympy.Sum):
        expr = expr.doit()  # sums over concrete bounds written out
    concrete = _concrete(expr)
    if concrete is None:
        return None
    variables = _variables(concrete)
    rng = random.Random(1)
    for _ in range(3):
        # Exact points, evaluated at 40 digits: sin² + cos² − 1 comes out
        # near 10⁻⁴⁰, where 15-digit floats would leave 10⁻¹⁶.
        point = {v: sympy.Rational(rng.randint(3, 17), 10) for v in variables}
        try:
            value = complex(sympy.N(replace_nodes(concrete, point), 40))
        except (TypeError, ValueError):
            return None
        if abs(value) > 1e-30:
            return False
    return True
