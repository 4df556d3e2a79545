"""Every kernel rule accepts what it should and rejects what it must."""

from __future__ import annotations

import pytest
import sympy

from derive.spec.registry import f, fprime
from proofs.kernel import ASSUMED, ELEMENTARY, SYMPY, Kernel, ProofError

x, y, u, v = sympy.symbols("x y u v", real=True)
G = sympy.Function("G")


def test_reflexivity_symmetry_transitivity():
    k = Kernel()
    a = k.algebra((x + 1) ** 2, x**2 + 2 * x + 1)
    b = k.algebra(x**2 + 2 * x + 1, (x + 1) * (x + 1))
    assert k.transitivity(a, b).rhs == (x + 1) ** 2
    assert k.symmetry(a).lhs == a.rhs
    assert k.reflexivity(x).lhs == x
    with pytest.raises(ProofError, match="middle"):
        k.transitivity(a, k.reflexivity(y))


def test_algebra_accepts_identities_and_rejects_the_rest_with_a_counterexample():
    k = Kernel()
    k.algebra(sympy.tanh(x) ** 2 + 1 - sympy.tanh(x) ** 2, sympy.S.One)
    k.algebra(fprime(u) * (x + y), fprime(u) * x + y * fprime(u))
    with pytest.raises(ProofError) as error:
        k.algebra((x + 1) ** 2, x**2 + 1)
    assert error.value.counterexample is not None
    with pytest.raises(ProofError) as error:
        k.algebra(f(x) * y, fprime(x) * y)
    assert "counterexample" in str(error.value)


def test_a_counterexample_is_a_point_where_the_sides_differ():
    """A generic f is read as tanh and its fprime as tanh' = 1 − tanh²."""
    k = Kernel()
    with pytest.raises(ProofError) as error:
        k.algebra(f(x) * y + fprime(x), f(x) * y + 1 - f(x) ** 2 + x)
    point = error.value.counterexample
    assert set(point) == {"x"}  # y cancels
    assert abs(point["x"]) > 1e-9  # the sides differ by exactly x
    with pytest.raises(ProofError) as error:  # tanh' = 1 − tanh² holds: only x is off
        k.algebra(fprime(x), 1 - f(x) ** 2 + x)
    assert abs(error.value.counterexample["x"]) > 1e-9


def test_differentiation_is_sympys_and_labelled_so():
    k = Kernel()
    fact = k.differentiate(f(x * y), x)
    assert fact.rhs == y * fprime(x * y)
    assert fact.trust == SYMPY
    assert isinstance(fact.lhs, sympy.Derivative)


def test_differentiation_of_sums_with_symbolic_bounds_collapses_kronecker_deltas():
    n = sympy.Symbol("n", integer=True, positive=True)
    j, p = sympy.symbols("j p", integer=True, positive=True)
    w, z = sympy.IndexedBase("w"), sympy.IndexedBase("z")
    k = Kernel()
    conditions = [sympy.Q.le(1, p), sympy.Q.le(p, n)]
    fact = k.differentiate(sympy.Sum(w[j] * f(z[j]), (j, 1, n)), z[p], conditions)
    assert fact.rhs == w[p] * fprime(z[p])


def test_instantiation_renames_variables_and_functions_only():
    k = Kernel()
    fact = k.differentiate(G(x * y), x)
    H = sympy.Function("H")
    renamed = k.instantiate(fact, {x: u, y: v + 1, G: H})
    assert renamed.lhs == sympy.Derivative(H(u * (v + 1)), u)
    assert sympy.expand(renamed.rhs - (v + 1) * H(u * (v + 1)).fdiff(1)) == 0
    with pytest.raises(ProofError, match="not a variable"):
        k.instantiate(fact, {x * y: u})
    with pytest.raises(ProofError, match="differentiated by"):
        k.instantiate(fact, {x: u + 1})


def test_instantiation_cannot_capture_the_variable_differentiated_by():
    """∂/∂x G(x·y) = y·G'(x·y) must not yield ∂/∂x G(x²) = x·G'(x²)."""
    k = Kernel()
    fact = k.differentiate(G(x * y), x)
    with pytest.raises(ProofError, match="capture"):
        k.instantiate(fact, {y: x})
    with pytest.raises(ProofError, match="capture"):
        k.instantiate(fact, {x: u, y: u + 1})
    k.instantiate(fact, {x: u, y: x})  # x is no longer the variable: fine


