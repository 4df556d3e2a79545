"""Elementwise formulas printed as in-place NumPy ufunc calls.

NumPy evaluates ``a*(1 - a)*delta`` by allocating a new array for every
operation.  The training step runs such formulas on (batch, width) arrays
every step, where those temporaries cost as much as the arithmetic (and the
allocator may hand the memory back to the OS and fault it in again).  This
printer walks the SymPy expression tree instead and prints it as a sequence
of ufunc calls, each writing into the output array or one of a few scratch
arrays of the same shape::

    numpy.subtract(1, a, out=scratch[0])
    numpy.multiply(out, scratch[0], out=out)
    numpy.multiply(out, a, out=out)

It knows Add, Mul, Pow and the functions the registry's activations and
losses are made of; for anything else it raises :class:`Unsupported` and the
caller prints the formula the plain way (correct, with temporaries).  The
printed calls compute the same expression the plain printer would: the tree
is only traversed, never rewritten, and constants are printed as Python
numbers, which NumPy 2 treats as "weak" (a float32 array stays float32).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from derive.spec import functions


class Unsupported(Exception):
    """The expression holds something the in-place printer does not know."""


@dataclass
class Program:
    """Ufunc calls that leave an expression's value in the output array."""

    lines: list[str]
    scratch: int
    """How many scratch arrays (``scratch[0]``, ``scratch[1]``, …) it uses."""


@dataclass
class _Compiler:
    scratch_name: str
    first_scratch: int
    lines: list[str] = field(default_factory=list)
    in_use: int = 0
    most: int = 0

    # -- scratch arrays, used as a stack -----------------------------------------

    def take(self) -> str:
        index = self.first_scratch + self.in_use
        self.in_use += 1
        self.most = max(self.most, self.first_scratch + self.in_use)
        return f"{self.scratch_name}[{index}]"

    def give_back(self) -> None:
        self.in_use -= 1

    # -- atoms --------------------------------------------------------------------

    @staticmethod
    def is_atom(expr: sympy.Expr) -> bool:
        return isinstance(expr, sympy.Symbol) or expr.is_number

    @staticmethod
    def atom(expr: sympy.Expr) -> str:
        if isinstance(expr, sympy.Symbol):
            return expr.name
        if expr.is_Integer:
            return str(int(expr))
        if expr.is_number and expr.is_real:
            return repr(float(expr))
        raise Unsupported(f"cannot print the number {expr}")

    def call(self, function: str, *arguments: str, out: str) -> None:
        self.lines.append(f"{function}({', '.join(arguments)}, out={out})")

    # -- trees --------------------------------------------------------------------

    def emit(self, expr: sympy.Expr, target: str) -> None:
        """Code that leaves ``expr`` in ``target``; reads only the inputs,
        ``target`` itself and scratch arrays it takes and gives back."""
        if self.is_atom(expr):
            if isinstance(expr, sympy.Symbol):
                self.lines.append(f"numpy.copyto({target}, {self.atom(expr)})")
            else:
                self.lines.append(f"{target}.fill({self.atom(expr)})")
        elif isinstance(expr, sympy.Add):
            self.accumulate(target, *_sum_operands(expr))
        elif isinstance(expr, sympy.Mul):
            self.accumulate(target, *_product_operands(expr))
        elif isinstance(expr, sympy.Pow):
            self.power(expr, target)
        elif isinstance(expr, (sympy.Function, sympy.Max, sympy.Min)):
            self.function(expr, target)
        else:
            raise Unsupported(f"no in-place form for {expr}")

    def accumulate(self, target: str, first, rest, ready: bool = False) -> None:
        """target = first ∘ rest[0] ∘ rest[1] …, each ∘ a binary ufunc;
        ``ready``: ``target`` already holds ``first``."""
        rest = list(rest)
        if not ready:
            if not self.is_atom(first):
                self.emit(first, target)
            elif not rest:
                self.emit(first, target)
            else:
                function, operand = rest.pop(0)
                if self.is_atom(operand):
                    self.call(function, self.atom(first), self.atom(operand), out=target)
                else:
                    self.emit(operand, target)
                    self.call(function, self.atom(first), target, out=target)
        for function, operand in rest:
            if self.is_atom(operand):
                self.call(function, target, self.atom(operand), out=target)
            else:
                scratch = self.take()
                self.emit(operand, scratch)
                self.call(function, target, scratch, out=target)
                self.give_back()

    def binary(self, function: str, left: sympy.Expr, right: sympy.Expr, target: str) -> None:
        if self.is_atom(left) and self.is_atom(right):
            self.call(function, self.atom(left), self.atom(right), out=target)
        elif self.is_atom(right):
            self.emit(left, target)
            self.call(function, target, self.atom(right), out=target)
        elif self.is_atom(left):
            self.emit(right, target)
            self.call(function, self.atom(left), target, out=target)
        else:
            self.emit(left, target)
            scratch = self.take()
            self.emit(right, scratch)
            self.call(function, target, scratch, out=target)
            self.give_back()

    def unary(self, function: str, argument: sympy.Expr, target: str) -> None:
        if self.is_atom(argument):
            self.call(function, self.atom(argument), out=target)
        else:
            self.emit(argument, target)
            self.call(function, target, out=target)

    def power(self, expr: sympy.Pow, target: str) -> None:
        base, exponent = expr.args
        if exponent.is_number and exponent.is_negative:
            self.accumulate(target, sympy.S.One, [("numpy.divide", base ** (-exponent))])
        elif exponent == 2:
            self.unary("numpy.square", base, target)
        elif exponent == sympy.S.Half:
            self.unary("numpy.sqrt", base, target)
        else:
            self.binary("numpy.power", base, exponent, target)

    def function(self, expr: sympy.Function, target: str) -> None:
        args = expr.args
        form = functions.UFUNCS.get(expr.func)
        if form is not None and len(args) == 1:
            callee, arguments = form
            operands = [sympy.sympify(a).xreplace({functions.ARG: args[0]}) for a in arguments]
            if len(operands) == 1:
                self.unary(callee, operands[0], target)
            else:
                self.binary(callee, *operands, target)
        elif isinstance(expr, sympy.Heaviside):
            value = args[1] if len(args) > 1 else sympy.S.Half
            if not value.is_number:
                raise Unsupported(f"no in-place form for {expr}")
            self.binary("numpy.heaviside", args[0], value, target)
        elif isinstance(expr, (sympy.Max, sympy.Min)):
            name = "numpy.maximum" if isinstance(expr, sympy.Max) else "numpy.minimum"
            first, *rest = _ordered(args)
            self.accumulate(target, first, [(name, arg) for arg in rest])
        else:
            raise Unsupported(f"no in-place form for {expr.func}")


