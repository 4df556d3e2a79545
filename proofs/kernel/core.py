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
  expansion (:func:`proofs.kernel.algebra.is_zero`), ``doit``/``refine`` of sums;
  the *finite chain rule* (:meth:`Kernel.chain_rule`): for a concrete arity
  m, ∂E/∂u = Σ_{k=1}^{m} ∂E/∂v_k · ∂v_k/∂u where E is built from u only
  through v_1 … v_m — the rule SymPy applies to a concrete function of m
  arguments, stated once here with its side condition checked against the
  definitions E is built from, so that sums stay unevaluated and a proof
  costs the same at width 8 and at width 1024;
* ``assumed`` — taken without proof and named, e.g. the multivariable chain
  rule for a symbolic number of variables, or the induction principle.

The facts of a proof are only as trustworthy as the assumptions they name;
:meth:`Kernel.report` counts each kind so a certificate can say so.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import time
from dataclasses import dataclass

import sympy
from sympy.core.function import AppliedUndef, UndefinedFunction

from proofs.kernel import algebra
from proofs.kernel.differentiation import differentiate, indexed_derivative
from proofs.kernel.numeric import counterexample as _counterexample
from proofs.kernel.numeric import vanishes

ELEMENTARY = "elementary"
SYMPY = "sympy"
ASSUMED = "assumed"
TRUST_LEVELS = (ELEMENTARY, SYMPY, ASSUMED)

SUM_EXPANSION_LIMIT = 10_000

SUM_ALGEBRA_LIMIT = 64
"""Sums with more terms than this are compared only as wholes (as atoms) by
:meth:`Kernel.algebra`: writing out a sum over 784 units to decide an
equation costs seconds, and the proofs never need it."""


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
    """lhs = rhs, as checked by a kernel.

    Anyone can build one; only the kernel that issued a fact accepts it as a
    premise, and only unchanged (:meth:`Kernel._premise`): a copy, a pickle,
    ``dataclasses.replace``, a subclass or an edited attribute is refused."""

    lhs: sympy.Expr
    rhs: sympy.Expr
    rule: str
    trust: str
    conditions: frozenset = frozenset()
    assumptions: frozenset = frozenset()
    """Names of the assumed facts this one depends on."""

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
    call: tuple = ()
    """(method, {parameter: argument}) of the kernel rule that made it: what
    a replay (:mod:`proofs.replay`) calls again to re-check the step."""

    @property
    def digest(self) -> str:
        return self.fact.digest()


class Partial(sympy.Function):
    """∂E/∂v: the derivative of a defined quantity E with respect to a
    quantity v that E is built from — E's definition unfolded down to v's
    family (z^l_1 … z^l_n for v = z^l_j) and no further, differentiated by v,
    everything else E is built from held fixed.  δ^l_j is Partial(E, z^l_j).

    Inert on purpose: SymPy never evaluates it (``doit`` would read a symbol
    E as a constant and give 0), and differentiating it is refused.  Only the
    kernel's :meth:`Kernel.partial` and :meth:`Kernel.chain_rule` state what
    it equals."""

    nargs = 2

    def _eval_derivative(self, symbol):
        raise ProofError("differentiation", f"{self} is not differentiated by SymPy")

    def doit(self, **hints):
        return self


@dataclass(frozen=True)
class _Family:
    """A definition v[…, u] := value for the units 1 ≤ u ≤ bound: one per
    layer and quantity (z^l_u, a^l_u, δ^l_u), whatever the width."""

    name: sympy.Indexed
    value: sympy.Expr
    unit: sympy.Symbol
    bound: int
    pattern: tuple
    """The name's indices: an integer where it is fixed, None at the unit."""
    mentions: tuple
    """The indexed quantities and symbols the value names."""

    def instance(self, node: sympy.Indexed) -> sympy.Expr:
        """The value at ``node``'s unit (refused where a sum in the value
        would capture the unit's symbols)."""
        unit = node.indices[self.position]
        if set(unit.free_symbols) & _summation_indices(self.value):
            raise ProofError("definition", f"{node}: {unit} is summed over in {self.name}'s value")
        return algebra.replace_nodes(self.value, {self.unit: unit})

    @property
    def position(self) -> int:
        return self.pattern.index(None)


_ANY = object()
"""A name that may be a unit of some family (its index is symbolic)."""


def _pattern(node: sympy.Indexed) -> tuple:
    return tuple(int(i) if i.is_Integer else None for i in node.indices)


def _covers(family: _Family, node) -> bool:
    """Whether ``node`` is, or may be, one of ``family``'s units: a symbolic
    index where the family fixes an integer counts as a match."""
    return (
        isinstance(node, sympy.Indexed)
        and node.base == family.name.base
        and _patterns_may_equal(family.pattern, _pattern(node))
    )


def _scoped_indices(expr, scope: dict):
    """Each indexed node of ``expr`` with the ranges its symbols have there:
    the bounds of the sums around it, and ``scope`` outside them."""
    if isinstance(expr, sympy.Indexed):
        yield expr, scope
        return
    if isinstance(expr, sympy.Sum):
        scope = dict(scope)
        for index, low, high in expr.limits:
            integral = low.is_Integer and high.is_Integer
            scope[index] = (int(low), int(high)) if integral else None
    for arg in expr.args:
        yield from _scoped_indices(arg, scope)


def _in_range(index, scope: dict, bound: int) -> bool:
    if index.is_Integer:
        return 1 <= int(index) <= bound
    limits = scope.get(index) if isinstance(index, sympy.Symbol) else None
    return limits is not None and limits[0] >= 1 and limits[1] <= bound


@functools.lru_cache(maxsize=4096)
def _scopes(expr) -> tuple[frozenset, frozenset]:
    """The sums, and the Subs and Lambda nodes, of ``expr``: asked of the same
    premises and conclusions at almost every step, and a walk of the whole
    expression each time."""
    if not isinstance(expr, sympy.Basic):
        return frozenset(), frozenset()
    nodes = expr.atoms(sympy.Sum, sympy.Subs, sympy.Lambda)
    sums = frozenset(node for node in nodes if isinstance(node, sympy.Sum))
    return sums, frozenset(nodes - sums)


def _sums(expr) -> frozenset:
    return _scopes(expr)[0]


def _refuse_reversed_sums(rule: str, *exprs) -> None:
    """A sum whose lower bound exceeds its upper one is 0 to the kernel's sum
    expansion but minus the sum over the gap to SymPy's ``doit`` (Karr's
    convention): neither may meet the other, so such sums are refused."""
    for expr in exprs:
        for total in _sums(expr):
            for _, low, high in total.limits:
                difference = high - low
                if difference.is_Integer and difference < 0:
                    raise ProofError(rule, f"the sum over {low} … {high} runs backwards")


def _summation_indices(*exprs) -> set:
    """Every index a sum in ``exprs`` binds, and every variable a Subs or a
    Lambda binds: instantiating or renaming one would be a capture
    (Subs(x·y, x, 2) = 2y with y ↦ x is not Subs(x², x, 2) = 2x)."""
    indices = {limit[0] for expr in exprs for total in _sums(expr) for limit in total.limits}
    for expr in exprs:
        for binder in _binders(expr):
            indices |= set(binder.variables)
    return indices


