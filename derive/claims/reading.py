"""A claim's tree read as a SymPy expression: the one walk over the node
classes of :mod:`derive.claims.syntax`, shared by the concrete reading
(:class:`derive.claims.meaning.Meaning`, a network's own symbols) and the
symbolic one (:mod:`derive.claims.symbolic`, any depth and width).

As SymPy's printers dispatch on ``_print_<Class>``, :meth:`Reading.read`
calls ``read_<Class>``.  The arithmetic is read here, once; a reading
supplies the quantities (``Ref``, ``Derivative``, ``Update``, ``Constant``,
``Call``, ``Sum``) and may refine the arithmetic (the concrete reading
refuses a division by zero).  A node with no method is :meth:`unknown`.
"""

from __future__ import annotations

import sympy


class Reading:
    def read(self, node, *context) -> sympy.Expr:
        """``node`` as SymPy; ``context`` (the concrete reading's index
        values) goes to every node below it."""
        method = getattr(self, "read_" + type(node).__name__, None)
        if method is None:
            return self.unknown(node)
        return method(node, *context)

    def unknown(self, node) -> sympy.Expr:
        raise TypeError(f"not a claim node: {node!r}")

    def read_Number(self, node, *context) -> sympy.Expr:
        return sympy.Rational(node.value.numerator, node.value.denominator)

    def read_Add(self, node, *context) -> sympy.Expr:
        return sympy.Add(*(self.read(term, *context) for term in node.terms))

    def read_Mul(self, node, *context) -> sympy.Expr:
        return sympy.Mul(*(self.read(factor, *context) for factor in node.factors))

    def read_Neg(self, node, *context) -> sympy.Expr:
        return -self.read(node.operand, *context)

    def read_Div(self, node, *context) -> sympy.Expr:
        return self.read(node.numerator, *context) / self.read(node.denominator, *context)

    def read_Pow(self, node, *context) -> sympy.Expr:
        return sympy.Pow(self.read(node.base, *context), self.read(node.exponent, *context))
