"""A small proof kernel for identities between SymPy expressions.

A :class:`Fact` states ``lhs = rhs`` for every value of its free symbols and
every interpretation of its undefined functions (an identity), possibly
under ``conditions`` such as 1 ≤ p ≤ n.  Only a :class:`Kernel` can make one,
and it makes one only after re-checking the step itself: a rule's name is a
label for the record, never a reason to believe the step.

Every step is recorded with the trust it rests on:

* ``elementary`` — checked structurally by the kernel: reflexivity,
  symmetry, transitivity, instantiating an identity, rewriting with a proved
  equation, introducing a definition of a fresh name;
* ``sympy`` — relies on SymPy: differentiation, and equality decided by
  expansion (:func:`derive.algebra.is_zero`), ``doit``/``refine`` of sums;
* ``assumed`` — taken without proof and named, e.g. the multivariable chain
  rule for a symbolic number of variables, or the induction principle.

The facts of a proof are only as trustworthy as the assumptions they name;
:meth:`Kernel.report` counts each kind so a certificate can say so.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

import sympy
from sympy.core.function import AppliedUndef, UndefinedFunction

from derive import algebra

ELEMENTARY = "elementary"
SYMPY = "sympy"
ASSUMED = "assumed"
TRUST_LEVELS = (ELEMENTARY, SYMPY, ASSUMED)

_TOKEN = object()

SUM_EXPANSION_LIMIT = 10_000


class ProofError(Exception):
    """A step the kernel refused, with the reason and a counterexample where
    one was found."""

    def __init__(self, rule: str, message: str, counterexample: dict | None = None):
        self.rule = rule
        self.counterexample = counterexample
        text = f"{rule}: {message}"
        if counterexample:
            shown = ", ".join(f"{k} = {v:.6g}" for k, v in list(counterexample.items())[:8])
            text += f" (counterexample: {shown})"
        super().__init__(text)


@dataclass(frozen=True, eq=False)
class Fact:
    """lhs = rhs, as checked by a kernel.  Construct only through Kernel."""

    lhs: sympy.Expr
    rhs: sympy.Expr
    rule: str
    trust: str
    conditions: frozenset = frozenset()
    assumptions: frozenset = frozenset()
    """Names of the assumed facts this one depends on."""
    _token: object = field(default=None, repr=False)

    def __post_init__(self):
        if self._token is not _TOKEN:
            raise ProofError("fact", "only the kernel can make a fact")

    @property
    def equation(self) -> sympy.Equality:
        return sympy.Eq(self.lhs, self.rhs, evaluate=False)

    def digest(self) -> str:
        """A hash of the statement, for certificates."""
        text = sympy.srepr(self.lhs) + " = " + sympy.srepr(self.rhs)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Step:
    """The record of one accepted step (its statement is hashed on demand)."""

    rule: str
    trust: str
    fact: Fact
    seconds: float
    note: str = ""

    @property
    def digest(self) -> str:
        return self.fact.digest()


class Kernel:
    """Checks proof steps and records them."""

    def __init__(self):
        self.steps: list[Step] = []
        self.assumed: dict[str, str] = {}
        self._definitions: dict[sympy.Basic, sympy.Expr] = {}
        self._pinned: set = set()
        """Variables a definition's value depends on but its name does not:
        instantiating one would silently change what the defined name means."""

    # -- bookkeeping -----------------------------------------------------------

    def _accept(self, rule, trust, lhs, rhs, premises=(), conditions=(), note="", started=None):
        assumptions = (
            frozenset().union(*(p.assumptions for p in premises)) if premises else frozenset()
        )
        all_conditions = frozenset(conditions).union(*(p.conditions for p in premises))
        fact = Fact(lhs, rhs, rule, trust, all_conditions, assumptions, _TOKEN)
        elapsed = 0.0 if started is None else time.perf_counter() - started
        self.steps.append(Step(rule, trust, fact, elapsed, note))
        return fact

    def report(self) -> dict[str, int]:
        """How many accepted steps rest on each kind of trust."""
        counts = {level: 0 for level in TRUST_LEVELS}
        for step in self.steps:
            counts[step.trust] += 1
        return counts

    # -- elementary rules ------------------------------------------------------

    def reflexivity(self, expr: sympy.Expr) -> Fact:
        """⊢ e = e"""
        return self._accept("reflexivity", ELEMENTARY, expr, expr)

    def symmetry(self, fact: Fact) -> Fact:
        """a = b ⊢ b = a"""
        return self._accept("symmetry", ELEMENTARY, fact.rhs, fact.lhs, [fact])

    def transitivity(self, first: Fact, second: Fact) -> Fact:
        """a = b, b = c ⊢ a = c   (b must be the same expression in both)"""
        if first.rhs != second.lhs:
            raise ProofError("transitivity", "the middle expressions differ")
        return self._accept("transitivity", ELEMENTARY, first.lhs, second.rhs, [first, second])

    def define(self, name: sympy.Basic, value: sympy.Expr) -> Fact:
        """⊢ name = value, for a name not defined before and not in value.

        A definition is conservative: it only abbreviates.  Names are
        symbols, indexed objects or applications of undefined functions.
        """
        if not isinstance(name, (sympy.Symbol, sympy.Indexed, AppliedUndef)):
            raise ProofError("definition", f"{name} is not a name")
        if name in self._definitions:
            if self._definitions[name] != value:
                raise ProofError("definition", f"{name} is already defined differently")
        elif value.has(name):
            raise ProofError("definition", f"{name} occurs in its own definition")
        self._definitions[name] = value
        self._pinned |= _variables(value) - _variables(name)
        return self._accept("definition", ELEMENTARY, name, value)

    def instantiate(self, fact: Fact, mapping: dict) -> Fact:
        """⊢ a = b  gives  ⊢ a[σ] = b[σ]   for a substitution σ of free symbols
        (and undefined functions) — sound because facts are identities.

        Keys must be symbols or undefined functions; substituting into a
        compound sub-expression is not instantiation and is refused.
        """
        for key in mapping:
            if not isinstance(key, (sympy.Symbol, UndefinedFunction)):
                raise ProofError("instantiation", f"{key} is not a variable")
            if key in self._definitions:
                raise ProofError("instantiation", f"{key} is a defined name")
            if key in self._pinned:
                raise ProofError(
                    "instantiation", f"{key} occurs in a definition whose name does not show it"
                )
        bound = {
            variable
            for side in (fact.lhs, fact.rhs)
            for derivative in side.atoms(sympy.Derivative)
            for variable in derivative.variables
        }
        for key, value in mapping.items():
            if key in bound and not isinstance(value, sympy.Symbol):
                raise ProofError(
                    "instantiation", f"{key} is differentiated by; only a symbol can replace it"
                )
        # A derivative holds its other variables fixed: their images must not
        # bring in the variable differentiated by (∂/∂x G(x·y) = y·G'(x·y)
        # does not give ∂/∂x G(x²) = x·G'(x²)).
        images = {mapping.get(b, b) for b in bound}
        for symbol in fact.lhs.free_symbols | fact.rhs.free_symbols:
            if symbol in bound:
                continue
            image = mapping.get(symbol, symbol)
            captured = images & set(getattr(image, "free_symbols", ()))
            if captured:
                raise ProofError(
                    "instantiation",
                    f"{symbol} ↦ {image} would capture the variable {captured.pop()}",
                )
        started = time.perf_counter()
        lhs = _substitute(fact.lhs, mapping)
        rhs = _substitute(fact.rhs, mapping)
        conditions = [_substitute(c, mapping) for c in fact.conditions]
        return self._accept(
            "instantiation", ELEMENTARY, lhs, rhs, [fact], conditions, started=started
        )

    def rewrite(self, fact: Fact, equation: Fact) -> Fact:
        """a = b, u = v ⊢ a = b[u := v]   (replacing equals by equals)"""
        started = time.perf_counter()
        _check_free_of_bound(fact.rhs, [equation])
        rhs = algebra.replace_nodes(fact.rhs, {equation.lhs: equation.rhs})
        if rhs == fact.rhs:
            raise ProofError("rewrite", f"{equation.lhs} does not occur")
        return self._accept("rewrite", ELEMENTARY, fact.lhs, rhs, [fact, equation], started=started)

    def rewrite_all(self, fact: Fact, equations: list[Fact]) -> Fact:
        """a = b, u₁ = v₁, …, uₙ = vₙ ⊢ a = b[u₁ := v₁, …]   (simultaneously)"""
        started = time.perf_counter()
        _check_free_of_bound(fact.rhs, equations)
        rhs = algebra.replace_nodes(fact.rhs, {e.lhs: e.rhs for e in equations})
        return self._accept(
            "rewrite", ELEMENTARY, fact.lhs, rhs, [fact, *equations], started=started
        )

    def expand_sum(self, total: sympy.Sum) -> Fact:
        """⊢ Σ_{r=lo}^{hi} e = e[r := lo] + … + e[r := hi]   for integer bounds:
        the definition of a finite sum, applied by substitution."""
        if not isinstance(total, sympy.Sum) or len(total.limits) != 1:
            raise ProofError("sum expansion", "not a sum over one index")
        index, low, high = total.limits[0]
        if not (low.is_Integer and high.is_Integer) or high - low > SUM_EXPANSION_LIMIT:
            raise ProofError("sum expansion", "the bounds are not small integers")
        terms = [
            algebra.replace_nodes(total.function, {index: value})
            for value in range(int(low), int(high) + 1)
        ]
        return self._accept("sum expansion", ELEMENTARY, total, sympy.Add(*terms))

    # -- steps that rely on SymPy ----------------------------------------------

    def differentiate(self, expr: sympy.Expr, variable, conditions=(), shared=False) -> Fact:
        """⊢ ∂expr/∂variable = D, where the kernel computes D with SymPy's
        differentiation (sums over symbolic ranges are evaluated with
        ``doit`` and refined under ``conditions``).  ``shared=True`` applies
        the same rules once per shared node (:func:`derive.gradients.differentiate`,
        tested against ``sympy.diff``) for expanded networks, whose trees
        ``sympy.diff`` walks path by path."""
        started = time.perf_counter()
        if shared:
            from derive.gradients import differentiate

            result = differentiate(expr, variable)
        else:
            result = sympy.diff(expr, variable)
        if result.has(sympy.Sum) or result.has(sympy.KroneckerDelta):
            result = algebra.replace_nodes(result, _forced(conditions))
            result = _collapse_deltas(result, conditions)
        lhs = sympy.Derivative(expr, variable)
        return self._accept(
            "differentiation", SYMPY, lhs, result, conditions=conditions, started=started
        )

    def algebra(self, lhs: sympy.Expr, rhs: sympy.Expr, conditions=(), opaque=frozenset()) -> Fact:
        """⊢ lhs = rhs when lhs − rhs is zero by exact algebra (expansion over
        atoms; sums are evaluated and refined under ``conditions``)."""
        started = time.perf_counter()
        difference = algebra.replace_nodes(_name_points(lhs - rhs), _forced(conditions))
        if difference.has(sympy.Sum):
            difference = _collapse(difference, conditions)
            if difference.has(sympy.Sum):
                zero = difference == 0 or sympy.simplify(difference) == 0
            else:
                zero = algebra.is_zero(difference, opaque)
        else:
            zero = algebra.is_zero(difference, opaque)
        if not zero:
            raise ProofError("algebra", "the two sides differ", _counterexample(difference))
        return self._accept("algebra", SYMPY, lhs, rhs, conditions=conditions, started=started)

    def simplification(self, lhs: sympy.Expr, rhs: sympy.Expr, definitions=None) -> Fact:
        """⊢ lhs = rhs when SymPy's ``simplify`` reduces lhs − rhs to zero once
        named functions are written by ``definitions`` (function → Lambda),
        in exponential or in piecewise form.  For the identities expansion
        cannot see: 1 − e^{−softplus(x)} = σ(x), H(max(0, x)) = H(x)."""
        started = time.perf_counter()
        difference = algebra.replace_nodes(lhs - rhs, {}, definitions or {})
        for form in (sympy.exp, sympy.Piecewise):
            if sympy.simplify(difference.rewrite(form)) == 0:
                return self._accept("simplification", SYMPY, lhs, rhs, started=started)
        raise ProofError("simplification", "the two sides differ", _counterexample(difference))

    def equal_by_algebra(self, fact: Fact, rhs: sympy.Expr, opaque=frozenset()) -> Fact:
        """a = b ⊢ a = c   when b = c by :meth:`algebra`."""
        step = self.algebra(fact.rhs, rhs, fact.conditions, opaque)
        return self.transitivity(fact, step)

    # -- assumptions -----------------------------------------------------------

    def assume(self, name: str, lhs: sympy.Expr, rhs: sympy.Expr, reason: str, conditions=()):
        """⊢ lhs = rhs, taken without proof.  Recorded by name; every fact
        built from it lists the name among its assumptions."""
        self.assumed[name] = reason
        fact = Fact(
            lhs, rhs, "assumption", ASSUMED, frozenset(conditions), frozenset([name]), _TOKEN
        )
        self.steps.append(Step("assumption", ASSUMED, fact, 0.0, name))
        return fact


def _name_points(expr):
    """Subs(∂ℓ(ξ, y)/∂ξ, ξ, a) at a plain name a is ∂ℓ(a, y)/∂a: write it so
    (SymPy's ``doit``), so both spellings of a partial derivative compare."""
    return expr.replace(
        lambda node: (
            isinstance(node, sympy.Subs)
            and all(isinstance(p, (sympy.Symbol, sympy.Indexed)) for p in node.point)
        ),
        lambda node: node.doit(),
    )


def _check_free_of_bound(expr, equations: list[Fact]) -> None:
    """Equals may replace equals only where no derivative in ``expr`` (other
    than the replaced nodes themselves) varies one of their symbols.  All
    equations are checked in one pass, against the symbols of every one of
    them: stricter than one by one, and linear in their number."""
    remaining = algebra.replace_nodes(expr, {e.lhs: sympy.Dummy() for e in equations})
    bound = {v for d in remaining.atoms(sympy.Derivative) for v in d.variables}
    if not bound:
        return
    symbols = set().union(*(e.lhs.free_symbols | e.rhs.free_symbols for e in equations))
    clash = bound & symbols
    if clash:
        raise ProofError(
            "rewrite", f"{clash.pop()} is differentiated by where it would be rewritten"
        )


def _substitute(expr, mapping):
    """Replace symbols and undefined functions, each shared node once."""
    symbols = {k: v for k, v in mapping.items() if isinstance(k, sympy.Symbol)}
    functions = {k: v for k, v in mapping.items() if isinstance(k, UndefinedFunction)}
    return algebra.replace_nodes(expr, symbols, functions)


def _variables(expr) -> set:
    """Free symbols and undefined functions of ``expr``."""
    return set(expr.free_symbols) | {node.func for node in expr.atoms(AppliedUndef)}


def _forced(conditions) -> dict:
    """Indices the conditions pin to one value: 1 ≤ j ≤ 1 means j = 1 (a layer
    of one unit), which ``refine`` does not see in KroneckerDelta(1, j)."""
    lower, upper = {}, {}
    for condition in conditions:
        if isinstance(condition, sympy.assumptions.relation.binrel.AppliedBinaryRelation) and (
            condition.function == sympy.Q.le
        ):
            low, high = condition.arguments
            if low.is_Integer and isinstance(high, sympy.Symbol):
                lower[high] = low
            if high.is_Integer and isinstance(low, sympy.Symbol):
                upper[low] = high
    return {index: value for index, value in lower.items() if upper.get(index) == value}


def _collapse_deltas(expr, conditions):
    """Collapse only the sums differentiation left behind (those holding a
    Kronecker delta, or nothing): sums inside the arguments of an undefined
    function are part of the point, and evaluating them would expand them."""
    assumptions = sympy.And(*conditions) if conditions else True

    def debris(node):
        return isinstance(node, sympy.Sum) and (
            node.function == 0 or node.function.has(sympy.KroneckerDelta)
        )

    return expr.replace(debris, lambda node: sympy.refine(node.doit(), assumptions))


def _collapse(expr, conditions):
    """Evaluate sums of Kronecker deltas and refine the result under the
    conditions (e.g. 1 ≤ p ≤ n makes Piecewise((t, p ≤ n), (0, True)) = t)."""
    result = expr.doit()
    assumptions = sympy.And(*conditions) if conditions else True
    return sympy.refine(result, assumptions)


def _counterexample(difference):
    """Numbers at which ``difference`` is not zero, where it can be evaluated."""
    import numpy as np

    from derive.evaluate import evaluate
    from derive.registry import f, fprime

    # A generic activation gets a concrete one (with its true derivative).
    difference = difference.replace(f, sympy.tanh).replace(fprime, lambda u: 1 - sympy.tanh(u) ** 2)
    symbols = sorted(difference.free_symbols, key=str)
    if difference.has(sympy.Sum, sympy.Subs, sympy.Derivative, AppliedUndef):
        return None
    rng = np.random.default_rng(0)
    for _ in range(20):
        point = {s: float(rng.uniform(-2, 2)) for s in symbols}
        try:
            value = float(evaluate(difference, point))
        except (TypeError, KeyError, ValueError):
            return None
        if np.isfinite(value) and abs(value) > 1e-9:
            return {str(s): v for s, v in point.items()}
    return None
