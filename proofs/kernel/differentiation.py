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


def differentiate(expr: sympy.Expr, variable: sympy.Symbol, cache: dict | None = None):
    """∂expr/∂variable by the elementary rules, each shared node visited once.

    Handles Add, Mul, Pow and any function whose ``fdiff`` SymPy knows.
    Anything else raises ``TypeError`` naming the node: a missing rule is an
    error, not a silent zero.  ``cache`` may be shared between calls for the
    same variable.  (``Basic.has`` would walk the DAG as a tree, so whether a
    node depends on ``variable`` is memoised too.)
    """
    memo = {} if cache is None else cache
    depends: dict = {}

    def depends_on(node) -> bool:
        known = depends.get(node)
        if known is None:
            known = node == variable or any(depends_on(arg) for arg in node.args)
            depends[node] = known
        return known

    def walk(node):
        known = memo.get(node)
        if known is not None:
            return known
        if not depends_on(node):
            result = sympy.S.Zero
        elif node == variable:
            result = sympy.S.One
        elif node.is_Add:
            result = sympy.Add(*(walk(term) for term in node.args))
        elif node.is_Mul:
            factors = node.args
            result = sympy.Add(
                *(
                    sympy.Mul(*factors[:i], walk(factor), *factors[i + 1 :])
                    for i, factor in enumerate(factors)
                    if depends_on(factor)
                )
            )
        elif node.is_Pow and not depends_on(node.exp):
            base, exponent = node.args
            # One Mul of three factors: 2·(a − y) alone would be distributed
            # into 2a − 2y by SymPy, and ½·(2a − 2y) no longer simplifies.
            result = sympy.Mul(exponent, base ** (exponent - 1), walk(base))
        elif node.is_Pow:
            result = walk(sympy.exp(node.exp * sympy.log(node.base)))
        elif isinstance(node, Application):  # functions, and Max/Min
            result = sympy.Add(
                *(
                    node.fdiff(i) * walk(argument)
                    for i, argument in enumerate(node.args, start=1)
                    if depends_on(argument)
                )
            )
        else:
            raise TypeError(f"no differentiation rule for {type(node).__name__}: {node}")
        memo[node] = result
        return result

    return walk(expr)


def indexed_derivative(expr, variable: sympy.Indexed):
    """``sympy.diff(expr, variable)`` for an indexed variable (see :func:`_derivative`)."""
    return _derivative(expr, variable, variable.free_symbols, {})


def _derivative(expr, variable: sympy.Indexed, variable_free: set, memo: dict):
    """``sympy.diff(expr, variable)`` for an indexed variable, the same
    expression node for node: SymPy's own rules for Add, Mul, Pow, Sum,
    Indexed, symbols and functions (each as its ``_eval_derivative`` writes
    it), applied once per shared node, without the general machinery that
    wraps every sub-derivative in ``Derivative.__new__`` (the quick exit,
    ``is_zero`` and a walk of the result: 2 ms for a one-term sum).  Any
    other node, and any function with a rule of its own (Abs, Max,
    Piecewise, undefined functions), is handed to ``sympy.diff`` itself.
    The tests compare the two on the proofs' expressions and random ones."""
    known = memo.get(expr)
    if known is not None:
        return known
    if not expr.free_symbols & variable_free:  # Derivative.__new__'s quick exit
        result = sympy.S.Zero
    elif isinstance(expr, sympy.Indexed):
        result = _indexed_derivative(expr, variable)
    elif expr.is_Atom:  # AtomicExpr._eval_derivative
        result = sympy.S.One if expr == variable else sympy.S.Zero
    elif expr.is_Add:
        result = expr.func(*(_derivative(a, variable, variable_free, memo) for a in expr.args))
    elif expr.is_Mul:
        args, terms = list(expr.args), []
        for i, factor in enumerate(args):
            derivative = _derivative(factor, variable, variable_free, memo)
            if derivative:
                product = sympy.S.One
                for other in args[:i] + [derivative] + args[i + 1 :]:
                    product = product * other
                terms.append(product)
        result = sympy.Add.fromiter(terms)
    elif expr.is_Pow:
        base_slope = _derivative(expr.base, variable, variable_free, memo)
        exponent_slope = _derivative(expr.exp, variable, variable_free, memo)
        result = expr * (exponent_slope * sympy.log(expr.base) + base_slope * expr.exp / expr.base)
    elif isinstance(expr, sympy.Sum) and _plain_sum(expr, variable):
        function, limits = expr.function, list(expr.limits)
        limit = limits.pop(-1)
        if limits:
            function = expr.func(function, *limits)
        result = expr.func(_derivative(function, variable, variable_free, memo), limit)
    elif _plain_function(expr):
        terms = []
        for i, argument in enumerate(expr.args, start=1):
            slope = _derivative(argument, variable, variable_free, memo)
            if slope.is_zero:
                continue
            try:
                outer = expr.fdiff(i)
            except sympy.core.function.ArgumentIndexError:
                outer = sympy.Function.fdiff(expr, i)
            terms.append(outer * slope)
        result = sympy.Add(*terms)
    else:
        result = sympy.diff(expr, variable)
    if result.has(sympy.Derivative):  # as Derivative.__new__ leaves it
        result = sympy.diff(expr, variable)
    memo[expr] = result
    return result


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
