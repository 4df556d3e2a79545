"""The kernel accepts as a premise only a fact it issued, unchanged, and its
definitions only introduce new names: no route through the public rules
reaches a false fact."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import random

import pytest
import sympy

from proofs.kernel import ELEMENTARY, Fact, Kernel, ProofError

x, y, z = sympy.symbols("x y z", real=True)
f = sympy.Function("f")
G = sympy.Function("G")


@pytest.fixture
def issued():
    kernel = Kernel()
    return kernel, kernel.algebra(x + x, 2 * x)


def _forged_by_replace(fact):
    return dataclasses.replace(fact, rhs=x + 1)


def _forged_by_copy(fact):
    forged = copy.copy(fact)
    object.__setattr__(forged, "rhs", x + 1)
    return forged


def _forged_by_deepcopy(fact):
    forged = copy.deepcopy(fact)
    forged.__dict__["rhs"] = x + 1
    return forged


def _forged_by_pickle(fact):
    forged = pickle.loads(pickle.dumps(fact))
    object.__setattr__(forged, "rhs", x + 1)
    return forged


def _forged_by_subclass(fact):
    class Trusted(Fact):
        pass

    return Trusted(fact.lhs, x + 1, fact.rule, fact.trust)


def _forged_by_construction(fact):
    return Fact(fact.lhs, x + 1, "algebra", ELEMENTARY)


FORGERIES = [
    _forged_by_replace,
    _forged_by_copy,
    _forged_by_deepcopy,
    _forged_by_pickle,
    _forged_by_subclass,
    _forged_by_construction,
]


@pytest.mark.parametrize("forge", FORGERIES, ids=lambda forge: forge.__name__[len("_forged_by_") :])
def test_a_forged_fact_is_refused_as_a_premise(issued, forge):
    kernel, fact = issued
    forged = forge(fact)
    with pytest.raises(ProofError, match="did not issue|must be a Fact"):
        kernel.symmetry(forged)
    with pytest.raises(ProofError, match="did not issue|must be a Fact"):
        kernel.transitivity(kernel.reflexivity(x + x), forged)


def test_an_issued_fact_changed_in_place_is_refused(issued):
    kernel, fact = issued
    object.__setattr__(fact, "rhs", x + 1)
    with pytest.raises(ProofError, match="changed after"):
        kernel.symmetry(fact)


def test_a_fact_of_another_kernel_is_refused(issued):
    _, fact = issued
    with pytest.raises(ProofError, match="did not issue"):
        Kernel().symmetry(fact)


def test_an_issued_fact_is_accepted(issued):
    kernel, fact = issued
    assert kernel.symmetry(fact).rhs == x + x


# -- definitions introduce new names ---------------------------------------------------


def test_define_instantiate_define_cannot_prove_zero_equals_one():
    kernel = Kernel()
    first = kernel.define(f(x), sympy.Integer(0))
    at_y = kernel.instantiate(first, {x: y})
    assert at_y.lhs == f(y) and at_y.rhs == 0  # true: f is 0 everywhere
    with pytest.raises(ProofError, match="not a new name"):
        kernel.define(f(y), sympy.Integer(1))


@pytest.mark.parametrize(
    "mention, name",
    [(x + 1, x), (G(y), G(z)), (sympy.IndexedBase("w")[1, 2], sympy.IndexedBase("w")[1, 2])],
    ids=["symbol", "function", "indexed"],
)
def test_a_name_an_earlier_fact_mentions_cannot_be_defined(mention, name):
    kernel = Kernel()
    kernel.reflexivity(mention)
    with pytest.raises(ProofError, match="not a new name"):
        kernel.define(name, sympy.Integer(5))


def test_a_family_over_a_mentioned_unit_cannot_be_defined():
    kernel, a = Kernel(), sympy.IndexedBase("a")
    u = sympy.Symbol("u", integer=True, positive=True)
    kernel.reflexivity(a[1, 2] ** 2)
    with pytest.raises(ProofError, match="not a new name"):
        kernel.define_family(a[1, u], sympy.Integer(0), 3)


def test_a_name_cannot_be_defined_twice_even_alike():
    kernel = Kernel()
    kernel.define(z, x + 1)
    with pytest.raises(ProofError, match="not a new name"):
        kernel.define(z, x + 1)


# -- a search of short sequences of the public rules for a false fact ---------------------

_EXPRESSIONS = [x, y, sympy.Integer(0), sympy.Integer(1), x + 1, f(x), f(y), G(x), x * y, z]
_NAMES = [f(x), f(y), G(x), G(y), z, y]


def _step(kernel: Kernel, facts: list, rng: random.Random) -> None:
    """One random application of a public rule; refusals are fine."""
    pick = lambda pool: pool[rng.randrange(len(pool))]  # noqa: E731
    rule = rng.randrange(9)
    try:
        if rule == 0:
            facts.append(kernel.reflexivity(pick(_EXPRESSIONS)))
        elif rule == 1:
            facts.append(kernel.define(pick(_NAMES), pick(_EXPRESSIONS)))
        elif rule == 2 and facts:
            facts.append(kernel.symmetry(pick(facts)))
        elif rule == 3 and facts:
            facts.append(kernel.transitivity(pick(facts), pick(facts)))
        elif rule == 4 and facts:
            variable = pick([x, y, z])
            facts.append(kernel.instantiate(pick(facts), {variable: pick(_EXPRESSIONS)}))
        elif rule == 5 and facts:
            facts.append(kernel.rewrite(pick(facts), pick(facts)))
        elif rule == 6:
            facts.append(kernel.algebra(pick(_EXPRESSIONS), pick(_EXPRESSIONS)))
        elif rule == 7:
            facts.append(kernel.differentiate(pick(_EXPRESSIONS) * x, x))
        elif rule == 8 and facts:
            facts.append(kernel.rewrite_all(pick(facts), [pick(facts), pick(facts)]))
    except ProofError:
        pass


def _false(kernel: Kernel, fact: Fact, rng: random.Random) -> bool:
    """Whether ``fact`` fails at a random point, every defined name read by
    its definition and every other function a fixed concrete one."""
    expr = fact.lhs - fact.rhs
    for _ in range(4):  # definitions may refer to earlier ones
        for name, value in kernel._definitions.items():
            if isinstance(name, sympy.Symbol):
                expr = expr.xreplace({name: value})
            else:
                arguments = name.args
                expr = expr.replace(
                    lambda node, n=name: getattr(node, "func", None) == n.func,
                    lambda node, a=arguments, v=value: v.xreplace(
                        dict(zip(a, node.args, strict=True))
                    ),
                )
    expr = expr.replace(f, lambda u: sympy.sin(3 * u + 1)).replace(G, lambda u: sympy.cos(u) + u)
    expr = expr.doit()
    point = {s: sympy.Rational(rng.randint(-9, 9), 7) for s in expr.free_symbols}
    value = complex(expr.xreplace(point).evalf())
    return abs(value) > 1e-9


def test_short_sequences_of_the_public_rules_prove_nothing_false():
    rng = random.Random(20261207)
    checked = 0
    for _ in range(400):
        kernel, facts = Kernel(), []
        for _ in range(rng.randint(2, 7)):
            _step(kernel, facts, rng)
        for fact in facts:
            checked += 1
            assert not _false(kernel, fact, rng), (fact.lhs, fact.rhs, fact.rule)
    assert checked > 500


# -- routes the search found, each refused ---------------------------------------------------


def test_a_symbol_defined_from_the_variable_is_not_held_fixed():
    kernel = Kernel()
    kernel.define(y, x)
    with pytest.raises(ProofError, match="built from x"):
        kernel.differentiate(x * f(y), x)  # would give f(y); it is f(x) + x f'(x)


def test_a_function_defined_from_the_variable_is_not_held_fixed():
    kernel, t = Kernel(), sympy.Symbol("t")
    kernel.define(G(t), x * t)
    with pytest.raises(ProofError, match="built from x"):
        kernel.differentiate(G(x), x)


def test_a_defined_symbol_is_not_differentiated_by():
    kernel = Kernel()
    kernel.define(z, x + 1)
    with pytest.raises(ProofError, match="defined name"):
        kernel.differentiate(x * y, z)


def test_a_number_is_not_rewritten():
    kernel = Kernel()
    one = kernel.symmetry(kernel.differentiate(x, x))  # 1 = d/dx x
    with pytest.raises(ProofError, match="number"):
        kernel.rewrite(kernel.reflexivity(sympy.Sum(y, (z, 1, 3))), one)


def test_the_kernel_package_loads_nothing_of_derive_or_of_the_theorems():
    import json
    import subprocess
    import sys

    code = (
        "import json, sys, proofs.kernel; print(json.dumps("
        "[m for m in sys.modules if m.split('.')[0] in ('derive', 'proofs', 'numpy')]))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded, "the kernel did not load"
    assert all(name == "proofs" or name.startswith("proofs.kernel") for name in loaded), loaded


def test_a_defined_function_is_not_instantiated_away():
    """G(1) := 0 and K(1) := 1, both renamed H, would give 0 = 1."""
    kernel = Kernel()
    H, K = sympy.Function("H"), sympy.Function("K")
    first = kernel.define(G(sympy.Integer(1)), sympy.Integer(0))
    kernel.define(K(sympy.Integer(1)), sympy.Integer(1))
    with pytest.raises(ProofError, match="defined name"):
        kernel.instantiate(first, {G: H})


def test_an_identity_is_not_instantiated_at_its_pole():
    """(x² − 1)/(x − 1) = x + 1 at x = 1 is nan = 2; SymPy's nan equals nan."""
    kernel = Kernel()
    identity = kernel.algebra((x**2 - 1) / (x - 1), x + 1)
    with pytest.raises(ProofError, match="no value"):
        kernel.instantiate(identity, {x: sympy.Integer(1)})