def test_definitions_are_fresh_and_cannot_be_changed():
    k = Kernel()
    k.define(u, x + y)
    with pytest.raises(ProofError, match="not a new name"):
        k.define(u, x + y)  # not even alike: the first definition mentions u
    with pytest.raises(ProofError, match="not a new name"):
        k.define(u, x - y)
    with pytest.raises(ProofError, match="own definition"):
        k.define(v, v + 1)
    with pytest.raises(ProofError, match="not a name"):
        k.define(x + y, u)
    with pytest.raises(ProofError, match="defined name"):
        k.instantiate(k.reflexivity(u), {u: x})


def test_rewrite_replaces_equals_by_equals_and_refuses_a_no_op():
    k = Kernel()
    fact = k.algebra(x * (y + 1), x * y + x)
    definition = k.symmetry(k.define(v, x * y))
    rewritten = k.rewrite(fact, definition)
    assert rewritten.rhs == v + x
    with pytest.raises(ProofError, match="does not occur"):
        k.rewrite(fact, k.symmetry(k.define(u, y**7)))


def test_rewrite_refuses_to_touch_a_variable_being_differentiated():
    k = Kernel()
    fact = k.reflexivity(sympy.Derivative(G(u), u))
    with pytest.raises(ProofError, match="differentiated by"):
        k.rewrite(fact, k.symmetry(k.define(v, u + 1)))


def test_assumptions_are_named_and_carried_into_every_consequence():
    k = Kernel()
    assumed = k.assume("chain rule", G(x).diff(x), sympy.S.Zero, "for the test")
    later = k.transitivity(assumed, k.reflexivity(sympy.S.Zero))
    assert later.assumptions == {"chain rule"}
    assert k.report()[ASSUMED] == 1
    assert k.assumed == {"chain rule": "for the test"}


def test_report_counts_each_kind_of_trust():
    k = Kernel()
    k.reflexivity(x)
    k.algebra(x + x, 2 * x)
    assert k.report() == {ELEMENTARY: 1, SYMPY: 1, ASSUMED: 0}


def test_a_variable_a_definition_hides_cannot_be_instantiated():
    """d := G'(x) makes d depend on G; renaming G in a fact about d would
    change what d means, so it is refused.  A variable the name shows (the
    layer λ in δ[λ + 1]) may be instantiated: the definition is a family."""
    k = Kernel()
    d = sympy.Symbol("d")
    definition = k.define(d, sympy.Derivative(G(x), x))
    with pytest.raises(ProofError, match="definition whose name does not show it"):
        k.instantiate(definition, {G: sympy.Function("H")})
    lam = sympy.Symbol("lam", integer=True)
    delta = sympy.IndexedBase("delta")
    family = k.define(delta[lam + 1], G(lam) * x)
    instance = k.instantiate(family, {lam: 2})
    assert instance.lhs == delta[3] and instance.rhs == G(2) * x


def test_instantiation_reaches_inside_indexed_objects():
    k = Kernel()
    lam = sympy.Symbol("lam", integer=True)
    w = sympy.IndexedBase("w")
    fact = k.algebra(w[lam + 1, 1] * 2, w[lam + 1, 1] + w[lam + 1, 1])
    assert k.instantiate(fact, {lam: 4}).lhs == 2 * w[5, 1]


def test_sum_expansion_writes_out_integer_bounds_only():
    k = Kernel()
    r = sympy.Symbol("r", integer=True)
    t = sympy.IndexedBase("t")
    fact = k.expand_sum(sympy.Sum(t[r] * x**r, (r, 1, 3)))
    assert fact.rhs == t[1] * x + t[2] * x**2 + t[3] * x**3
    assert fact.trust == ELEMENTARY
    m = sympy.Symbol("m", integer=True)
    with pytest.raises(ProofError, match="small integers"):
        k.expand_sum(sympy.Sum(t[r], (r, 1, m)))
    with pytest.raises(ProofError, match="not a sum"):
        k.expand_sum(t[1] + t[2])


