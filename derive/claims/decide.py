"""The verdict on a claim: proved, false with a counterexample, or undecided.

For each network and each value of the free indices the claim's two sides
are first compared numerically at a few points of small rationals, at 40
significant digits: a clear difference there is a counterexample anyone can
recompute.  Where they agree, :func:`proofs.kernel.algebra.is_zero` decides exactly;
only an exact zero for every case makes the claim ``proved``.  Agreement that
exact algebra cannot confirm is reported as what it is — evidence, not proof.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
import sympy

from derive import registry
from derive.claims.exponential import is_zero_through_exponentials
from derive.claims.meaning import ETA, Meaning, Missing
from derive.claims.syntax import (
    Claim,
    Derivative,
    Ref,
    Update,
    instantiate,
    letters,
    ref_text,
    refs,
    unparse,
)
from derive.errors import InputError
from derive.spec import NetworkSpec
from proofs.kernel.algebra import atomize, is_zero, memoised

DIGITS = 40
POINTS = 3
_VALUES = [
    Fraction(n, d)
    for n, d in [
        (1, 2),
        (-1, 1),
        (3, 2),
        (-1, 3),
        (2, 1),
        (-3, 2),
        (2, 3),
        (1, 1),
        (-2, 1),
        (1, 3),
        (-2, 3),
        (-1, 2),
    ]
]
_TARGETS = [Fraction(1, 4), Fraction(1, 3), Fraction(1, 2), Fraction(2, 3), Fraction(3, 4)]
_RATES = [Fraction(1, 10), Fraction(1, 5), Fraction(3, 10)]


@dataclass
class Verdict:
    """What ``derive check`` found.  ``holds`` is True (proved), False (a
    counterexample or a term that does not exist) or None (undecided)."""

    holds: bool | None
    explanation: str
    lhs: str
    rhs: str
    notation: str
    free_indices: list[str] = field(default_factory=list)
    sizes_checked: list[tuple[int, ...]] = field(default_factory=list)
    cases: int = 0
    counterexample: dict | None = None

    @property
    def verdict(self) -> str:
        return {True: "proved", False: "false", None: "undecided"}[self.holds]

    @property
    def exit_code(self) -> int:
        return {True: 0, False: 1, None: 3}[self.holds]

    def as_json(self) -> dict:
        return {
            "verdict": self.verdict,
            "lhs": self.lhs,
            "rhs": self.rhs,
            "notation": self.notation,
            "free_indices": self.free_indices,
            "sizes_checked": [list(w) for w in self.sizes_checked],
            "cases": self.cases,
            "counterexample": self.counterexample,
            "explanation": self.explanation,
        }


def validate(claim: Claim, names) -> None:
    """The left side must be a quantity the model defines."""
    lhs = claim.lhs
    if isinstance(lhs, (Derivative, Update)):
        return
    if isinstance(lhs, Ref) and lhs.name in names.quantities:
        if names.quantities[lhs.name].kind in ("delta", "loss"):
            return
    known = "g[j], e[h]" if names.notation == "xigua" else "delta[l][j]"
    raise InputError(
        f"the left side {unparse(lhs)!r} is not a known quantity: write E, dE/d<parameter>, "
        f"d(<unit>)/d(<unit or parameter>), Delta <parameter> or {known}"
    )


def decide(
    claim: Claim,
    specs: list[NetworkSpec],
    names,
    bias_sign: int,
    sizes: dict[int, str],
    progress=None,
) -> Verdict:
    """``sizes`` describes, per depth, which widths ``specs`` cover; progress
    (per network) goes to ``progress`` where given."""
    validate(claim, names)
    sides = (claim.lhs, claim.rhs)
    left, right = (letters(s) - set(names.sizes) for s in sides)
    free = sorted(left | right)
    verdict = Verdict(None, "", unparse(claim.lhs), unparse(claim.rhs), names.notation, free)
    undecided: list = []
    missing = None
    for number, spec in enumerate(specs):
        if progress is not None:
            progress.update("the claim on each network", number, len(specs))
        meaning = Meaning(spec, names, bias_sign)
        bindings = meaning.bindings(sides, free)
        if not bindings:
            continue
        verdict.sizes_checked.append(spec.widths)
        for env in bindings:
            verdict.cases += 1
            try:
                lhs_value = meaning.value(claim.lhs, env)
                rhs_value = meaning.value(claim.rhs, env)
            except Missing as error:
                # False already; go on only to find numbers that show it.
                missing = missing or (spec, env, str(error))
                continue
            witness, agreed = _compare(meaning, lhs_value, rhs_value, range(1))
            if witness is None and missing is None:
                if _exactly_zero(lhs_value, rhs_value, meaning):
                    continue
                witness, more = _compare(meaning, lhs_value, rhs_value, range(1, POINTS))
                if witness is None:
                    undecided.append((spec, env, agreed + more))
            if witness is not None:
                verdict.holds = False
                verdict.counterexample = {
                    "widths": list(spec.widths),
                    "indices": env,
                    "lhs": unparse(instantiate(claim.lhs, env)),
                    "rhs": unparse(instantiate(claim.rhs, env)),
                    **witness,
                }
                verdict.explanation = _refutation(verdict, left, right, names)
                return verdict
    if not verdict.sizes_checked:
        raise InputError(_nothing_to_check(claim, specs, names, bias_sign, sizes))
    if missing is not None:
        spec, env, reason = missing
        verdict.holds = False
        verdict.counterexample = {"widths": list(spec.widths), "indices": env}
        verdict.explanation = f"false: {reason}" + (f" (at {_indices(env)})" if env else "")
        return verdict
    if undecided:
        spec, env, agreed = undecided[0]
        where = f"widths {','.join(map(str, spec.widths))}" + (f", {_indices(env)}" if env else "")
        if agreed:
            evidence = (
                f"there the two sides agree to 20 digits at {agreed} of {POINTS} points, "
                "which is evidence, not proof"
            )
        else:
            evidence = "the sides could not be evaluated at the test points (undefined there)"
        verdict.explanation = (
            f"undecided: exact algebra could not show the two sides equal in "
            f"{len(undecided)} of {verdict.cases} cases (first: {where}); {evidence}"
        )
        return verdict
    verdict.holds = True
    depths = {len(w) - 1 for w in verdict.sizes_checked}
    shown = _sizes({d: text for d, text in sizes.items() if d in depths}, sizes)
    scope = f"for every {', '.join(free)} on " if free else "on "
    verdict.explanation = (
        f"proved: exact algebra shows the two sides equal {scope}{shown} "
        f"({_count(len(verdict.sizes_checked), 'network')}, {_count(verdict.cases, 'case')})"
    )
    return verdict


def _nothing_to_check(claim: Claim, specs, names, bias_sign: int, sizes) -> str:
    """Why no network had a case: a fixed index past every width, if that is it."""
    largest = Meaning(max(specs, key=lambda s: (s.depth, sum(s.widths))), names, bias_sign)
    for side in (claim.lhs, claim.rhs):
        for ref in refs(side):
            fixed = all(i.base is None for i in ref.indices + ((ref.layer,) if ref.layer else ()))
            if fixed and ref.name in names.quantities and not largest.exists(ref, frozenset(), {}):
                return (
                    f"{ref_text(ref)} is out of range for every network checked "
                    f"({_sizes(sizes, sizes)})"
                )
    return (
        "no network checked has every quantity the claim mentions "
        f"(checked {_sizes(sizes, sizes)}); look at the indices and --layers/--widths"
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _sizes(described: dict[int, str], every: dict[int, str]) -> str:
    """'networks with L = 2, every width 1..3; …', naming the depth only when
    several were on offer."""
    if len(every) == 1:
        return next(iter(described.values()))
    parts = [f"L = {depth}, {text}" for depth, text in sorted(described.items())]
    return "networks with " + "; ".join(parts)


def _exactly_zero(lhs: sympy.Expr, rhs: sympy.Expr, meaning: Meaning) -> bool:
    """Cheapest exact test first; σ written through exp before full expansion.

    The first stage also treats every sub-expression the two sides share as
    one atom (the same node, the same atom: sound), so that a slope
    σ(z)(1 − σ(z)) on both sides is not multiplied out path by path."""
    opaque = meaning.network.pre_activations_expanded
    difference = lhs - rhs
    try:
        return (
            _polynomial_is_zero(atomize(difference, {}, opaque | _shared(lhs, rhs)))
            or _polynomial_is_zero(atomize(difference, {}, opaque))
            or is_zero(difference, opaque, thorough=False)
            or is_zero_through_exponentials(difference)
            or is_zero(difference, opaque)
        )
    except (OverflowError, RecursionError, ValueError):
        return False  # SymPy gave up on huge constants: not shown to be zero


def _shared(lhs: sympy.Expr, rhs: sympy.Expr) -> frozenset:
    """The compound sub-expressions that occur in both sides."""
    return frozenset((_nodes(lhs) & _nodes(rhs)) - {lhs, rhs})


def _nodes(expr: sympy.Expr) -> set:
    seen, stack = set(), [expr]
    while stack:
        node = stack.pop()
        if node in seen or not node.args:
            continue
        seen.add(node)
        stack.extend(node.args)
    return seen


def _polynomial_is_zero(polynomial: sympy.Expr) -> bool:
    """SymPy's sparse polynomials: several times faster than ``expand`` here."""
    symbols = sorted(polynomial.free_symbols, key=str)
    if not symbols:
        return polynomial == 0
    try:
        return sympy.Poly(polynomial, *symbols).is_zero
    except sympy.PolynomialError:
        return False


