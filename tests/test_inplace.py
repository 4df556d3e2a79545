"""The in-place printer: ufunc calls into preallocated arrays that compute
what the plain NumPy printer computes, in the arrays' own dtype."""

from __future__ import annotations

import functools

import numpy
import pytest
import sympy
from conftest import StrictNumpy

from derive.codegen.inplace import Unsupported, in_place_operand, inplace
from derive.printing.numpy import TrainerPrinter
from derive.spec import registry

a, z, y, C = sympy.symbols("a z y C", real=True)

EXPRESSIONS = [
    a * (1 - a) * (a - y),
    sympy.Rational(1, 2) * sympy.tanh(z / 2) + sympy.Rational(1, 2),
    1 - a**2,
    sympy.Heaviside(a, 0),
    sympy.Heaviside(z),
    1 - sympy.exp(-a),
    registry.softplus(z),
    registry.relu(-z) + 3,
    z / (1 + sympy.Abs(z)),
    1 / (1 + sympy.Abs(z)) ** 2,
    -2 * a / (y + 1),
    (a - y) ** 3,
    -((a - y) ** 4) / 4,
    sympy.sqrt(a**2 + 1),
    1 / sympy.sqrt(a + 2),
    sympy.Max(a, y, 0),
    sympy.Min(a, y),
    sympy.log(a) * y + (1 - y) * sympy.log(1 - a),
    -a - y,
    2 - a,
    a**y,
    sympy.sin(z) * sympy.cos(z) + sympy.atan(z) - sympy.sinh(z) / sympy.cosh(z),
    sympy.sign(z) * sympy.pi,
    a,
]

WITH_PRODUCT = [C * a * (1 - a), C * (1 - a**2), C * sympy.Heaviside(a, 0), C + y, C - 2 * y, C]


def _arrays(dtype):
    rng = numpy.random.default_rng(0)
    return {
        "a": rng.uniform(0.1, 0.9, (4, 3)).astype(dtype),
        "z": rng.normal(size=(4, 3)).astype(dtype),
        "y": rng.uniform(0.1, 0.9, (4, 3)).astype(dtype),
        "C": rng.normal(size=(4, 3)).astype(dtype),
    }


def run(program, arrays, out, strict=False):
    scratch = tuple(numpy.empty_like(out) for _ in range(program.scratch))
    namespace = {**arrays, "numpy": StrictNumpy() if strict else numpy}
    namespace.update(out=out, scratch=scratch)
    for line in program.lines:
        exec(line, namespace)
    return out


def plain(expr, arrays):
    code = TrainerPrinter().doprint(expr)
    return eval(code, {**arrays, "numpy": numpy, "functools": functools})


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=str)
@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
def test_the_calls_compute_what_the_plain_printer_computes(expr, dtype):
    arrays = _arrays(dtype)
    with numpy.errstate(all="ignore"):
        expected = plain(expr, arrays)
        got = run(inplace(expr), arrays, numpy.full((4, 3), numpy.nan, dtype), strict=True)
    assert got.dtype == dtype
    tolerance = 1e-12 if dtype == numpy.float64 else 1e-5
    numpy.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("expr", WITH_PRODUCT, ids=str)
def test_a_product_already_in_out_is_combined_in_place(expr):
    arrays = _arrays(numpy.float64)
    program = inplace(expr, holds=C)
    assert not any("C" in line.replace("numpy.", "") for line in program.lines)
    got = run(program, arrays, arrays["C"].copy())
    numpy.testing.assert_allclose(got, plain(expr, arrays), rtol=1e-12)


def test_out_is_held_only_where_it_is_read_once_and_at_the_top():
    assert in_place_operand(C * a, C) and in_place_operand(C + a, C) and in_place_operand(C, C)
    for expr in [C * a + 1, C**2, 2 * C + a, C * (1 - C), sympy.exp(C)]:
        assert not in_place_operand(expr, C)
        with pytest.raises(Unsupported):
            inplace(expr, holds=C)


def test_scratch_arrays_are_counted_and_only_those_are_used():
    program = inplace(a * (1 - a) * (a - y))
    assert program.scratch == 1
    nested = inplace((1 - a) * (2 - y) * sympy.exp(a - y) * (a + y))
    assert nested.scratch == 1
    deep = inplace(a * (1 - a * (2 - a * (3 - a))) + (1 - y) * (2 - y))
    assert deep.scratch >= 2
    arrays = _arrays(numpy.float64)
    run(deep, arrays, numpy.empty((4, 3)))  # an IndexError if it used more


def test_what_it_does_not_know_is_refused():
    with pytest.raises(Unsupported):
        inplace(sympy.atanh(z))
    with pytest.raises(Unsupported):
        inplace(sympy.Heaviside(z, y))


def test_the_strict_check_catches_an_upcast():
    out = numpy.ones(3, numpy.float32)
    StrictNumpy().multiply(out, 0.5, out=out)
    with pytest.raises(AssertionError, match="float64 into float32"):
        StrictNumpy().multiply(out, numpy.float64(0.5), out=out)