def _ordered(operands) -> list:
    """Compound operands first (the first one is computed in the target
    itself, the others need a scratch array), then atoms; stable."""
    return sorted(operands, key=_Compiler.is_atom)


def _sum_items(terms) -> list:
    """Every term as (numpy.add, term) or (numpy.subtract, −term), compound
    terms first."""
    items = []
    for term in terms:
        coefficient, _ = term.as_coeff_Mul()
        items.append(("numpy.subtract", -term) if coefficient.is_negative else ("numpy.add", term))
    return sorted(items, key=lambda item: _Compiler.is_atom(item[1]))


def _product_items(coefficient, factors) -> list:
    """Every factor as (numpy.multiply, factor) or, at a negative power,
    (numpy.divide, 1/factor); compound factors first, the coefficient last."""
    numerator, denominator = [], []
    for factor in factors:
        if isinstance(factor, sympy.Pow) and factor.exp.is_number and factor.exp.is_negative:
            denominator.append(factor.base ** (-factor.exp))
        else:
            numerator.append(factor)
    items = [("numpy.multiply", f) for f in _ordered(numerator)]
    items += [("numpy.divide", d) for d in _ordered(denominator)]
    if coefficient != 1:
        items.append(("numpy.multiply", coefficient))
    return items


def _sum_operands(expr: sympy.Add):
    items = _sum_items(expr.args)
    for position, (function, term) in enumerate(items):
        if function == "numpy.add":  # the first added term, compound if any
            return term, items[:position] + items[position + 1 :]
    return sympy.S.Zero, items


def _product_operands(expr: sympy.Mul):
    coefficient, factors = expr.as_coeff_mul()
    items = _product_items(sympy.S.One, factors)
    if items and items[0][0] == "numpy.multiply":
        rest = items[1:]
        if coefficient != 1:
            rest.append(("numpy.multiply", coefficient))
        return items[0][1], rest
    return coefficient, items  # c/x: the coefficient divided by the rest


def inplace(
    expr: sympy.Expr,
    out: str = "out",
    *,
    holds: sympy.Symbol | None = None,
    scratch: str = "scratch",
    first_scratch: int = 0,
) -> Program:
    """Ufunc calls that leave ``expr`` (its symbols named after arrays) in
    the array ``out``, using scratch arrays from ``scratch[first_scratch]``.

    ``holds``: a symbol whose value ``out`` already holds on entry (the
    caller wrote a matrix product there).  It must occur exactly once in
    ``expr``: as the whole of it, a term of a top-level sum or a factor of a
    top-level product; the other operands are then combined into ``out``.
    Raises :class:`Unsupported` for what it cannot print."""
    compiler = _Compiler(scratch, first_scratch)
    compiler.most = first_scratch
    if holds is None:
        compiler.emit(expr, out)
    elif not in_place_operand(expr, holds):
        raise Unsupported(f"{holds} is not an operand of {expr}")
    elif isinstance(expr, sympy.Add):
        others = [term for term in expr.args if term != holds]
        compiler.accumulate(out, holds, _sum_items(others), ready=True)
    elif isinstance(expr, sympy.Mul):
        coefficient, factors = expr.as_coeff_mul()
        others = [factor for factor in factors if factor != holds]
        compiler.accumulate(out, holds, _product_items(coefficient, others), ready=True)
    return Program(compiler.lines, compiler.most)


def in_place_operand(expr: sympy.Expr, symbol: sympy.Symbol) -> bool:
    """Whether ``symbol`` occurs in ``expr`` once, as the whole of it, a term
    of a top-level sum (with coefficient 1) or a factor of a top-level
    product (at power 1)."""
    if expr == symbol:
        return True
    if not isinstance(expr, (sympy.Add, sympy.Mul)) or symbol not in expr.args:
        return False
    return all(not arg.has(symbol) for arg in expr.args if arg != symbol)