def _indices(env: dict) -> str:
    return ", ".join(f"{k} = {v}" for k, v in env.items())


def _refutation(verdict: Verdict, left: set, right: set, names) -> str:
    example = verdict.counterexample
    widths = ",".join(map(str, example["widths"]))
    sizes = "d,q,l" if names.notation == "xigua" else "n0..nL"
    text = (
        f"false: with widths {sizes} = {widths}"
        + (f" and {_indices(example['indices'])}" if example["indices"] else "")
        + f", at the values below the left side is {example['lhs_value']} "
        f"and the right side {example['rhs_value']}"
    )
    only_right, only_left = sorted(right - left), sorted(left - right)
    if only_right:
        text += (
            f". Note: {', '.join(only_right)} "
            f"{'appears' if len(only_right) == 1 else 'appear'} on the right side only, so "
            "the claim is read for every value; a Σ may be missing"
        )
    elif only_left:
        verb = "is" if len(only_left) == 1 else "are"
        text += (
            f". Note: {', '.join(only_left)} {verb} free on the left side only "
            "(on the right missing or bound by a Σ)"
        )
    return text


def _compare(meaning: Meaning, lhs, rhs, points: range) -> tuple[dict | None, int]:
    """A point where the sides clearly differ, with the values used (or
    None), and at how many points they were both defined and agreed."""
    symbols = sorted(_symbols(lhs) | _symbols(rhs), key=lambda s: meaning.symbol_names.get(s, ""))
    agreed = 0
    for point in points:
        chooser = random.Random(1000 + point)
        values = {s: _value_for(meaning, s, chooser) for s in symbols}
        left, right = _evaluate(lhs, values), _evaluate(rhs, values)
        if left is None or right is None:
            continue
        agreed += 1
        if abs(left - right) > sympy.Float(10) ** -20 * (1 + abs(left) + abs(right)):
            return {
                "values": {meaning.symbol_names.get(s, str(s)): str(v) for s, v in values.items()},
                "lhs_value": _short(left),
                "rhs_value": _short(right),
            }, agreed - 1
    return None, agreed


