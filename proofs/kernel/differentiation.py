"""Derivatives for the kernel, each shared node visited once.

Two differentiators, both SymPy's rules and nothing else:

* :func:`differentiate` — the elementary rules (sum, product, power, each
  function's own derivative) over a DAG such as an expanded network loss,
  where ``sympy.diff`` revisits a shared node once per path (exponential in
  depth); the tests compare it with ``sympy.diff``;
* :func:`indexed_derivative` — ``sympy.diff`` by an indexed variable, the
  same expression node for node, without SymPy's per-node overhead.
"""

from __future__ import annotations

import sympy
from sympy.core.function import Application, AppliedUndef

from proofs.kernel.algebra import memoised


def differentiate(expr: sympy.Expr, variable: sympy.Symbol, cache: dict | None = None):
    """∂expr/∂variable by the elementary rules, each shared node visited once.

    Handles Add, Mul, Pow and any function whose ``fdiff`` SymPy knows.
    Anything else raises ``TypeError`` naming the node: a missing rule is an
    error, not a silent zero.  ``cache`` may be shared between calls for the
    same variable.  (``Basic.has`` would walk the DAG as a tree, so whether a
    node depends on ``variable`` is memoised too.)
    """
    depends_on = memoised(
        lambda node, depends: node == variable or any(depends(arg) for arg in node.args)
    )

    def visit(node, walk):
        if not depends_on(node):
            return sympy.S.Zero
        if node == variable:
            return sympy.S.One
        if node.is_Add:
            return sympy.Add(*(walk(term) for term in node.args))
        if node.is_Mul:
            factors = node.args
            return sympy.Add(
                *(
                    sympy.Mul(*factors[:i], walk(factor), *factors[i + 1 :])
                    for i, factor in enumerate(factors)
                    if depends_on(factor)
                )
            )
        if node.is_Pow and not depends_on(node.exp):
            base, exponent = node.args
            # One Mul of three factors: 2·(a − y) alone would be distributed
            # into 2a − 2y by SymPy, and ½·(2a − 2y) no longer simplifies.
            return sympy.Mul(exponent, base ** (exponent - 1), walk(base))
        if node.is_Pow:
            return walk(sympy.exp(node.exp * sympy.log(node.base)))
        if isinstance(node, Application):  # functions, and Max/Min
            return sympy.Add(
                *(
                    node.fdiff(i) * walk(argument)
                    for i, argument in enumerate(node.args, start=1)
                    if depends_on(argument)
                )
            )
        raise TypeError(f"no differentiation rule for {type(node).__name__}: {node}")

    return memoised(visit, cache)(expr)


def indexed_derivative(expr, variable: sympy.Indexed):
    """``sympy.diff(expr, variable)`` for an indexed variable, the same
    expression node for node: SymPy's own rules for Add, Mul, Pow, Sum,
    Indexed, symbols and functions (each as its ``_eval_derivative`` writes
    it), applied once per shared node, without the general machinery that
    wraps every sub-derivative in ``Derivative.__new__`` (the quick exit,
    ``is_zero`` and a walk of the result: 2 ms for a one-term sum).  Any
    other node, and any function with a rule of its own (Abs, Max,
    Piecewise, undefined functions), is handed to ``sympy.diff`` itself.
    The tests compare the two on the proofs' expressions and random ones."""
    variable_free = variable.free_symbols

    def visit(node, walk):
        result = _derivative(node, variable, variable_free, walk)
        if result.has(sympy.Derivative):  # as Derivative.__new__ leaves it
            return sympy.diff(node, variable)
        return result

    return memoised(visit)(expr)


def _derivative(expr, variable: sympy.Indexed, variable_free: set, walk):
    """One node's derivative, its parts' derivatives from ``walk``."""
    if not expr.free_symbols & variable_free:  # Derivative.__new__'s quick exit
        return sympy.S.Zero
    if isinstance(expr, sympy.Indexed):
        return _indexed_derivative(expr, variable)
    if expr.is_Atom:  # AtomicExpr._eval_derivative
        return sympy.S.One if expr == variable else sympy.S.Zero
    if expr.is_Add:
        return expr.func(*(walk(a) for a in expr.args))
    if expr.is_Mul:
        args, terms = list(expr.args), []
        for i, factor in enumerate(args):
            derivative = walk(factor)
            if derivative:
                product = sympy.S.One
                for other in args[:i] + [derivative] + args[i + 1 :]:
                    product = product * other
                terms.append(product)
        return sympy.Add.fromiter(terms)
    if expr.is_Pow:
        base_slope, exponent_slope = walk(expr.base), walk(expr.exp)
        return expr * (exponent_slope * sympy.log(expr.base) + base_slope * expr.exp / expr.base)
    if isinstance(expr, sympy.Sum) and _plain_sum(expr, variable):
        function, limits = expr.function, list(expr.limits)
        limit = limits.pop(-1)
        if limits:
            function = expr.func(function, *limits)
        return expr.func(walk(function), limit)
    if _plain_function(expr):
        terms = []
        for i, argument in enumerate(expr.args, start=1):
            slope = walk(argument)
            if slope.is_zero:
                continue
            try:
                outer = expr.fdiff(i)
            except sympy.core.function.ArgumentIndexError:
                outer = sympy.Function.fdiff(expr, i)
            terms.append(outer * slope)
        return sympy.Add(*terms)
    return sympy.diff(expr, variable)


def _indexed_derivative(node: sympy.Indexed, variable: sympy.Indexed):
    """Indexed._eval_derivative: a product of Kronecker deltas of the indices."""
    if node.base != variable.base:
        return sympy.diff(node, variable)  # 0, or NaN where an index holds it
    if len(node.indices) != len(variable.indices):
        return sympy.diff(node, variable)  # SymPy's IndexException
    result = sympy.S.One
    for first, second in zip(node.indices, variable.indices, strict=True):
        result *= sympy.KroneckerDelta(first, second)
    return result


def _plain_sum(total: sympy.Sum, variable) -> bool:
    """A sum whose bounds do not hold the variable (SymPy leaves the others
    unevaluated)."""
    _, low, high = total.limits[-1]
    return variable not in low.free_symbols and variable not in high.free_symbols


def _plain_function(expr) -> bool:
    """A function application differentiated by SymPy's generic chain rule
    (Function._eval_derivative), not by a rule of its own."""
    return (
        isinstance(expr, sympy.Function)
        and not isinstance(expr, AppliedUndef)
        and type(expr)._eval_derivative is sympy.Function._eval_derivative
    )