def test_a_symbol_stands_only_for_values_within_its_assumptions():
    """log(pq) = log p + log q for positive p, q; at p = q = −1, 0 = 2πi."""
    kernel = Kernel()
    p, q = sympy.symbols("p q", positive=True)
    rule = kernel.simplification(sympy.log(p * q), sympy.log(p) + sympy.log(q))
    with pytest.raises(ProofError, match="positive"):
        kernel.instantiate(rule, {p: sympy.Integer(-1), q: sympy.Integer(-1)})
    assert kernel.instantiate(
        rule, {p: sympy.Integer(2), q: sympy.Rational(1, 3)}
    ).lhs == sympy.log(sympy.Rational(2, 3))


def test_an_equation_under_a_range_is_not_used_where_subs_binds_its_index():
    """Σ_r [i = r] = 1 holds for 1 ≤ i ≤ 3; inside Subs(…, i, 7) it would be used
    at i = 7, the condition discharged by an unrelated sum over i."""
    i, r = sympy.symbols("i r", integer=True, positive=True)
    kernel = Kernel()
    ones = sympy.Sum(sympy.KroneckerDelta(i, r), (r, 1, 3))
    equation = kernel.algebra(ones, sympy.Integer(1), (sympy.Q.le(1, i), sympy.Q.le(i, 3)))
    expr = sympy.Subs(ones, i, 7) + sympy.Sum(i, (i, 1, 1))
    with pytest.raises(ProofError, match="not known to hold|is bound"):
        kernel.rewrite(kernel.reflexivity(expr), equation)