def _value_for(meaning: Meaning, symbol, chooser: random.Random) -> Fraction:
    if symbol == ETA:
        return chooser.choice(_RATES)
    role = meaning.network.roles.get(symbol)
    if role is not None and role.kind == "y":
        return chooser.choice(_TARGETS)
    return chooser.choice(_VALUES)


def _short(value) -> str:
    return mpmath.nstr(value, 12)


def _symbols(expr: sympy.Expr) -> set:
    """Free symbols, each shared node visited once."""
    seen, found, stack = set(), set(), [expr]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if node.is_Symbol:
            found.add(node)
        stack.extend(node.args)
    return found


def _evaluate(expr: sympy.Expr, values: dict):
    """``expr`` at ``values`` with 40-digit mpmath numbers, each shared node
    once; None where it is undefined or not real there."""
    with mpmath.workdps(DIGITS):
        numbers = {s: mpmath.mpf(v.numerator) / v.denominator for s, v in values.items()}

        def visit(node, walk):
            if node in numbers:
                result = numbers[node]
            elif node.is_Rational:
                result = mpmath.mpf(node.p) / node.q
            elif node.is_Number or node.is_NumberSymbol:
                result = mpmath.mpf(str(node.evalf(DIGITS + 5)))
            else:
                result = _apply(node, [walk(a) for a in node.args])
            if isinstance(result, mpmath.mpc) or not mpmath.isfinite(result):
                raise ValueError("not a finite real number")
            return result

        try:
            return memoised(visit)(expr)
        except (ZeroDivisionError, ValueError, TypeError, OverflowError):
            return None


_MPMATH = {
    sympy.exp: mpmath.exp,
    sympy.log: mpmath.log,
    sympy.tanh: mpmath.tanh,
    sympy.sinh: mpmath.sinh,
    sympy.cosh: mpmath.cosh,
    sympy.sin: mpmath.sin,
    sympy.cos: mpmath.cos,
    sympy.atan: mpmath.atan,
    sympy.erf: mpmath.erf,
    sympy.Abs: abs,
    sympy.sign: mpmath.sign,
    registry.sigmoid: lambda v: 1 / (1 + mpmath.exp(-v)),
    registry.softplus: lambda v: mpmath.log1p(mpmath.exp(v)),
    registry.relu: lambda v: max(v, 0),
}


def _apply(node, arguments):
    if node.is_Add:
        return mpmath.fsum(arguments)
    if node.is_Mul:
        return mpmath.fprod(arguments)
    if node.is_Pow:
        base, exponent = arguments
        if base < 0 and exponent != int(exponent):
            raise ValueError("not real")
        return mpmath.power(base, exponent)
    function = _MPMATH.get(node.func)
    if function is not None:
        return function(*arguments)
    if node.func == sympy.Heaviside:
        value = arguments[0]
        return mpmath.mpf(1) if value > 0 else mpmath.mpf(0) if value < 0 else arguments[1]
    # Anything else (a custom activation's derivative): SymPy at 40 digits.
    floats = [sympy.Float(str(a), DIGITS) for a in arguments]
    return mpmath.mpf(str(node.func(*floats).evalf(DIGITS)))