def _binders(expr) -> frozenset:
    """The Subs and Lambda nodes of ``expr``."""
    return _scopes(expr)[1]


def _patterns_may_equal(first: tuple, second: tuple) -> bool:
    """Index patterns that can name the same quantity: no position where
    both are integers and differ."""
    return len(first) == len(second) and all(
        a is None or b is None or a == b for a, b in zip(first, second, strict=True)
    )


def _may_equal(node: sympy.Indexed, target: sympy.Indexed) -> bool:
    """Whether ``node`` can be ``target``'s own quantity: the same base and no
    index where both are integers and differ (z^3_k is not z^2_j)."""
    return node.base == target.base and _patterns_may_equal(_pattern(node), _pattern(target))


RULES = (
    "reflexivity",
    "symmetry",
    "transitivity",
    "define",
    "define_family",
    "partial",
    "chain_rule",
    "instantiate",
    "rewrite",
    "rewrite_all",
    "expand_sum",
    "linear_sum",
    "differentiate",
    "algebra",
    "simplification",
    "assume",
)
"""The kernel's rules: the methods that issue facts, each recorded with its
arguments so that a proof can be replayed step by step."""


def _recorded(method):
    """Record the rule and its arguments for the step it issues."""
    signature = inspect.signature(method)

    @functools.wraps(method)
    def rule(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        arguments = dict(list(bound.arguments.items())[1:])
        self._calls.append((method.__name__, arguments))
        try:
            return method(self, *args, **kwargs)
        finally:
            self._calls.pop()

    return rule


_UNDEFINED = (sympy.nan, sympy.zoo, sympy.oo, -sympy.oo)
"""No fact has one: SymPy takes nan for equal to nan, so 0/0 = 2 and
0/0 = 4 (an identity instantiated at its pole) would give 2 = 4."""

_ASSUMPTIONS = ("real", "integer", "positive", "nonnegative", "negative", "nonpositive", "nonzero")


def _flaw(node) -> str:
    """Why one node makes a side no statement at all, or ""."""
    if any(node is u for u in _UNDEFINED) or _zero_denominator(node):
        return "a side has no value (nan, an infinity, or 1/0)"
    if _unreadable(node):
        return "a side holds a Kronecker delta with a range"
    if _vanishing(node):
        return "a denominator is 0 everywhere"
    return ""


@functools.lru_cache(maxsize=4096)
def _vanishing(node) -> bool:
    """1/d for a d with symbols that is 0 everywhere (sin² + cos² − 1): an
    identity proved where it is defined, by algebra, simplification or an
    instance, would be a statement about nothing, and cancelling it one
    way and expanding it another proves 1/2 = 0."""
    return bool(
        node.is_Pow
        and node.exp.is_negative
        and node.base.free_symbols
        and vanishes(node.base) is True
    )


def _unreadable(node) -> bool:
    """A Kronecker delta with a range, KroneckerDelta(r, j, (1, 3)): 0 outside
    it, which the kernel's collapse of [r = j] does not read."""
    return isinstance(node, sympy.KroneckerDelta) and len(node.args) != 2


def _zero_denominator(node) -> bool:
    """1/c for a constant c that is 0 although SymPy does not see it,
    ((√2 − 1)(√2 + 1) − 1)⁻¹ say: algebra would cancel it one way and
    expand it another, and prove 0 = 2."""
    if not (node.is_Pow and node.exp.is_negative) or node.base.free_symbols:
        return False
    base = node.base
    return not base.is_Number and (sympy.expand(base) == 0 or base.equals(0) is not False)


def _within_assumptions(key, value, rule: str = "instantiation") -> None:
    """A symbol assumed positive (real, an integer, …) may only stand for, or
    be defined as, a value known to be so: log(pq) = log p + log q holds for
    positive p, q, and p = q = −1 would give 0 = 2πi; p := x would let SymPy
    take |x| for x."""
    if not isinstance(key, (sympy.Symbol, sympy.Indexed)):
        return
    if isinstance(value, int):
        value = sympy.Integer(value)
    for name in _ASSUMPTIONS:
        if getattr(key, f"is_{name}") and getattr(value, f"is_{name}", None) is not True:
            raise ProofError(rule, f"{key} is {name}; {value} is not known to be")


def _content(fact: Fact) -> tuple:
    return (fact.lhs, fact.rhs, fact.rule, fact.trust, fact.conditions, fact.assumptions)


class _Mentions:
    """The names the issued facts mention — symbols, undefined functions and
    indexed quantities — gathered once per distinct node, so that a
    definition can be refused unless its name is new (definitions are then
    conservative: a name no fact has spoken of cannot contradict one)."""

    def __init__(self):
        self._seen: set = set()
        self.symbols: set = set()
        self.functions: set = set()
        self.indexed: dict[sympy.Basic, set] = {}

    def add(self, *exprs) -> None:
        stack = [e for e in exprs if isinstance(e, sympy.Basic)]
        while stack:
            node = stack.pop()
            if node in self._seen:
                continue
            self._seen.add(node)
            if isinstance(node, sympy.Symbol):
                self.symbols.add(node)
            elif isinstance(node, sympy.Indexed):
                self.indexed.setdefault(node.base, set()).add(node)
            elif isinstance(node, AppliedUndef):
                self.functions.add(node.func)
            stack.extend(node.args)

    def names(self, name) -> bool:
        """Whether an issued fact mentions ``name`` (or, for an indexed name,
        a quantity that may be it)."""
        if isinstance(name, sympy.Symbol):
            return name in self.symbols
        if isinstance(name, AppliedUndef):
            return name.func in self.functions
        return any(_may_equal(node, name) for node in self.indexed.get(name.base, ()))

    def covered(self, family: _Family) -> bool:
        """Whether an issued fact mentions a unit, or a possible unit, of ``family``."""
        return any(_covers(family, node) for node in self.indexed.get(family.name.base, ()))


class Kernel:
    """Checks proof steps and records them."""

    def __init__(self):
        self.steps: list[Step] = []
        self.assumed: dict[str, str] = {}
        self._definitions: dict[sympy.Basic, sympy.Expr] = {}
        self._families: dict[tuple, _Family] = {}
        self._families_by_base: dict[sympy.Basic, list[_Family]] = {}
        self._family_cache: dict = {}
        self._mentions: dict[sympy.Basic, list[sympy.Indexed]] = {}
        """Indexed names that families name, by base: a new family may not
        be one of them, so definitions never refer back (no cycles)."""
        self._family_symbols: set = set()
        self._walks: dict = {}
        self._family_links: dict = {}
        self._symbol_links: dict = {}
        self._pinned: set = set()
        """Variables a definition's value depends on but its name does not:
        instantiating one would silently change what the defined name means."""
        self._ledger: dict[int, tuple[Fact, tuple]] = {}
        """Every fact this kernel issued, by identity, with its content then."""
        self._flaw = algebra.memoised(
            lambda node, walk: _flaw(node) or next(filter(None, map(walk, node.args)), "")
        )
        """What makes an expression no statement at all ("" for nothing), each
        node asked once in the kernel's life."""
        self._calls: list[tuple] = []
        """The rule being applied (innermost last), for its step's record."""
        self._mentioned = _Mentions()
        """The names every issued fact mentions: a definition must be of a new one."""

    # -- bookkeeping -----------------------------------------------------------

    def _premise(self, fact, rule: str) -> None:
        """Refuse anything but a fact this kernel issued, unchanged."""
        if type(fact) is not Fact:
            raise ProofError(rule, f"a premise must be a Fact, not a {type(fact).__name__}")
        issued = self._ledger.get(id(fact))
        if issued is None or issued[0] is not fact:
            raise ProofError(
                rule, "a premise this kernel did not issue (a copy, a pickle, or another kernel's)"
            )
        if issued[1] != _content(fact):
            raise ProofError(rule, "a premise changed after this kernel issued it")

    def _issue(self, fact: Fact, note: str, elapsed: float) -> Fact:
        self._ledger[id(fact)] = (fact, _content(fact))
        self._mentioned.add(fact.lhs, fact.rhs, *fact.conditions)
        call = self._calls[-1] if self._calls else ()
        self.steps.append(Step(fact.rule, fact.trust, fact, elapsed, note, call))
        return fact

    def _accept(
        self,
        rule,
        trust,
        lhs,
        rhs,
        premises=(),
        conditions=(),
        note="",
        started=None,
        discharged=frozenset(),
    ):
        for premise in premises:
            self._premise(premise, rule)
        # A sum that runs backwards is 0 to one reading and minus the gap to
        # SymPy's: no fact may hold one, however it came about (an instance
        # n := −1 of a sum to n, say).
        _refuse_reversed_sums(rule, lhs, rhs)
        for side in (lhs, rhs):
            flaw = self._flaw(side) if isinstance(side, sympy.Basic) else ""
            if flaw:
                raise ProofError(rule, flaw)
        assumptions = (
            frozenset().union(*(p.assumptions for p in premises)) if premises else frozenset()
        )
        all_conditions = frozenset().union(*(p.conditions for p in premises)) - discharged
        all_conditions |= frozenset(conditions)
        fact = Fact(lhs, rhs, rule, trust, all_conditions, assumptions)
        elapsed = 0.0 if started is None else time.perf_counter() - started
        return self._issue(fact, note, elapsed)

    def report(self) -> dict[str, int]:
        """How many accepted steps rest on each kind of trust."""
        counts = {level: 0 for level in TRUST_LEVELS}
        for step in self.steps:
            counts[step.trust] += 1
        return counts

    # -- elementary rules ------------------------------------------------------

    @_recorded
    def reflexivity(self, expr: sympy.Expr) -> Fact:
        """⊢ e = e"""
        return self._accept("reflexivity", ELEMENTARY, expr, expr)

    @_recorded
    def symmetry(self, fact: Fact) -> Fact:
        """a = b ⊢ b = a"""
        return self._accept("symmetry", ELEMENTARY, fact.rhs, fact.lhs, [fact])

    @_recorded
    def transitivity(self, first: Fact, second: Fact) -> Fact:
        """a = b, b = c ⊢ a = c   (b must be the same expression in both)"""
        if first.rhs != second.lhs:
            raise ProofError("transitivity", "the middle expressions differ")
        return self._accept("transitivity", ELEMENTARY, first.lhs, second.rhs, [first, second])

    @_recorded
    def define(self, name: sympy.Basic, value: sympy.Expr) -> Fact:
        """⊢ name = value, for a name not defined before and not in value.

        A definition is conservative: it only abbreviates.  Names are
        symbols, indexed objects or applications of undefined functions.
        A name may not be a unit of a family (:meth:`define_family`), nor a
        symbol a family names; the units of families it names must exist.
        """
        if not isinstance(name, (sympy.Symbol, sympy.Indexed, AppliedUndef)):
            raise ProofError("definition", f"{name} is not a name")
        if self._mentioned.names(name):
            raise ProofError("definition", f"{name} is not a new name: an earlier fact mentions it")
        if value.has(name):
            raise ProofError("definition", f"{name} occurs in its own definition")
        elif name in self._family_symbols or any(
            _covers(family, name)
            for family in self._families_by_base.get(getattr(name, "base", None), ())
        ):
            raise ProofError("definition", f"{name} is named by a family's definition")
        _within_assumptions(name, value, "definition")
        _refuse_reversed_sums("definition", value)
        self._check_units(value, {}, name)
        for node in value.atoms(sympy.Indexed):  # no family may be made for these later
            self._mentions.setdefault(node.base, []).append(node)
        self._definitions[name] = value
        self._pinned |= _variables(value) - _variables(name)
        return self._accept("definition", ELEMENTARY, name, value)

    @_recorded
    def define_family(self, name: sympy.Indexed, value: sympy.Expr, bound: int) -> Fact:
        """⊢ v[…, u] = value  for 1 ≤ u ≤ bound: one definition for a whole
        layer's units (z^l_u := Σ_{i=1}^{n} w^l_ui a^{l−1}_i + b^l_u), so that
        what a quantity is built from is known to the kernel at any width.

        The name's indices are integers and one symbol, the unit.  The family
        must be new: no earlier definition, and not the value itself, names
        one of its units — so definitions never refer back.  Every unit of
        an earlier family the value names must exist (be within its bound),
        which is what lets :meth:`chain_rule` count on m units."""
        if not isinstance(name, sympy.Indexed):
            raise ProofError("definition", f"{name} is not an indexed name")
        free = [i for i in name.indices if not i.is_Integer]
        if len(free) != 1 or not isinstance(free[0], sympy.Symbol):
            raise ProofError("definition", f"{name}: indices must be integers and one symbol")
        if not (isinstance(bound, int) and bound >= 1):
            raise ProofError("definition", f"{name}: the bound {bound} is not a positive integer")
        mentions = tuple(value.atoms(sympy.Indexed, sympy.Symbol))
        family = _Family(name, value, free[0], bound, _pattern(name), mentions)
        if self._mentioned.covered(family):
            raise ProofError(
                "definition", f"{name} is not a new name: an earlier fact mentions one of its units"
            )
        for other in self._families_by_base.get(name.base, ()):
            if _patterns_may_equal(other.pattern, family.pattern):
                raise ProofError("definition", f"{name} overlaps the family {other.name}")
        earlier = [node for node in self._definitions if isinstance(node, sympy.Indexed)]
        for node in earlier + self._mentions.get(name.base, []) + list(mentions):
            if _covers(family, node):
                where = "itself" if node in mentions else "an earlier definition"
                raise ProofError("definition", f"{name} is named by {where}")
        _refuse_reversed_sums("definition", value)
        self._check_units(value, {free[0]: (1, bound)}, name)
        for node in mentions:
            if isinstance(node, sympy.Indexed):
                self._mentions.setdefault(node.base, []).append(node)
            else:
                self._family_symbols.add(node)
        self._pinned |= _variables(value) - _variables(name)
        self._family_links[name] = self._links(value)
        self._families[(name.base, family.pattern)] = family
        self._families_by_base.setdefault(name.base, []).append(family)
        self._family_cache.clear()
        return self._accept("definition", ELEMENTARY, name, value)

    def _check_units(self, value, scope: dict, name) -> None:
        """Every unit of a family that ``value`` names is within its bound."""
        for node, ranges in _scoped_indices(value, scope):
            family = self._family_of(node)
            if family is not None and not _in_range(
                node.indices[family.position], ranges, family.bound
            ):
                raise ProofError(
                    "definition", f"{name} names {node}, which may lie beyond 1 … {family.bound}"
                )

    def _family_of(self, node) -> _Family | None:
        """The family ``node`` is a unit of (its fixed indices match)."""
        if not isinstance(node, sympy.Indexed):
            return None
        if node in self._family_cache:
            return self._family_cache[node]
        pattern = _pattern(node)
        found = None
        for candidate in self._families_by_base.get(node.base, ()):
            if len(candidate.pattern) == len(pattern) and all(
                fixed is None or fixed == index
                for fixed, index in zip(candidate.pattern, pattern, strict=True)
            ):
                found = candidate
                break
        self._family_cache[node] = found
        return found

    def _reaches(self, node, target: sympy.Indexed, cut: _Family | None = None) -> bool:
        """Whether ``node`` (a name) is built from ``target`` other than
        through the family ``cut``: ``target`` itself, or a definition that
        names it, directly or through other definitions.  Families refer
        only to earlier ones, so one pass in the order they were made
        answers for all of them, without recursion at any depth; each
        answer is kept (definitions never change)."""
        wanted = (target.base, _pattern(target))
        answers = self._walks.setdefault((*wanted, None if cut is None else cut.name), {})
        families = list(self._families.values())
        for family in families[len(answers) :]:
            links = self._family_links[family.name]
            answers[family.name] = self._links_reach(links, wanted, cut, answers, frozenset())
        if isinstance(node, sympy.Indexed) or node not in self._definitions:
            links = self._links(node)
        else:
            links = self._links_of(node)
        return self._links_reach(links, wanted, cut, answers, frozenset())

    def _links_of(self, name) -> tuple:
        """What a defined symbol's value names, as :meth:`_links`."""
        if name not in self._symbol_links:
            self._symbol_links[name] = self._links(self._definitions[name])
        return self._symbol_links[name]

    def _links(self, value) -> tuple:
        """(base, index pattern, family) of each indexed name ``value`` names
        — the family None for a leaf, ANY where a symbolic index may make it
        a unit of some family (v[L, u] beside v[1, u]) — and the names
        defined by :meth:`define` that it names."""
        indexed = []
        for node in value.atoms(sympy.Indexed):
            family = self._family_of(node)
            if family is None and any(
                _covers(other, node) for other in self._families_by_base.get(node.base, ())
            ):
                family = _ANY
            indexed.append((node.base, _pattern(node), family))
        functions = {name.func for name in self._definitions if isinstance(name, AppliedUndef)}
        for node in value.atoms(AppliedUndef):
            if node.func in functions and node not in self._definitions:
                indexed.append((None, (), _ANY))  # G(s) beside a defined G(t): assume the worst
        defined = tuple(
            node
            for node in value.atoms(sympy.Symbol, sympy.Indexed, AppliedUndef)
            if node in self._definitions
        )
        return tuple(indexed), defined

    def _links_reach(self, links, wanted, cut, answers, seen) -> bool:
        indexed, symbols = links
        for base, pattern, family in indexed:
            if family is _ANY:
                return True  # it may be a unit of any family: assume the worst
            if cut is not None and family is cut:
                continue
            if base == wanted[0] and _patterns_may_equal(pattern, wanted[1]):
                return True
            if family is not None and answers[family.name]:
                return True
        return any(
            self._links_reach(self._links_of(symbol), wanted, cut, answers, seen | {symbol})
            for symbol in symbols
            if symbol not in seen
        )

    def _value_of(self, name):
        if isinstance(name, sympy.Symbol) and name in self._definitions:
            return self._definitions[name]
        family = self._family_of(name)
        if family is not None:
            return family.instance(name)
        raise ProofError("chain rule", f"{name} is not a defined quantity")

    def _direct(self, expr, variable, rule: str) -> None:
        """``variable`` may occur in ``expr`` only as itself (or as its
        family's other units): nothing else ``expr`` names is built from it."""
        for node in expr.atoms(sympy.Indexed, sympy.Symbol, AppliedUndef):
            if isinstance(node, sympy.Indexed) and _may_equal(node, variable):
                continue
            if self._reaches(node, variable):
                raise ProofError(rule, f"{node} is built from {variable}: use the chain rule")

    def _independent(self, expr, variable) -> None:
        """SymPy differentiates ``expr`` holding every other name fixed: refuse
        where a defined name in it is built from ``variable`` (y := x makes
        ∂(x·y)/∂x = 2x, not y).  An indexed variable may be a defined
        quantity (∂f(z)/∂z with z a family's unit, as in :meth:`partial`); a
        symbol may not."""
        if not self._definitions and not self._families:
            return
        if isinstance(variable, sympy.Indexed):
            self._direct(expr, variable, "differentiation")
            return
        if variable in self._definitions:
            raise ProofError("differentiation", f"{variable} is a defined name")
        seen, stack = set(), [expr]
        while stack:
            for node in stack.pop().atoms(sympy.Symbol, sympy.Indexed, AppliedUndef):
                if node in seen:
                    continue
                seen.add(node)
                for value in self._meanings(node):
                    if value.has(variable):
                        raise ProofError("differentiation", f"{node} is built from {variable}")
                    stack.append(value)

    def _meanings(self, node) -> list:
        """What the definitions say ``node`` is: its definition, its family's
        value, or every definition of the function it applies."""
        if node in self._definitions:
            return [self._definitions[node]]
        family = self._family_of(node)
        if family is not None:
            return [family.value]
        if isinstance(node, AppliedUndef):
            return [
                value
                for name, value in self._definitions.items()
                if isinstance(name, AppliedUndef) and name.func == node.func
            ]
        return []

    @_recorded
    def partial(self, name, variable: sympy.Indexed, conditions=()) -> Fact:
        """⊢ ∂E/∂v = D  for a defined E whose definition names v directly: D
        is SymPy's derivative of the definition with respect to v (the
        units of v's family are independent variables), Kronecker deltas
        collapsed under ``conditions``.  Refused where something else the
        definition names is built from v."""
        started = time.perf_counter()
        value = self._value_of(name)
        _not_summed(variable, value, "partial derivative")
        _free_conditions(conditions, "partial derivative", value)
        self._direct(value, variable, "partial derivative")
        result = _collapse_kronecker(_diff(value, variable, "partial derivative"), conditions)
        return self._accept(
            "partial derivative",
            SYMPY,
            Partial(name, variable),
            result,
            conditions=conditions,
            started=started,
        )

    @_recorded
    def chain_rule(
        self, name, variable: sympy.Indexed, through: sympy.Indexed, index, conditions=()
    ):
        """The finite chain rule:  ⊢ ∂E/∂u = Σ_{r=1}^{m} ∂E/∂v_r · ∂v_r/∂u.

        ``through`` is a unit of the family v (e.g. z[l + 1, k]), whose bound
        is the concrete m; ``index`` is the summation index r.  The side
        condition is checked against the definitions: E is built from u
        only through v (nothing else E names is, or is built from, u);
        every unit of v that anything names is among v_1 … v_m (checked when
        it was defined); and v_r's own definition names u directly, as in
        :meth:`partial`.  ∂v_r/∂u is SymPy's derivative of that definition,
        Kronecker deltas collapsed under ``conditions``.  The sum stays
        unevaluated, so the step costs the same for every m."""
        started = time.perf_counter()
        family = self._family_of(through)
        if family is None:
            raise ProofError("chain rule", f"{through} is not a unit of a defined family")
        used = (
            variable.free_symbols
            | family.value.free_symbols
            | _summation_indices(family.value)
            | _variables(name)
        )
        fresh = index not in used and not any(index in c.free_symbols for c in conditions)
        if not (isinstance(index, sympy.Symbol) and fresh):
            raise ProofError("chain rule", f"{index} is not a fresh summation index")
        if _covers(family, variable):
            raise ProofError("chain rule", f"{variable} is one of the units it goes through")
        value = self._value_of(name)
        if any(
            self._reaches(node, variable, family)
            for node in value.atoms(sympy.Indexed, sympy.Symbol, AppliedUndef)
        ):
            raise ProofError(
                "chain rule", f"{name} is built from {variable} other than through {through.base}"
            )
        unit = family.name.xreplace({family.unit: index})
        inner = family.instance(unit)
        _not_summed(variable, value, "chain rule")
        _not_summed(variable, inner, "chain rule")
        _free_conditions(conditions, "chain rule", value, inner)
        self._direct(inner, variable, "chain rule")
        slope = _collapse_kronecker(_diff(inner, variable, "chain rule"), conditions)
        total = _collapse_kronecker(
            sympy.Sum(Partial(name, unit) * slope, (index, 1, family.bound)), conditions
        )
        return self._accept(
            "finite chain rule",
            SYMPY,
            Partial(name, variable),
            total,
            conditions=conditions,
            started=started,
        )

    @_recorded
    def instantiate(self, fact: Fact, mapping: dict) -> Fact:
        """⊢ a = b  gives  ⊢ a[σ] = b[σ]   for a substitution σ of free symbols
        (and undefined functions) — sound because facts are identities.

        Keys must be symbols or undefined functions; substituting into a
        compound sub-expression is not instantiation and is refused.
        """
        defined_functions = {n.func for n in self._definitions if isinstance(n, AppliedUndef)}
        for key, value in mapping.items():
            if not isinstance(key, (sympy.Symbol, UndefinedFunction)):
                raise ProofError("instantiation", f"{key} is not a variable")
            if key in self._definitions or key in defined_functions:
                raise ProofError("instantiation", f"{key} is a defined name")
            if key in self._pinned:
                raise ProofError(
                    "instantiation", f"{key} occurs in a definition whose name does not show it"
                )
            _within_assumptions(key, value)
        summed = _summation_indices(fact.lhs, fact.rhs, *fact.conditions)
        for key, value in mapping.items():
            if key in summed:
                raise ProofError("instantiation", f"{key} is a summation index, not free")
            captured = summed & set(getattr(value, "free_symbols", ()))
            if captured:
                raise ProofError(
                    "instantiation",
                    f"{key} ↦ {value} would be captured by the sum or Subs over {captured.pop()}",
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
        # The instance's hypotheses are the premise's, substituted: they
        # replace the premise's own (1 ≤ j ≤ 3 becomes 1 ≤ 1 ≤ 3 at j = 1).
        return self._accept(
            "instantiation",
            ELEMENTARY,
            lhs,
            rhs,
            [fact],
            conditions,
            started=started,
            discharged=fact.conditions,
        )

    @_recorded
    def rewrite(self, fact: Fact, equation: Fact) -> Fact:
        """a = b, u = v ⊢ a = b[u := v]   (replacing equals by equals)"""
        started = time.perf_counter()
        _replaceable("rewrite", [equation])
        _check_free_of_bound(fact.rhs, [equation])
        _outside_partials(fact.rhs, [equation])
        inside = _conditions_inside_sums(fact.rhs, [equation])
        rhs = algebra.replace_nodes(fact.rhs, {equation.lhs: equation.rhs})
        if rhs == fact.rhs:
            raise ProofError("rewrite", f"{equation.lhs} does not occur")
        return self._accept(
            "rewrite",
            ELEMENTARY,
            fact.lhs,
            rhs,
            [fact, equation],
            fact.conditions,
            started=started,
            discharged=inside,
        )

    @_recorded
    def rewrite_all(self, fact: Fact, equations: list[Fact]) -> Fact:
        """a = b, u₁ = v₁, …, uₙ = vₙ ⊢ a = b[u₁ := v₁, …]   (simultaneously)"""
        started = time.perf_counter()
        _replaceable("rewrite", equations)
        _check_free_of_bound(fact.rhs, equations)
        _outside_partials(fact.rhs, equations)
        inside = _conditions_inside_sums(fact.rhs, equations)
        rhs = algebra.replace_nodes(fact.rhs, {e.lhs: e.rhs for e in equations})
        return self._accept(
            "rewrite",
            ELEMENTARY,
            fact.lhs,
            rhs,
            [fact, *equations],
            fact.conditions,
            started=started,
            discharged=inside,
        )

    @_recorded
    def expand_sum(self, total: sympy.Sum) -> Fact:
        """⊢ Σ_{r=lo}^{hi} e = e[r := lo] + … + e[r := hi]   for integer bounds:
        the definition of a finite sum, applied by substitution.  Over several
        indices, the outermost is written out and the others stay a sum."""
        if not isinstance(total, sympy.Sum):
            raise ProofError("sum expansion", "not a sum")
        _refuse_reversed_sums("sum expansion", total)
        index, low, high = total.limits[-1]
        if not (low.is_Integer and high.is_Integer) or high - low > SUM_EXPANSION_LIMIT:
            raise ProofError("sum expansion", "the bounds are not small integers")
        inner = total.function
        if len(total.limits) > 1:
            inner = sympy.Sum(total.function, *total.limits[:-1])
        if index in _summation_indices(inner):
            raise ProofError("sum expansion", f"{index} is also summed over inside")
        terms = [
            algebra.replace_nodes(inner, {index: value}) for value in range(int(low), int(high) + 1)
        ]
        return self._accept("sum expansion", ELEMENTARY, total, sympy.Add(*terms))

    # -- steps that rely on SymPy ----------------------------------------------

    @_recorded
    def linear_sum(self, total: sympy.Sum, conditions=()) -> Fact:
        """⊢ Σ_r (c₁·t₁(r) + …) = c₁·Σ_r t₁(r) + …   (linearity of a finite
        sum, :func:`proofs.kernel.algebra.split_sum`: the body expanded by
        SymPy, the factors free of r moved out), then Σ_r t(r)·[r = j] = t(j)
        where ``conditions`` give lo ≤ j ≤ hi.  Sound for any bounds: the
        width is never written out."""
        started = time.perf_counter()
        if not isinstance(total, sympy.Sum) or len(total.limits) != 1:
            raise ProofError("linear sum", "not a sum over one index")
        _, low, high = total.limits[0]
        if low.is_integer is False or high.is_integer is False:
            # Widths n[l] carry no assumptions (one made the depth-100 proof
            # 35% slower), so a bound need only not be known to be fractional.
            raise ProofError("linear sum", "a bound is not an integer")
        _refuse_reversed_sums("linear sum", total)
        _free_conditions(conditions, "linear sum", total)
        if total.function.has(Partial) or _bound_but_by_sums(total.function, total.limits[0][0]):
            raise ProofError("linear sum", "the body holds a derivative or a bound variable")
        result = _collapse_kronecker(algebra.split_sum(total), conditions)
        return self._accept(
            "linear sum", SYMPY, total, result, conditions=conditions, started=started
        )

    @_recorded
    def differentiate(self, expr: sympy.Expr, variable, conditions=(), shared=False) -> Fact:
        """⊢ ∂expr/∂variable = D, where the kernel computes D with SymPy's
        differentiation (sums over symbolic ranges are evaluated with
        ``doit`` and refined under ``conditions``).  ``shared=True`` applies
        the same rules once per shared node (:func:`proofs.kernel.differentiation.differentiate`,
        tested against ``sympy.diff``) for expanded networks, whose trees
        ``sympy.diff`` walks path by path."""
        started = time.perf_counter()
        _free_conditions(conditions, "differentiation", expr)
        _refuse_reversed_sums("differentiation", expr)
        self._independent(expr, variable)
        if isinstance(variable, sympy.Indexed):
            _not_summed(variable, expr, "differentiation")
            if shared:
                raise ProofError("differentiation", "the shared rules compare names, not indices")
        if shared:
            if expr.has(Partial):
                raise ProofError(
                    "differentiation",
                    "a partial derivative ∂E/∂v cannot be differentiated by SymPy",
                )
            result = differentiate(expr, variable)
        else:
            result = _diff(expr, variable, "differentiation")
        if result.has(sympy.Sum) or result.has(sympy.KroneckerDelta):
            result = _pinned_free(result, conditions)
            result = _collapse_deltas(result, conditions)
        lhs = sympy.Derivative(expr, variable)
        return self._accept(
            "differentiation", SYMPY, lhs, result, conditions=conditions, started=started
        )

    @_recorded
    def algebra(self, lhs: sympy.Expr, rhs: sympy.Expr, conditions=(), opaque=frozenset()) -> Fact:
        """⊢ lhs = rhs when lhs − rhs is zero by exact algebra (expansion over
        atoms; sums are evaluated and refined under ``conditions``).  Refused
        where a denominator vanishes everywhere: cancelling it would prove
        N/(2N) = 1/2 for an N that is 0, and N = 0 would then give 1/2 = 0."""
        started = time.perf_counter()
        _free_conditions(conditions, "algebra", lhs, rhs)
        _refuse_reversed_sums("algebra", lhs, rhs)
        difference = _pinned_free(_name_points(lhs - rhs), conditions)
        sums = frozenset(difference.atoms(sympy.Sum))
        if sums and algebra.is_zero(difference, sums, thorough=False):
            # Each sum as one atom, the same node the same atom: sound, and
            # the sums are never written out.
            return self._accept("algebra", SYMPY, lhs, rhs, conditions=conditions, started=started)
        if sums and _same_sum_bodies(lhs, rhs, opaque, conditions):
            return self._accept("algebra", SYMPY, lhs, rhs, conditions=conditions, started=started)
        if any(_terms(s) > SUM_ALGEBRA_LIMIT for s in sums):
            raise ProofError("algebra", "the two sides differ with each sum taken as a whole")
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

    @_recorded
    def simplification(self, lhs: sympy.Expr, rhs: sympy.Expr) -> Fact:
        """⊢ lhs = rhs when SymPy's ``simplify`` reduces lhs − rhs to zero,
        named functions written out by their own rewrite rules (σ and
        softplus through exp, relu through Max), in exponential or in
        piecewise form.  For the identities expansion cannot see:
        1 − e^{−softplus(x)} = σ(x), H(max(0, x)) = H(x).  No caller says
        what a function is: a definition passed in could say anything."""
        started = time.perf_counter()
        difference = (lhs - rhs).rewrite(sympy.Max)
        for form in (sympy.exp, sympy.Piecewise):
            written = difference.rewrite(form)
            if _quickly_zero(written) or sympy.simplify(written) == 0:
                return self._accept("simplification", SYMPY, lhs, rhs, started=started)
        raise ProofError("simplification", "the two sides differ", _counterexample(difference))

    def equal_by_algebra(self, fact: Fact, rhs: sympy.Expr, opaque=frozenset()) -> Fact:
        """a = b ⊢ a = c   when b = c by :meth:`algebra`."""
        step = self.algebra(fact.rhs, rhs, fact.conditions, opaque)
        return self.transitivity(fact, step)

    # -- assumptions -----------------------------------------------------------

    @_recorded
    def assume(self, name: str, lhs: sympy.Expr, rhs: sympy.Expr, reason: str, conditions=()):
        """⊢ lhs = rhs, taken without proof.  Recorded by name; every fact
        built from it lists the name among its assumptions."""
        self.assumed[name] = reason
        fact = Fact(lhs, rhs, "assumption", ASSUMED, frozenset(conditions), frozenset([name]))
        return self._issue(fact, name, 0.0)


def _gather_sums(expr):
    """Linearity of finite sums, as a normal form: a factor beside a sum
    moves into it (c·Σ_h t_h = Σ_h c·t_h, where c does not contain h) and a
    sum of a sum becomes one sum over both indices.  Nothing is written
    out, whatever the bounds."""
    if isinstance(expr, sympy.Sum):
        body = _gather_sums(expr.function)
        outer = {limit[0] for limit in expr.limits}
        if isinstance(body, sympy.Sum) and not outer & {limit[0] for limit in body.limits}:
            return sympy.Sum(body.function, *body.limits, *expr.limits)
        return sympy.Sum(body, *expr.limits)
    if expr.is_Mul:
        factors = [_gather_sums(factor) for factor in expr.args]
        sums = [factor for factor in factors if isinstance(factor, sympy.Sum)]
        if len(sums) == 1:
            rest = sympy.Mul(*(factor for factor in factors if factor is not sums[0]))
            bound = {limit[0] for limit in sums[0].limits}
            if not rest.free_symbols & bound:
                return sympy.Sum(rest * sums[0].function, *sums[0].limits)
        return sympy.Mul(*factors)
    return expr


def _same_sum_bodies(lhs, rhs, opaque, conditions=()) -> bool:
    """lhs and rhs gather (:func:`_gather_sums`) into sums over the same
    indices and bounds whose bodies are equal by algebra: then they are
    equal, term by term.  An index that has one value (a sum over 1 … 1, or
    a unit the conditions pin) is that value in the body."""
    left, right = _gather_sums(lhs), _gather_sums(rhs)
    if not (isinstance(left, sympy.Sum) and isinstance(right, sympy.Sum)):
        return False

    def settled(total):
        pins = {k: v for k, v in _forced(conditions).items() if k in total.free_symbols}
        limits = []
        for index, low, high in total.limits:
            if low == high:
                pins[index] = low
            else:
                limits.append((index, low, high))
        bound_here = {limit[0] for limit in limits} | _summation_indices(total.function)
        in_bounds = set().union(*(low.free_symbols | high.free_symbols for _, low, high in limits))
        values = set().union(*(sympy.sympify(v).free_symbols for v in pins.values()))
        if set(pins) & (in_bounds | _summation_indices(total.function)) or values & bound_here:
            return None, None  # a pinned index in a bound, rebound inside, or captured
        return algebra.replace_nodes(total.function, pins), tuple(limits)

    (left_body, left_limits), (right_body, right_limits) = settled(left), settled(right)
    if left_limits is None or right_limits is None or left_limits != right_limits:
        return False
    difference = left_body - right_body
    inner = frozenset(difference.atoms(sympy.Sum)) | frozenset(opaque)
    return algebra.is_zero(difference, inner, thorough=False)


def _terms(total: sympy.Sum) -> int:
    """How many terms a sum with integer bounds has (0 for symbolic bounds,
    which only ``doit``/``refine`` can decide and never write out)."""
    count = 1
    for _, low, high in total.limits:
        if not (low.is_Integer and high.is_Integer):
            return 0
        count *= max(int(high - low) + 1, 0)
    return count


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


def _outside_partials(expr, equations: list[Fact]) -> None:
    """∂E/∂v depends on how E and v are defined, not only on their values:
    equals may not replace equals inside a Partial (only the whole node)."""
    for node in expr.atoms(Partial):
        for equation in equations:
            if node != equation.lhs and any(arg.has(equation.lhs) for arg in node.args):
                raise ProofError("rewrite", f"{equation.lhs} occurs inside {node}")


def _conditions_inside_sums(expr, equations: list[Fact]) -> frozenset:
    """An equation that holds under 1 ≤ i ≤ n may replace equals inside a sum
    over i only where that sum runs within 1 … n; then, there, the condition
    holds and is discharged.  Any other condition on a summation index of
    ``expr`` (or on one that is also free in it) is refused."""
    summed = _summation_indices(expr)
    discharged = set()
    for equation in equations:
        for condition in equation.conditions:
            inside = condition.free_symbols & summed
            if not inside:
                continue
            (index,) = inside if len(inside) == 1 else (None,)
            if index is not None and index not in equation.lhs.free_symbols:
                index = None  # then its left side may also occur outside the sums
            if (
                index is None
                or index in expr.free_symbols
                or _bound_but_by_sums(expr, index)
                or not _every_sum_within(expr, index, condition)
            ):
                raise ProofError(
                    "rewrite", f"{condition} is not known to hold wherever the equation is used"
                )
            discharged.add(condition)
    return frozenset(discharged)


def _bound_but_by_sums(expr, index) -> bool:
    """Whether something other than a sum binds ``index`` in ``expr`` (Subs,
    a derivative's variable, Lambda, a product or an integral): there the
    ranges of the sums say nothing (Subs(…, i, 7) uses i = 7)."""
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Sum):
            continue
        if isinstance(node, sympy.Derivative):
            if index in node.variables:
                return True
        elif index in getattr(node, "bound_symbols", ()):
            return True
    return False


def _every_sum_within(expr, index, condition) -> bool:
    """Every sum of ``expr`` over ``index`` satisfies ``condition`` (a ≤ i or
    i ≤ b with integer a, b) for all its values."""
    if not (
        isinstance(condition, sympy.assumptions.relation.binrel.AppliedBinaryRelation)
        and condition.function == sympy.Q.le
    ):
        return False
    low, high = condition.arguments
    for total in expr.atoms(sympy.Sum):
        for variable, start, stop in total.limits:
            if variable != index:
                continue
            if high == index and not (low.is_Integer and start.is_Integer and start >= low):
                return False
            if low == index and not (high.is_Integer and stop.is_Integer and stop <= high):
                return False
            if index not in (low, high):
                return False
    return True


def _replaceable(rule: str, equations: list[Fact]) -> None:
    """Equals replace names and compound expressions, never a number: a
    number also stands where only an integer may (a sum's bound, an index,
    the order of a derivative)."""
    for equation in equations:
        if equation.lhs.is_Number:
            raise ProofError(rule, f"the number {equation.lhs} is not rewritten")


def _check_free_of_bound(expr, equations: list[Fact]) -> None:
    """Equals may replace equals only where no derivative in ``expr`` (other
    than the replaced nodes themselves) varies one of their symbols.  All
    equations are checked in one pass, against the symbols of every one of
    them: stricter than one by one, and linear in their number."""
    remaining = algebra.replace_nodes(expr, {e.lhs: sympy.Dummy() for e in equations})
    bound = {v for d in remaining.atoms(sympy.Derivative) for v, _ in d.variable_count}
    bound |= {v for node in _binders(remaining) for v in node.variables}
    if not bound:
        return
    symbols = set().union(*(e.lhs.free_symbols | e.rhs.free_symbols for e in equations))
    clash = bound & symbols
    if clash:
        raise ProofError(
            "rewrite",
            f"{clash.pop()} is bound (differentiated by, or substituted) where it is rewritten",
        )


def _substitute(expr, mapping):
    """Replace symbols and undefined functions, each shared node once."""
    symbols = {k: v for k, v in mapping.items() if isinstance(k, sympy.Symbol)}
    functions = {k: v for k, v in mapping.items() if isinstance(k, UndefinedFunction)}
    return algebra.replace_nodes(expr, symbols, functions)


def _variables(expr) -> set:
    """Free symbols and undefined functions of ``expr``."""
    return set(expr.free_symbols) | {node.func for node in expr.atoms(AppliedUndef)}


def _pinned_free(expr, conditions) -> sympy.Expr:
    """``expr`` with the indices the conditions pin to one value replaced,
    where they are free: a summation index keeps its range even when a
    condition carried from an instance mentions it."""
    forced = _forced(conditions)
    if not forced:
        return expr
    bound = {limit[0] for total in expr.atoms(sympy.Sum) for limit in total.limits}
    return algebra.replace_nodes(
        expr, {k: v for k, v in forced.items() if k in expr.free_symbols and k not in bound}
    )


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

    def debris(node):
        return isinstance(node, sympy.Sum) and (
            node.function == 0 or node.function.has(sympy.KroneckerDelta)
        )

    expr = _collapse_kronecker(expr, conditions)
    if not expr.has(sympy.KroneckerDelta) and not expr.has(sympy.Sum):
        return expr
    return expr.replace(debris, lambda node: _refine(node.doit(), conditions))


def _collapse(expr, conditions):
    """Evaluate sums of Kronecker deltas and refine the result under the
    conditions (e.g. 1 ≤ p ≤ n makes Piecewise((t, p ≤ n), (0, True)) = t)."""
    return _refine(expr.doit(), conditions)


_REFINABLE = (
    sympy.Piecewise,
    sympy.core.relational.Relational,
    sympy.logic.boolalg.BooleanFunction,
    sympy.Abs,
    sympy.sign,
    sympy.re,
    sympy.im,
    sympy.arg,
    sympy.atan2,
)
"""What ``refine`` can change under conditions on the indices (its handlers
and the relations), besides a power with a symbolic exponent."""


def _refine(expr, conditions):
    """``expr`` refined under the conditions, as ``sympy.refine`` does, with
    the common case decided first and without SymPy's assumption system
    (whose first use costs a tenth of a second): Piecewise((t, c), …) = t
    where the conditions state c (:func:`_settle_piecewise`).  ``refine``
    runs only on what is left that it could change."""
    expr = _settle_piecewise(expr, conditions)
    if not any(
        isinstance(node, _REFINABLE) or (node.is_Pow and not node.exp.is_Integer)
        for node in sympy.preorder_traversal(expr)
    ):
        return expr
    return sympy.refine(expr, sympy.And(*conditions) if conditions else True)


def _settle_piecewise(expr, conditions):
    """Piecewise((t, c), …) = t where c is a ≤ b (or b ≥ a) stated among the
    conditions as Q.le(a, b), or a conjunction of such: what ``doit`` leaves
    of Σ_{k=1}^{n} [k = j]·t_k, Piecewise((t_j, j ≤ n), (0, True)), under
    1 ≤ j ≤ n.  Only the first piece: its condition holds, so it is the value."""
    stated = {
        c.arguments
        for c in conditions
        if isinstance(c, sympy.assumptions.relation.binrel.AppliedBinaryRelation)
        and c.function == sympy.Q.le
    }

    def given(condition) -> bool:
        if isinstance(condition, sympy.And):
            return all(given(part) for part in condition.args)
        if isinstance(condition, sympy.LessThan):
            return (condition.lhs, condition.rhs) in stated
        if isinstance(condition, sympy.GreaterThan):
            return (condition.rhs, condition.lhs) in stated
        return False

    def settle(node):
        value, condition = node.args[0]
        return value if given(condition) else node

    return expr.replace(lambda node: isinstance(node, sympy.Piecewise), settle)


def _quickly_zero(expr) -> bool:
    """Zero after SymPy's cheap value-preserving rewrites (one fraction,
    logarithms of products split where that is valid, powers combined,
    expanded): σ(u) = (1 + tanh(u/2))/2 in milliseconds, where ``simplify``
    takes a fifth of a second."""
    combined = sympy.expand_log(sympy.together(expr), force=False)
    return sympy.expand(sympy.powsimp(combined)) == 0


def _free_conditions(conditions, rule: str, *exprs) -> None:
    """Conditions speak of free indices: one about an index a sum in
    ``exprs`` binds (1 ≤ r ≤ 3 beside Σ_{r=4}^{4}) would be read inside it."""
    summed = _summation_indices(*exprs)
    for condition in conditions:
        labels = {node.base.label for node in condition.atoms(sympy.Indexed)}
        loose = [
            symbol
            for symbol in condition.free_symbols - labels
            if isinstance(symbol, sympy.Symbol) and symbol.is_integer is not True
        ]
        if loose:
            raise ProofError(rule, f"the condition {condition} is about {loose[0]}, not an integer")
        clash = condition.free_symbols & summed
        if clash:
            raise ProofError(
                rule, f"the condition {condition} names the summation index {clash.pop()}"
            )


def _not_summed(variable, expr, rule: str) -> None:
    """The variable's indices must be free where it is differentiated by: in
    Σ_u c_u v_u, "∂/∂v_u" with the summation index u is no derivative."""
    clash = set(variable.free_symbols) & _summation_indices(expr)
    if clash:
        raise ProofError(rule, f"{variable}: {clash.pop()} is a summation index there")


def _diff(expr, variable, rule: str):
    """SymPy's derivative, refused where ``expr`` holds a :class:`Partial`:
    SymPy would read ∂E/∂v as a constant (its arguments do not show what E
    is built from) and differentiate it to 0."""
    if expr.has(Partial):
        raise ProofError(rule, "a partial derivative ∂E/∂v cannot be differentiated by SymPy")
    if isinstance(variable, sympy.Indexed):
        return indexed_derivative(expr, variable)
    return sympy.diff(expr, variable)


def _entails(conditions, low, value, high) -> bool:
    """low ≤ value ≤ high, from ``conditions`` of the form 1 ≤ j, j ≤ n (a
    positive integer symbol is ≥ 1 by its assumptions): integer bounds, or a
    symbolic bound stated as it is (j ≤ n_l for a sum up to n_l)."""
    if value.is_Integer:
        return low.is_Integer and high.is_Integer and low <= value <= high
    if not isinstance(value, sympy.Symbol) or value.is_integer is not True:
        return False  # 1 ≤ j ≤ 3 leaves j = 3/2 unless j is an integer
    facts = set(conditions)
    above = sympy.Q.le(low, value) in facts or (
        low.is_Integer and low <= 1 and (value.is_positive or sympy.Q.le(1, value) in facts)
    )
    below = sympy.Q.le(value, high) in facts or (
        high.is_Integer
        and any(
            isinstance(c, sympy.assumptions.relation.binrel.AppliedBinaryRelation)
            and c.function == sympy.Q.le
            and c.arguments[0] == value
            and c.arguments[1].is_Integer
            and c.arguments[1] <= high
            for c in facts
        )
    )
    return bool(above and below)


def _collapse_kronecker(expr, conditions):
    """Σ_{r=lo}^{hi} t(r, [r = j]) = t(j, 1)  where t(r, 0) is 0 and the
    conditions give lo ≤ j ≤ hi.  Since [r = j] is 0 or 1, t(r, [r = j]) =
    [r = j]·t(r, 1) whenever t(r, 0) = 0 (checked: it must come out as 0
    exactly), so only the term r = j is left.  A sum of terms is split
    first.  Structural: the width is never expanded."""

    summed = _summation_indices(expr)  # conditions speak of free indices only

    def collapse(node):
        if not isinstance(node, sympy.Sum) or len(node.limits) != 1:
            return node
        index, low, high = node.limits[0]
        body = node.function
        if body == 0:
            return sympy.Integer(0)
        if body.is_Add:
            return sympy.Add(*(collapse(sympy.Sum(term, node.limits[0])) for term in body.args))
        for delta in body.atoms(sympy.KroneckerDelta):
            if index not in delta.args:
                continue
            other = delta.args[1] if delta.args[0] == index else delta.args[0]
            if index in other.free_symbols or other.free_symbols & summed:
                continue
            if _summation_indices(body) & ({index} | other.free_symbols):
                continue  # r := j would reach into an inner sum that binds r or j
            if any(_bound_but_by_sums(body, s) for s in {index} | other.free_symbols):
                continue  # … or into a derivative by j (∂r/∂j is 0, ∂j/∂j is 1)
            if not _entails(conditions, low, other, high):
                continue
            switch = sympy.Dummy("switch")
            term = body.xreplace({delta: switch})
            if term.xreplace({switch: sympy.S.Zero}) == 0:
                return term.xreplace({switch: sympy.S.One}).xreplace({index: other})
        return node

    return expr.replace(lambda node: isinstance(node, sympy.Sum), collapse)
