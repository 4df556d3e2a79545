"""derive.claims.reading: the one walk that reads a claim's tree as SymPy."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy

from derive.claims.reading import Reading
from derive.claims.syntax import Add, Div, Mul, Neg, Number, Pow, Ref


def test_the_arithmetic_is_read_exactly():
    half, three = Number(Fraction(1, 2)), Number(Fraction(3))
    tree = Add((Mul((three, half)), Neg(Div(three, Pow(half, Number(Fraction(-2)))))))
    assert Reading().read(tree) == sympy.Rational(3, 2) - sympy.Rational(3, 4)


def test_a_node_without_a_method_is_refused_by_name():
    with pytest.raises(TypeError, match="not a claim node"):
        Reading().read(Ref("x"))


def test_a_reading_supplies_the_quantities_and_passes_its_context_down():
    class Letters(Reading):
        def read_Ref(self, node, values):
            return values[node.name]

    tree = Add((Ref("a"), Mul((Number(Fraction(2)), Ref("b")))))
    assert Letters().read(tree, {"a": 1, "b": 5}) == 11