def test_simplification_writes_named_functions_out_by_their_own_rules():
    from derive.spec.registry import relu, sigmoid, softplus

    k = Kernel()
    fact = k.simplification(sigmoid(x), 1 - sympy.exp(-softplus(x)))
    assert fact.trust == SYMPY
    k.simplification(sympy.Heaviside(x, 0), sympy.Heaviside(relu(x), 0))
    with pytest.raises(ProofError, match="differ"):
        k.simplification(sympy.Heaviside(x, 0), sympy.Heaviside(relu(x), 1))
    with pytest.raises(ProofError, match="differ"):
        k.simplification(sigmoid(x), 1 - sympy.exp(-softplus(2 * x)))


def test_simplification_takes_no_definitions_from_its_caller():
    """A caller-supplied G := 0 once proved G(x) = 0 for an unknown G."""
    k = Kernel()
    with pytest.raises(TypeError):
        k.simplification(G(x), sympy.Integer(0), {G: sympy.Lambda(x, 0)})
    with pytest.raises(ProofError, match="differ"):
        k.simplification(G(x), sympy.Integer(0))


def test_a_width_of_one_pins_the_unit_index():
    """Under 1 ≤ j ≤ 1 the unit is j = 1; any other reading is refused."""
    k = Kernel()
    j = sympy.Symbol("j", integer=True, positive=True)
    z = sympy.IndexedBase("z", real=True)
    one = [sympy.Q.le(1, j), sympy.Q.le(j, 1)]
    k_ = sympy.Symbol("k", integer=True)
    total = sympy.Sum(z[k_] ** 2, (k_, 1, 1))
    fact = k.differentiate(total, z[j], one)
    k.equal_by_algebra(fact, 2 * z[j])
    with pytest.raises(ProofError, match="differ"):
        k.equal_by_algebra(fact, 2 * z[j] * 3)
    two = [sympy.Q.le(1, j), sympy.Q.le(j, 2)]
    with pytest.raises(ProofError, match="differ"):
        k.algebra(z[1], z[j], two)


def test_odd_and_even_functions_of_opposite_arguments_are_compared_exactly():
    """|ŷ − y| differentiates to sign(ŷ − y) in one derivation and −sign(y − ŷ)
    in another: equal, since sign is odd; a sign error must still show."""
    from proofs.kernel.algebra import is_zero

    a, y = sympy.symbols("a y", real=True)
    assert is_zero(sympy.sign(a - y) + sympy.sign(y - a))
    assert is_zero(sympy.Abs(a - y) - sympy.Abs(y - a))
    assert is_zero(sympy.tanh(a - y) + sympy.tanh(y - a))
    assert not is_zero(sympy.sign(a - y) - sympy.sign(y - a))
    assert not is_zero(sympy.Abs(a - y) + sympy.Abs(y - a))
    assert not is_zero(sympy.cosh(a - y) + sympy.cosh(y - a))