def test_a_name_is_defined_only_within_its_assumptions():
    """p (positive) := x would let SymPy take |p| = p, that is |x| = x."""
    kernel = Kernel()
    p = sympy.Symbol("p", positive=True)
    with pytest.raises(ProofError, match="positive"):
        kernel.define(p, x)


def test_an_instance_does_not_let_subs_capture_a_variable():
    """Subs(x·y, x, 2) = 2y with y ↦ x is not Subs(x², x, 2) = 2x."""
    kernel = Kernel()
    fact = kernel.simplification(sympy.Subs(x * y, x, 2), 2 * y)
    with pytest.raises(ProofError, match="captured"):
        kernel.instantiate(fact, {y: x})


def test_a_sum_may_not_be_instantiated_into_running_backwards():
    """Σ_{i=1}^{n} m[i = j] = 0 under j = 0 holds for n ≥ 0; at n = −1 SymPy's
    reading of the sum is −m."""
    i, n, j = sympy.symbols("i n j", integer=True)
    m = sympy.Symbol("m")
    kernel = Kernel()
    fact = kernel.algebra(
        sympy.Sum(m * sympy.KroneckerDelta(i, j), (i, 1, n)),
        sympy.Integer(0),
        (sympy.Q.le(0, j), sympy.Q.le(j, 0)),
    )
    with pytest.raises(ProofError, match="backwards"):
        kernel.instantiate(fact, {n: sympy.Integer(-1), j: sympy.Integer(0)})


