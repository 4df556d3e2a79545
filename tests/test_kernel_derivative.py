"""The kernel's differentiation by an indexed variable is SymPy's, node for
node: on every expression the proofs differentiate and on random ones."""

from __future__ import annotations

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.derivation.gradients import Derivation
from derive.derivation.indexed import a, b, w, y, z
from derive.model.network import Network
from derive.spec import registry
from derive.spec.network import parse_spec
from proofs.kernel import core as kernel_module
from proofs.kernel.differentiation import indexed_derivative
from proofs.run import run_proofs

I = sympy.Symbol("i", integer=True, positive=True)
J = sympy.Symbol("j", integer=True, positive=True)
U = sympy.Symbol("u", integer=True, positive=True)
G = sympy.Function("G")


def _fast(expr, variable):
    return indexed_derivative(expr, variable)


@pytest.mark.parametrize(
    "args",
    [
        ("3", "2,3,3,2"),
        ("3", "2,2,3,1", "x/(1+abs(x))", "log(cosh(yhat - y))"),
        ("4", "2,3,1,3,2", "relu,tanh,softplus,identity", "bce"),
        ("2", "2,3,2", "erf(x),sigmoid", "max(yhat - y, 0)^2"),
    ],
)
def test_every_derivative_the_proofs_take_is_sympys(args, monkeypatch):
    seen = []
    original = kernel_module._diff

    def recording(expr, variable, rule):
        seen.append((expr, variable))
        return original(expr, variable, rule)

    monkeypatch.setattr(kernel_module, "_diff", recording)
    derivation = Derivation(Network(parse_spec(*args)))
    strategies = ("layered", "walkthrough") + (("paths",) if args[0] == "3" else ())
    assert run_proofs(derivation, strategies).holds
    indexed = [(e, v) for e, v in seen if isinstance(v, sympy.Indexed)]
    assert len(indexed) > 10
    for expr, variable in indexed:
        assert _fast(expr, variable) == sympy.diff(expr, variable), (expr, variable)


_LEAVES = [
    a[1, I],
    a[1, J],
    a[1, 2],
    w[2, U, I],
    w[2, U, J],
    b[2, U],
    y[J],
    z[1, J],
    J,
    sympy.Rational(3, 2),
    2,
]
_FUNCTIONS = [
    sympy.exp,
    sympy.log,
    sympy.tanh,
    sympy.cos,
    sympy.Abs,
    sympy.erf,
    registry.sigmoid,
    registry.relu,
    registry.softplus,
    lambda u: sympy.Max(u, 0),
    lambda u: sympy.Heaviside(u),
    lambda u: G(u, a[1, J]),
    lambda u: sympy.KroneckerDelta(J, I) * u,
]


def _applied(function, argument):
    """function(argument), or the argument where SymPy refuses to build it
    (Max of a Sum: "The argument is not comparable"); the test is about
    differentiating what can be built."""
    try:
        return function(argument)
    except (ValueError, TypeError):
        return argument


_expressions = st.recursive(
    st.sampled_from(_LEAVES).map(sympy.sympify),
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda p: p[0] + p[1]),
        st.tuples(inner, inner).map(lambda p: p[0] * p[1]),
        st.tuples(inner, st.sampled_from([2, -1, sympy.Rational(1, 2)])).map(
            lambda p: p[0] ** p[1]
        ),
        st.tuples(inner, inner).map(lambda p: p[0] ** (p[1] / 4 + 1)),
        st.tuples(st.sampled_from(_FUNCTIONS), inner).map(lambda p: _applied(*p)),
        inner.map(lambda e: sympy.Sum(e, (I, 1, 3))),
        inner.map(lambda e: sympy.Sum(e, (I, 1, J))),
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(_expressions, st.sampled_from([a[1, J], a[1, 2], w[2, U, J], y[J], b[2, U]]))
def test_random_expressions_are_differentiated_as_sympy_does(expr, variable):
    assert _fast(expr, variable) == sympy.diff(expr, variable)


def test_a_sum_whose_bound_holds_the_variable_is_left_to_sympy():
    n = sympy.IndexedBase("n")
    total = sympy.Sum(a[1, I], (I, 1, n[1]))
    assert _fast(total, n[1]) == sympy.diff(total, n[1])