def test_an_absolute_value_loss_is_proved(tmp_path):
    from derive.cli import main

    assert main(["--layers", "2", "--loss", "abs(yhat - y)", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "derivation.tex").exists()


# -- the finite chain rule ------------------------------------------------------

X = sympy.IndexedBase("x", real=True)
V = sympy.IndexedBase("v", real=True)
W = sympy.IndexedBase("w", real=True)
Q = sympy.IndexedBase("q", real=True)
E = sympy.Symbol("E")
J, R, U, I = sympy.symbols("j r u i", integer=True, positive=True)
WITHIN_3 = [sympy.Q.le(1, J), sympy.Q.le(J, 3)]


def _layer(k: Kernel, width: int = 3, inputs: int = 3) -> None:
    """v_u := Σ_i w_ui x_i for u = 1..width, E := Σ_u sin(v_u)."""
    k.define_family(V[1, U], sympy.Sum(W[1, U, I] * X[I], (I, 1, inputs)), width)
    k.define(E, sympy.Sum(sympy.sin(V[1, U]), (U, 1, width)))


def _written_out(expr, width, inputs=3):
    """``expr`` with every sum written out and v, ∂E/∂v replaced by their
    values: what the chain rule's right side means, computed by SymPy."""
    from proofs.kernel import Partial

    v = {r: sum(W[1, r, i] * X[i] for i in range(1, inputs + 1)) for r in range(1, width + 1)}
    done = expr.replace(lambda n: isinstance(n, sympy.Sum), lambda n: n.doit())
    done = done.replace(
        lambda n: isinstance(n, Partial), lambda n: sympy.cos(v[int(n.args[1].indices[1])])
    )
    return done.xreplace({V[1, r]: v[r] for r in v})


@pytest.mark.parametrize("width", [1, 3, 5])
def test_the_finite_chain_rule_agrees_with_differentiating_the_written_out_loss(width):
    k = Kernel()
    _layer(k, width)
    fact = k.chain_rule(E, X[J], V[1, U], R, WITHIN_3)
    assert fact.trust == SYMPY and fact.rule == "finite chain rule"
    assert fact.rhs.has(sympy.Sum)  # the sum over the width stays a sum
    written = sum(sympy.sin(sum(W[1, r, i] * X[i] for i in (1, 2, 3))) for r in range(1, width + 1))
    for unit in (1, 2, 3):
        expected = sympy.diff(written, X[unit])
        assert sympy.simplify(_written_out(fact.rhs.xreplace({J: unit}), width) - expected) == 0


def test_the_finite_chain_rule_costs_the_same_at_any_width():
    narrow, wide = Kernel(), Kernel()
    _layer(narrow, 8, 8)
    _layer(wide, 1024, 1024)
    small = narrow.chain_rule(E, X[J], V[1, U], R, [sympy.Q.le(1, J), sympy.Q.le(J, 8)])
    large = wide.chain_rule(E, X[J], V[1, U], R, [sympy.Q.le(1, J), sympy.Q.le(J, 1024)])
    assert large.rhs == small.rhs.xreplace({sympy.Integer(8): sympy.Integer(1024)})


def test_the_chain_rule_is_refused_where_E_also_depends_on_u_directly():
    k = Kernel()
    k.define_family(V[1, U], sympy.Sum(W[1, U, I] * X[I], (I, 1, 3)), 3)
    k.define(E, sympy.Sum(sympy.sin(V[1, U]), (U, 1, 3)) + X[2] ** 2)
    with pytest.raises(ProofError, match="other than through v"):
        k.chain_rule(E, X[J], V[1, U], R, WITHIN_3)


def test_the_chain_rule_is_refused_where_E_depends_on_u_through_another_quantity():
    k = Kernel()
    k.define_family(V[1, U], sympy.Sum(W[1, U, I] * X[I], (I, 1, 3)), 3)
    k.define_family(Q[1, U], 2 * X[U], 3)
    k.define(E, sympy.Sum(sympy.sin(V[1, U]) + Q[1, U], (U, 1, 3)))
    with pytest.raises(ProofError, match="other than through v"):
        k.chain_rule(E, X[J], V[1, U], R, WITHIN_3)


def test_the_chain_rule_is_refused_where_the_inner_definition_hides_u():
    """v_u names q_u, which is built from x: ∂v/∂x by SymPy would miss it."""
    k = Kernel()
    k.define_family(Q[1, U], 2 * X[U], 3)
    k.define_family(V[1, U], sympy.Sum(W[1, U, I] * Q[1, I], (I, 1, 3)), 3)
    k.define(E, sympy.Sum(sympy.sin(V[1, U]), (U, 1, 3)))
    with pytest.raises(ProofError, match="use the chain rule"):
        k.chain_rule(E, X[J], V[1, U], R, WITHIN_3)
    # Through q first, then through v, it is accepted.
    assert k.chain_rule(E, X[J], Q[1, U], R, WITHIN_3).rhs.has(sympy.Sum) is False


def test_a_definition_may_not_name_units_beyond_a_familys_bound():
    k = Kernel()
    k.define_family(V[1, U], sympy.Sum(W[1, U, I] * X[I], (I, 1, 3)), 3)
    with pytest.raises(ProofError, match="beyond 1 … 3"):
        k.define(E, sympy.Sum(sympy.sin(V[1, U]), (U, 1, 4)))
    with pytest.raises(ProofError, match="beyond 1 … 3"):
        k.define(E, sympy.sin(V[1, J]))  # a free index could be anything


def test_families_never_refer_back_and_their_units_are_not_redefined():
    k = Kernel()
    k.define_family(V[1, U], sympy.Sum(W[1, U, I] * Q[1, I], (I, 1, 3)), 3)
    with pytest.raises(ProofError, match="earlier definition|not a new name"):
        k.define_family(Q[1, U], V[1, U], 3)  # q named by v, defined after it: a cycle
    with pytest.raises(ProofError, match="named by a family|not a new name"):
        k.define(V[1, 2], sympy.Integer(0))  # a second value for v_2
    with pytest.raises(ProofError, match="not a new name"):
        k.define_family(V[1, U], sympy.Integer(0), 3)
    with pytest.raises(ProofError, match="itself"):
        k.define_family(Q[2, U], Q[2, U] + 1, 3)
    k.define(E, sympy.Sum(Q[3, U], (U, 1, 3)))
    with pytest.raises(ProofError, match="earlier definition|not a new name"):
        k.define_family(Q[3, U], X[U], 3)  # E would have been built from a leaf, then not


def test_the_chain_rule_needs_a_fresh_summation_index_and_a_family():
    k = Kernel()
    _layer(k)
    with pytest.raises(ProofError, match="fresh"):
        k.chain_rule(E, X[J], V[1, U], J, WITHIN_3)
    with pytest.raises(ProofError, match="not a unit of a defined family"):
        k.chain_rule(E, X[J], W[1, U, I], R, WITHIN_3)
    with pytest.raises(ProofError, match="one of the units"):
        k.chain_rule(E, V[1, J], V[1, U], R, WITHIN_3)


def test_kronecker_deltas_collapse_only_inside_the_bounds():
    """Σ_{r=1}^{3} [r = j] t_r is t_j only for 1 ≤ j ≤ 3: without that
    condition the sum stays."""
    k = Kernel()
    _layer(k)
    bounded = k.chain_rule(E, W[1, J, 2], V[1, U], R, WITHIN_3)
    assert not bounded.rhs.has(sympy.Sum, sympy.KroneckerDelta)
    unbounded = k.chain_rule(E, W[1, J, 2], V[1, U], R, [sympy.Q.le(1, J)])
    assert unbounded.rhs.has(sympy.Sum)


def test_a_partial_derivative_is_inert_and_sympy_may_not_differentiate_it():
    from proofs.kernel import Partial

    k = Kernel()
    _layer(k)
    node = Partial(E, V[1, J])
    assert node.doit() == node
    with pytest.raises(ProofError, match="cannot be differentiated|built from"):
        k.differentiate(node * X[1], X[1])  # SymPy alone would say 0
    k.define_family(Q[1, U], Partial(E, V[1, U]), 3)
    k.define(sympy.Symbol("F"), sympy.Sum(Q[1, U], (U, 1, 3)))
    with pytest.raises(ProofError):
        k.chain_rule(sympy.Symbol("F"), X[J], Q[1, U], R, WITHIN_3)
    direct = k.partial(E, V[1, J], WITHIN_3)
    assert direct.rhs == sympy.cos(V[1, J])
    with pytest.raises(ProofError, match="use the chain rule"):
        k.partial(E, X[J], WITHIN_3)  # E names v, which is built from x


def test_sums_compare_as_wholes_and_long_sums_are_never_written_out():
    k = Kernel()
    long = sympy.Sum(W[1, J, I] * X[I], (I, 1, 784))
    assert k.algebra(2 * long * x, x * long + long * x).trust == SYMPY
    other = sympy.Sum(W[1, J, I] * X[I], (I, 1, 783))
    with pytest.raises(ProofError, match="each sum taken as a whole"):
        k.algebra(long, other + W[1, J, 784] * X[784])


# -- routes to a false fact that a review found, each refused -------------------


def test_a_familys_constants_cannot_be_instantiated():
    """v_u := c·x_u, then c := 0 and c := 1 would give 0 = 1."""
    k = Kernel()
    c = sympy.Symbol("c")
    fact = k.define_family(V[1, U], c * X[U], 3)
    with pytest.raises(ProofError, match="occurs in a definition"):
        k.instantiate(fact, {c: 0})


def test_instantiation_cannot_capture_a_summation_index():
    k = Kernel()
    fact = k.define_family(
        V[1, U], sympy.Sum(sympy.KroneckerDelta(U, I) * sympy.KroneckerDelta(I, 1), (I, 1, 3)), 3
    )
    with pytest.raises(ProofError, match="captured by the sum"):
        k.instantiate(fact, {U: I})
    with pytest.raises(ProofError, match="summation index"):
        k.instantiate(fact, {I: 2})


def test_the_variable_of_a_derivative_may_not_be_a_summation_index():
    """In E := Σ_u (u − 1) v_u, "∂E/∂v_u" with the bound u is no derivative."""
    k = Kernel()
    k.define_family(V[1, U], sympy.Sum(W[1, U, I] * X[I], (I, 1, 3)), 3)
    k.define(E, sympy.Sum((U - 1) * V[1, U], (U, 1, 2)))
    with pytest.raises(ProofError, match="summation index"):
        k.partial(E, V[1, U])
    with pytest.raises(ProofError, match="summation index"):
        k.chain_rule(E, X[I], V[1, U], R, [sympy.Q.le(1, I), sympy.Q.le(I, 3)])


def test_conditions_may_not_speak_of_a_summation_index():
    """1 ≤ r ≤ 3 beside Σ_{r=4}^{4} would collapse a delta that is 0."""
    k = Kernel()
    inner = sympy.Sum(sympy.KroneckerDelta(R, I) * X[I], (I, 1, 3))
    expr = x * sympy.Sum(2 * inner, (R, 4, 4))
    with pytest.raises(ProofError, match="names the summation index"):
        k.differentiate(expr, x, [sympy.Q.le(1, R), sympy.Q.le(R, 3)])


def test_a_delta_collapses_only_at_an_integer():
    k = Kernel()
    k.define_family(V[1, U], 2 * X[U], 3)
    k.define(E, sympy.Sum(3 * V[1, U], (U, 1, 3)))
    j = sympy.Symbol("j")  # 1 ≤ j ≤ 3 does not make j a unit: j = 3/2
    with pytest.raises(ProofError, match="not an integer"):
        k.partial(E, V[1, j], [sympy.Q.le(1, j), sympy.Q.le(j, 3)])
    with pytest.raises(ProofError, match="not an integer"):
        k.algebra(
            sympy.Sum(sympy.KroneckerDelta(R, j) * X[R], (R, 1, 3)),
            X[j],
            [sympy.Q.le(1, j), sympy.Q.le(j, 3)],
        )


def test_a_symbolic_layer_may_be_any_family():
    """E names v[L, u] beside the family v[1, u]: with L = 1, E is built from x."""
    k = Kernel()
    layer = sympy.Symbol("L")
    k.define_family(V[1, U], 2 * X[U], 3)
    k.define_family(Q[1, U], W[U], 3)
    k.define(E, sympy.Sum(Q[1, U] + V[layer, U], (U, 1, 3)))
    with pytest.raises(ProofError, match="other than through q"):
        k.chain_rule(E, X[J], Q[1, U], R, WITHIN_3)


def test_families_of_one_base_may_not_overlap():
    k = Kernel()
    k.define_family(V[1, U], sympy.Integer(0), 3)
    with pytest.raises(ProofError, match="overlaps|not a new name"):
        k.define_family(V[U, 1], sympy.Integer(1), 3)  # both would define v[1, 1]


def test_a_conditional_equation_is_used_inside_a_sum_only_within_its_range():
    k = Kernel()
    k.define_family(V[1, U], X[U], 2)
    k.define(E, sympy.Sum(3 * V[1, U], (U, 1, 1)))
    at_one = k.partial(E, V[1, J], [sympy.Q.le(1, J), sympy.Q.le(J, 1)])
    with pytest.raises(ProofError, match="not known to hold"):
        k.rewrite(k.reflexivity(sympy.Sum(at_one.lhs, (J, 1, 2))), at_one)
    inside = k.rewrite(k.reflexivity(sympy.Sum(at_one.lhs, (J, 1, 1))), at_one)
    assert not inside.conditions  # discharged: the sum runs within 1 … 1


@pytest.mark.parametrize("hidden", [sympy.IndexedBase("y")[7], G(x)])
def test_what_a_name_is_built_from_follows_every_definition(hidden):
    """E names y_7 (or G(x)), defined as Σ v_u, and v is built from x."""
    k = Kernel()
    k.define_family(V[1, U], 2 * X[U], 3)
    k.define_family(Q[1, U], W[U], 3)
    k.define(hidden, sympy.Sum(V[1, U], (U, 1, 3)))
    k.define(E, sympy.Sum(Q[1, U], (U, 1, 3)) + hidden)
    with pytest.raises(ProofError, match="other than through q"):
        k.chain_rule(E, X[J], Q[1, U], R, WITHIN_3)
    with pytest.raises(ProofError, match="use the chain rule"):
        k.partial(E, X[J], WITHIN_3)


def test_the_shared_differentiation_refuses_a_partial_too():
    from proofs.kernel import Partial

    k = Kernel()
    k.define_family(V[1, U], 2 * X[U], 1)
    k.define(E, sympy.Sum(V[1, U] ** 2, (U, 1, 1)))
    with pytest.raises(ProofError, match="cannot be differentiated|compare names|built from"):
        k.differentiate(Partial(E, V[1, 1]), X[1], shared=True)
    with pytest.raises(ProofError, match="cannot be differentiated|built from"):
        k.differentiate(Partial(E, V[1, 1]) * x, x, shared=True)


def test_a_sum_compared_by_its_body_keeps_its_bounds():
    """Σ_{h=2}^{2} Σ_{s=1}^{h} [s = 3] is 0, not Σ_{s=1}^{h} [s = 3] for every h."""
    k = Kernel()
    term = sympy.KroneckerDelta(I, 3)
    with pytest.raises(ProofError):
        k.algebra(sympy.Sum(term, (I, 1, R), (R, 2, 2)), sympy.Sum(term, (I, 1, R)))


def test_a_sum_that_runs_backwards_is_refused():
    """Σ_{i=3}^{1} is 0 by expansion and −1 by SymPy's convention."""
    k = Kernel()
    backwards = sympy.Sum(sympy.Integer(1), (I, 3, 1))
    with pytest.raises(ProofError, match="runs backwards"):
        k.expand_sum(backwards)
    with pytest.raises(ProofError, match="runs backwards"):
        k.algebra(backwards, sympy.Integer(-1))


def test_a_condition_is_discharged_only_where_the_equation_is_used_inside_the_sum():
    """x₁ = x_j under j = 1 must not rewrite the x₁ outside Σ_{j=1}^{1}."""
    k = Kernel()
    condition = [sympy.Q.le(1, J), sympy.Q.le(J, 1)]
    equation = k.symmetry(k.algebra(X[J], X[1], condition))
    with pytest.raises(ProofError, match="not known to hold"):
        k.rewrite(k.reflexivity(X[1] + sympy.Sum(X[1], (J, 1, 1))), equation)


def test_a_delta_collapse_does_not_reach_into_a_sum_that_rebinds_its_index():
    """Σ_r [r = j] Σ_r x_r w_j is w_j Σ_r x_r, not Σ_j x_j w_j."""
    k = Kernel()
    inner = sympy.Sum(X[R] * W[J], (R, 1, 3))
    fact = k.differentiate(
        x * sympy.Sum(sympy.KroneckerDelta(R, J) * inner, (R, 1, 3)), x, WITHIN_3
    )
    written = fact.rhs.doit().xreplace({J: 1})
    assert sympy.expand(written - (X[1] + X[2] + X[3]) * W[1]) == 0


def test_a_pinned_index_is_not_captured_when_sum_bodies_are_compared():
    """Σ_{s=h}^{h} Σ_{h=1}^{3} x_h v_s (h free in the outer bound) is
    v_h (x₁ + x₂ + x₃), not Σ_h x_h v_h."""
    k = Kernel()
    H = sympy.Symbol("h", integer=True, positive=True)
    lhs = sympy.Sum(X[H] * V[I], (H, 1, 3), (I, H, H))
    assert k.algebra(lhs, V[H] * (X[1] + X[2] + X[3])).rhs.has(V[H])
    with pytest.raises(ProofError):
        k.algebra(lhs, sympy.Sum(X[H] * V[H], (H, 1, 3)))


def test_a_unit_or_summation_index_is_never_captured_by_a_familys_own_sum():
    k = Kernel()
    k.define_family(V[1, U], sympy.Sum(W[U, R] * X[R], (R, 1, 2)), 2)
    k.define(E, V[1, 1])
    with pytest.raises(ProofError, match="fresh"):
        k.chain_rule(E, X[J], V[1, U], R, [sympy.Q.le(1, J), sympy.Q.le(J, 2)])
    with pytest.raises(ProofError, match="summed over"):
        k.partial(V[1, R], X[1])


def test_a_discharged_condition_stays_on_the_fact_it_came_with():
    """x_j = x₁ for j = 1, rewritten to x_j = Σ_{j=1}^{1} x_j and then inside
    that sum: the fact's own condition on the free j must stay."""
    k = Kernel()
    condition = [sympy.Q.le(1, J), sympy.Q.le(J, 1)]
    at_one = k.algebra(X[J], X[1], condition)
    summed = k.rewrite(at_one, k.algebra(X[1], sympy.Sum(X[J], (J, 1, 1))))
    inside = k.rewrite(summed, at_one)
    assert set(condition) <= inside.conditions


def test_equals_are_not_replaced_inside_a_partial_derivative():
    """E := v + q and E₂ := 6v are equal, but ∂E/∂v = 1 and ∂E₂/∂v = 6."""
    from proofs.kernel import Partial

    k = Kernel()
    k.define_family(V[1, U], X[U], 1)
    other = sympy.Symbol("F")
    same = k.transitivity(k.define(E, V[1, 1]), k.symmetry(k.define(other, V[1, 1])))
    with pytest.raises(ProofError, match="occurs inside"):
        k.rewrite(k.reflexivity(Partial(E, V[1, 1])), same)


def test_indexed_variables_are_not_differentiated_by_name_or_by_a_summed_index():
    k = Kernel()
    with pytest.raises(ProofError, match="compare names"):
        k.differentiate(X[1] * x, X[J], shared=True)
    with pytest.raises(ProofError, match="summation index"):
        k.differentiate(sympy.Sum(X[I] ** 2, (I, 1, 3)), X[I])


def test_a_function_defined_at_one_argument_may_be_built_from_anything_at_another():
    """G(t) := v₁ and E := G(s): E may be built from x through G."""
    k = Kernel()
    t, s_ = sympy.symbols("t s")
    k.define_family(V[1, U], X[U], 1)
    k.define(G(t), V[1, 1])
    k.define(E, G(s_))
    with pytest.raises(ProofError, match="use the chain rule"):
        k.partial(E, X[1])


def test_a_sum_of_kronecker_deltas_collapses_only_where_the_conditions_say_so():
    """Σ_{k=1}^{n} [k = j] y_k is y_j under 1 ≤ j ≤ n, decided without SymPy's
    assumption system; with j ≤ n unstated (or another bound stated) it is
    not, since j may lie beyond the sum."""
    from derive.notation.quantities import J, K, n
    from derive.notation.quantities import y as targets

    total = sympy.Sum(sympy.KroneckerDelta(J, K) * targets[K], (K, 1, n[1]))
    kernel = Kernel()
    fact = kernel.algebra(total, targets[J], [sympy.Q.le(1, J), sympy.Q.le(J, n[1])])
    assert fact.rhs == targets[J]
    for conditions in ([sympy.Q.le(1, J)], [sympy.Q.le(1, J), sympy.Q.le(J, n[2])]):
        with pytest.raises(ProofError):
            Kernel().algebra(total, targets[J], conditions)