def test_a_kronecker_delta_does_not_collapse_into_a_derivative_by_its_index():
    """d/dx_j Σ_r x_r ∂g(r, j)/∂j is ∂g(r, j)/∂j at r = j, not d/dj g(j, j)."""
    r, j = sympy.symbols("r j", integer=True)
    xs = sympy.IndexedBase("x")
    kernel = Kernel()
    total = sympy.Sum(xs[r] * sympy.Derivative(G(r, j), j), (r, 1, 3))
    fact = kernel.differentiate(total, xs[j], conditions=[sympy.Q.le(1, j), sympy.Q.le(j, 3)])
    assert fact.rhs != sympy.Derivative(G(j, j), j)


def test_a_division_by_a_constant_that_is_zero_is_no_fact():
    """c = (√2 − 1)(√2 + 1) is 1 although SymPy keeps it as written; (c² − 1)/(c − 1)
    is 0/0, which expansion reads as 0 and cancelling as 2."""
    c = (sympy.sqrt(2) - 1) * (sympy.sqrt(2) + 1)
    q = (c**2 - 1) / (c - 1)
    kernel = Kernel()
    with pytest.raises(ProofError, match="no value"):
        kernel.algebra(q, sympy.Integer(0))
    identity = kernel.algebra((x**2 - 1) / (x - 1), x + 1)
    with pytest.raises(ProofError, match="no value"):
        kernel.instantiate(identity, {x: c})


def test_no_identity_cancels_a_denominator_that_is_zero_everywhere():
    """N/(2 sin² + 2 cos² − 2) = 1/2 with N = sin² + cos² − 1, then N = 0: 1/2 = 0."""
    numerator = sympy.sin(x) ** 2 + sympy.cos(x) ** 2 - 1
    ratio = numerator / (2 * sympy.sin(x) ** 2 + 2 * sympy.cos(x) ** 2 - 2)
    with pytest.raises(ProofError, match="0 everywhere"):
        Kernel().algebra(ratio, sympy.Rational(1, 2))
    i = sympy.Symbol("i", integer=True)
    twice, once = sympy.Sum(2 * x, (i, 1, 3)), sympy.Sum(x, (i, 1, 3))
    with pytest.raises(ProofError, match="0 everywhere"):
        Kernel().algebra((twice - 2 * once) / (2 * twice - 4 * once), sympy.Rational(1, 2))


def test_a_kronecker_delta_with_a_range_is_no_fact():
    """δ(r, j, (1, 3)) is 0 outside 1 … 3, which the collapse of [r = j] does not read."""
    r, j = sympy.symbols("r j", integer=True)
    xs = sympy.IndexedBase("x")
    total = sympy.Sum(sympy.KroneckerDelta(r, j, (1, 3)) * xs[r], (r, 1, 5))
    with pytest.raises(ProofError, match="Kronecker"):
        Kernel().differentiate(total, xs[j], conditions=[sympy.Q.le(1, j), sympy.Q.le(j, 5)])


def test_an_identity_is_not_instantiated_at_a_value_that_zeroes_its_denominator_everywhere():
    """cos x = sin 2x / (2 sin x) holds where sin x ≠ 0; at x = sin² y + cos² y − 1,
    which is 0 everywhere, it would give cos 0 = 0/0 and then 1 = 0."""
    kernel = Kernel()
    identity = kernel.simplification(sympy.cos(x), sympy.sin(2 * x) / (2 * sympy.sin(x)))
    zero = sympy.sin(y) ** 2 + sympy.cos(y) ** 2 - 1
    with pytest.raises(ProofError, match="0 everywhere"):
        kernel.instantiate(identity, {x: zero})
