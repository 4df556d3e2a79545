"""The verdict on a claim: proved, false with a counterexample, holds on the
networks checked, or undecided.

For each network and each value of the free indices the claim's two sides
are first compared numerically at a few points of small rationals
(:mod:`derive.claims.numeric`).  A difference counts as a counterexample only
where it cannot be rounding: the point is clear of every kink and jump and
the difference is confirmed at twice the precision.  Where the sides agree,
exact algebra decides (:func:`proofs.kernel.algebra.is_zero`, σ and tanh
through exponentials, and piece by piece where abs, sign or a step makes the
sides piecewise); an exact zero counts only where the sides are real at some
test point, so an identity between complex numbers proves nothing.

Exact equality on every case is ``proved`` only for the networks the claim
is about: the one given with ``--widths``.  With symbolic sizes a finite
grid of networks cannot prove a claim about every size (a wrong Σ bound
n[l] for n[l+1] agrees wherever the two widths are equal), so irregular
networks are first searched for a counterexample, and agreement that
survives is reported as what it is: the claim holds on the networks checked.
Agreement that exact algebra cannot confirm is evidence, not proof.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from fractions import Fraction

import sympy

from derive.claims import numeric, symbolic
from derive.claims.exponential import is_zero_through_exponentials
from derive.claims.meaning import ETA, Meaning, Missing
from derive.claims.pieces import is_zero_on_pieces
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
from derive.spec.network import NetworkSpec
from derive.support.errors import InputError
from proofs.kernel.algebra import atomize, is_zero

POINTS = 3
"""Points at which agreement is looked for when exact algebra cannot decide."""
SPARE_POINTS = 4
"""More points, where one lies on a kink or the sides are undefined at it."""
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

PROVED, FALSE, UNDECIDED, CHECKED = "proved", "false", "undecided", "holds-on-networks-checked"
EXIT_CODES = {PROVED: 0, FALSE: 1, UNDECIDED: 3, CHECKED: 4}
"""``derive check``'s exit status for each verdict (2 is bad input)."""


@dataclass
class Verdict:
    """What ``derive check`` found.  ``outcome`` is one of :data:`EXIT_CODES`;
    ``holds`` is True only for a proof, False for a counterexample or a term
    that does not exist, None otherwise (holds on the networks checked, or
    undecided)."""

    outcome: str
    explanation: str
    lhs: str
    rhs: str
    notation: str
    free_indices: list[str] = field(default_factory=list)
    sizes_checked: list[tuple[int, ...]] = field(default_factory=list)
    cases: int = 0
    counterexample: dict | None = None
    sizes_searched: list[tuple[int, ...]] = field(default_factory=list)
    """Irregular networks compared numerically for a counterexample."""
    hypotheses: list[str] = field(default_factory=list)
    """The declared hypotheses exact algebra needed (Σ_k y_k = 1)."""

    @property
    def holds(self) -> bool | None:
        return {PROVED: True, FALSE: False}.get(self.outcome)

    @property
    def verdict(self) -> str:
        return self.outcome

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.outcome]

    def as_json(self) -> dict:
        return {
            "verdict": self.verdict,
            "exit_code": self.exit_code,
            "lhs": self.lhs,
            "rhs": self.rhs,
            "notation": self.notation,
            "free_indices": self.free_indices,
            "sizes_checked": [list(w) for w in self.sizes_checked],
            "sizes_searched": [list(w) for w in self.sizes_searched],
            "cases": self.cases,
            "counterexample": self.counterexample,
            "hypotheses": self.hypotheses,
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
    known = names.scheme.error_spellings()
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
    search: list[NetworkSpec] | None = None,
) -> Verdict:
    """``sizes`` describes, per depth, which widths ``specs`` cover.
    ``search`` None: ``specs`` are the networks the claim is about, and
    exact equality on all of them is a proof.  A list: the sizes are
    symbolic, ``specs`` a grid, and ``search`` irregular networks where a
    counterexample is looked for before "holds on the networks checked"."""
    validate(claim, names)
    sides = (claim.lhs, claim.rhs)
    left, right = (letters(s) - set(names.sizes) for s in sides)
    free = sorted(left | right)
    verdict = Verdict(UNDECIDED, "", unparse(claim.lhs), unparse(claim.rhs), names.notation, free)
    undecided: list = []
    missing = None
    piecewise = False  # a proof needed pieces
    kinked = False  # a side has a kink at all: abs' = sign holds off 0 only
    networks = len(specs) + len(search or ())
    for number, spec in enumerate(specs):
        if progress is not None:
            progress.update("the claim on each network", number, networks)
        meaning = Meaning(spec, names, bias_sign)
        bindings = meaning.bindings(sides, free)
        if not bindings:
            continue
        verdict.sizes_checked.append(spec.widths)
        for env in bindings:
            verdict.cases += 1
            meaning.written = []
            try:
                lhs_value = meaning.value(claim.lhs, env)
                rhs_value = meaning.value(claim.rhs, env)
                kinked = kinked or any(
                    value.has(*numeric.KINKS) for value in (lhs_value, rhs_value)
                )
            except Missing as error:
                # False already; go on only to find numbers that show it.
                missing = missing or (spec, env, str(error))
                continue
            witness, agreed = _compare(meaning, lhs_value, rhs_value, range(1))
            if witness is None and missing is None:
                method = _exactly_zero(lhs_value, rhs_value, meaning)
                if method is None and meaning.spec.targets_sum_to_one:
                    method = _exactly_zero(*_on_the_simplex(meaning, lhs_value, rhs_value), meaning)
                    if method is not None and TARGETS_HYPOTHESIS not in verdict.hypotheses:
                        verdict.hypotheses.append(TARGETS_HYPOTHESIS)
                if method is None or not agreed:
                    witness, more = _compare(
                        meaning, lhs_value, rhs_value, range(1, POINTS + SPARE_POINTS)
                    )
                    agreed += more
                if witness is None and method is not None and agreed:
                    piecewise = piecewise or method == "pieces"
                    continue
                if witness is None:
                    undecided.append((spec, env, agreed, method is not None))
            if witness is not None:
                return _refuted(verdict, claim, spec, env, witness, left, right, names, meaning)
    if not verdict.sizes_checked:
        raise InputError(_nothing_to_check(claim, specs, names, bias_sign, sizes))
    if missing is not None:
        spec, env, reason = missing
        return _missing(verdict, spec, env, reason)
    if undecided:
        verdict.explanation = _undecided(verdict, undecided)
        return verdict
    depths = {len(w) - 1 for w in verdict.sizes_checked}
    shown = _sizes({d: text for d, text in sizes.items() if d in depths}, sizes)
    scope = f"for every {', '.join(free)} on " if free else "on "
    counted = f"({_count(len(verdict.sizes_checked), 'network')}, {_count(verdict.cases, 'case')})"
    kinks = (
        "; off the kinks, that is on each piece where no argument of abs, sign, a step, "
        "relu, max or min is 0"
        if piecewise or kinked
        else ""
    )
    assumed = _assumed(verdict)
    if search is not None and not piecewise:
        deepest = max(specs, key=lambda spec: spec.depth)
        rules = symbolic.prove(claim, Meaning(deepest, names, bias_sign))
        if rules is not None:
            verdict.outcome = PROVED
            verdict.explanation = (
                "proved for every depth and every width: with symbolic sizes both sides "
                "reduce to the same expression by the general theorem and the definitions "
                f"({', '.join(rules)}), and exact algebra shows them equal {scope}{shown} "
                f"{counted}{kinks}{assumed}"
            )
            return verdict
    if search is not None:
        for number, spec in enumerate(search, len(specs)):
            if progress is not None:
                progress.update("the claim on each network", number, networks)
            found = _search(verdict, claim, spec, names, bias_sign, free)
            if found is not None:
                env, witness = found
                meaning = Meaning(spec, names, bias_sign)
                return _refuted(verdict, claim, spec, env, witness, left, right, names, meaning)
    if search is None:
        verdict.outcome = PROVED
        verdict.explanation = (
            f"proved: exact algebra shows the two sides equal {scope}{shown} {counted}{kinks}"
            f"{assumed}"
        )
        return verdict
    verdict.outcome = CHECKED
    searched = "; ".join(",".join(map(str, w)) for w in verdict.sizes_searched)
    verdict.explanation = (
        f"holds on the {_count(len(verdict.sizes_checked), 'network')} checked, "
        f"not proved for every size: exact algebra shows the two sides equal {scope}{shown} "
        f"{counted}{kinks}"
        + (
            f", and they agree numerically on {_count(len(verdict.sizes_searched), 'more network')}"
            f" searched for a counterexample (widths {searched})"
            if verdict.sizes_searched
            else ""
        )
        + assumed
        + "; give the network with --widths for a proof about it"
    )
    return verdict


def _search(verdict: Verdict, claim: Claim, spec: NetworkSpec, names, bias_sign, free):
    """(env, witness) of a counterexample on ``spec``, found numerically, or None."""
    meaning = Meaning(spec, names, bias_sign)
    bindings = meaning.bindings((claim.lhs, claim.rhs), free)
    if bindings:
        verdict.sizes_searched.append(spec.widths)
    for env in bindings:
        try:
            lhs_value = meaning.value(claim.lhs, env)
            rhs_value = meaning.value(claim.rhs, env)
        except Missing as error:
            return env, {"missing": str(error)}
        witness, _ = _compare(meaning, lhs_value, rhs_value, range(POINTS + SPARE_POINTS))
        if witness is not None:
            return env, witness
    return None


def _refuted(
    verdict: Verdict, claim: Claim, spec, env, witness, left, right, names, meaning: Meaning
) -> Verdict:
    if "missing" in witness:
        return _missing(verdict, spec, env, witness["missing"])
    verdict.outcome = FALSE
    verdict.counterexample = {
        "widths": list(spec.widths),
        "indices": env,
        "lhs": unparse(instantiate(claim.lhs, env)),
        "rhs": unparse(instantiate(claim.rhs, env)),
        **witness,
    }
    verdict.explanation = _refutation(verdict, left, right, names) + _targets_note(
        claim, meaning, env, verdict.counterexample
    )
    return verdict


def _missing(verdict: Verdict, spec, env, reason: str) -> Verdict:
    verdict.outcome = FALSE
    verdict.counterexample = {"widths": list(spec.widths), "indices": env}
    verdict.explanation = f"false: {reason}" + (f" (at {_indices(env)})" if env else "")
    return verdict


def _undecided(verdict: Verdict, undecided: list) -> str:
    spec, env, agreed, complex_zero = undecided[0]
    where = f"widths {','.join(map(str, spec.widths))}" + (f", {_indices(env)}" if env else "")
    if agreed:
        evidence = (
            f"there the two sides agree to 20 digits at {_count(agreed, 'point')} of small "
            "rationals, which is evidence, not proof"
        )
    elif complex_zero:
        return (
            f"undecided: in {len(undecided)} of {verdict.cases} cases (first: {where}) exact "
            "algebra finds the two sides equal, but a function or power the claim writes is "
            "not a real number at any test point: an identity of complex expressions, which "
            "proves nothing about real values"
        )
    else:
        evidence = "the sides could not be evaluated at the test points (undefined there)"
    return (
        f"undecided: exact algebra could not show the two sides equal in "
        f"{len(undecided)} of {verdict.cases} cases (first: {where}); {evidence}"
    )


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


def _exactly_zero(lhs: sympy.Expr, rhs: sympy.Expr, meaning: Meaning) -> str | None:
    """How exact algebra shows ``lhs − rhs`` zero: "algebra", "pieces" (on
    each smooth piece, :mod:`derive.claims.pieces`), or None (not shown)."""
    opaque = meaning.network.pre_activations_expanded
    difference = lhs - rhs
    kinks = bool(numeric.kink_arguments((difference,)))
    try:
        # Piecewise sides: the pieces' rational functions first, σ's exponentials later.
        if kinks and is_zero_on_pieces(difference, _rationally_zero, opaque):
            return "pieces"
        if _cheaply_zero(difference, opaque, _shared(lhs, rhs)):
            return "algebra"
        if kinks and is_zero_on_pieces(difference, lambda p: _cheaply_zero(p, opaque), opaque):
            return "pieces"
        if is_zero(difference, opaque):  # last: it multiplies out the pre-activations
            return "algebra"
    except (OverflowError, RecursionError, ValueError):
        pass  # SymPy gave up on huge constants: not shown to be zero
    return None


def _rationally_zero(piece: sympy.Expr) -> bool:
    """A piece is zero as a rational function of its atoms."""
    return is_zero(piece, thorough=False)


def _cheaply_zero(difference: sympy.Expr, opaque, shared=frozenset()) -> bool:
    """The exact tests that keep each pre-activation one atom, cheapest
    first; σ written through exp last.

    The first stage also treats every sub-expression the two sides share as
    one atom (the same node, the same atom: sound), so that a slope
    σ(z)(1 − σ(z)) on both sides is not multiplied out path by path."""
    return (
        (bool(shared) and _polynomial_is_zero(atomize(difference, {}, opaque | shared)))
        or _polynomial_is_zero(atomize(difference, {}, opaque))
        or is_zero(difference, opaque, thorough=False)
        or is_zero_through_exponentials(difference)
    )


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
    sizes = names.scheme.widths_text()
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
    """A point where the sides differ beyond rounding, with the values used
    (or None), and at how many points they agreed with every function
    application the claim writes defined (``meaning.written``)."""
    symbols = sorted(
        numeric.symbols(lhs) | numeric.symbols(rhs), key=lambda s: meaning.symbol_names.get(s, "")
    )
    agreed = 0
    for point in points:
        chooser = random.Random(1000 + point)
        values = {s: _value_for(meaning, s, chooser) for s in symbols}
        if meaning.spec.targets_sum_to_one:
            values.update(_targets_summing_to_one(meaning, chooser))
        left, right = numeric.evaluate(lhs, values), numeric.evaluate(rhs, values)
        if left is None or right is None:
            continue
        if not numeric.differ(left, right):
            agreed += numeric.defined(meaning.written, values)
            continue
        witness = _confirmed(meaning, lhs, rhs, values)
        if witness is not None:
            return witness, agreed
    return None, agreed


def _confirmed(meaning: Meaning, lhs, rhs, values: dict) -> dict | None:
    """The counterexample at ``values`` if it is not rounding: the point is
    clear of every kink and jump (a step's argument rounded to the wrong
    side of 0 flips its value), and the sides still differ at twice the
    precision; None otherwise."""
    clearance = numeric.kink_clearance((lhs, rhs), values)
    if clearance is None or clearance < numeric.KINK_CLEARANCE:
        return None
    left = numeric.evaluate(lhs, values, numeric.CONFIRM_DIGITS)
    right = numeric.evaluate(rhs, values, numeric.CONFIRM_DIGITS)
    if left is None or right is None or not numeric.differ(left, right):
        return None
    lhs_value, rhs_value = numeric.shown(left, right)
    return {
        "values": {meaning.symbol_names.get(s, str(s)): str(v) for s, v in values.items()},
        "lhs_value": lhs_value,
        "rhs_value": rhs_value,
    }


TARGETS_HYPOTHESIS = "Σ_k y_k = 1"
"""The hypothesis --targets-sum-to-1 declares, as the explanation names it."""


def _assumed(verdict: Verdict) -> str:
    """What the explanation of a proof says about the hypotheses it used."""
    if not verdict.hypotheses:
        return ""
    return (
        f"; using the hypothesis {', '.join(verdict.hypotheses)} (declared with --targets-sum-to-1)"
    )


def _on_the_simplex(meaning: Meaning, *values: sympy.Expr) -> list[sympy.Expr]:
    """``values`` with the last target written as 1 − Σ of the others: an
    identity after that holds for every target vector that sums to 1."""
    targets = meaning.network.y
    last = targets[-1]
    return [value.xreplace({last: 1 - sympy.Add(*targets[:-1])}) for value in values]


def _targets_note(claim: Claim, meaning: Meaning, env: dict, example: dict) -> str:
    """Where a claim about a softmax output with ce fails only because the
    targets need not sum to 1: their sum at the counterexample, and the option
    that declares they do."""
    spec = meaning.spec
    if not (spec.normalised_output and spec.loss.needs_simplex) or "values" not in example:
        return ""
    try:
        lhs = meaning.value(claim.lhs, env)
        rhs = meaning.value(claim.rhs, env)
    except (Missing, InputError):
        return ""
    shown_targets = [meaning.symbol_names.get(t, str(t)) for t in meaning.network.y]
    if not all(name in example["values"] for name in shown_targets):
        return ""
    total = sum(Fraction(example["values"][name]) for name in shown_targets)
    if spec.targets_sum_to_one:
        return f". The targets here sum to {total} ({TARGETS_HYPOTHESIS}, as declared)"
    if total == 1 or _exactly_zero(*_on_the_simplex(meaning, lhs, rhs), meaning) is None:
        return ""
    return (
        f". The targets here sum to {total}, not 1; the claim holds for targets that sum "
        f"to 1 ({TARGETS_HYPOTHESIS}, one-hot or probabilities): --targets-sum-to-1 declares it"
    )


def _targets_summing_to_one(meaning: Meaning, chooser: random.Random) -> dict:
    """Every target drawn, then divided by their sum: positive rationals that
    sum to exactly 1, the only targets a claim under --targets-sum-to-1 is
    about (all of them, so a counterexample shows that they do)."""
    drawn = [chooser.choice(_TARGETS) for _ in meaning.network.y]
    total = sum(drawn)
    return {target: value / total for target, value in zip(meaning.network.y, drawn, strict=True)}


def _value_for(meaning: Meaning, symbol, chooser: random.Random) -> Fraction:
    if symbol == ETA:
        return chooser.choice(_RATES)
    role = meaning.network.roles.get(symbol)
    if role is not None and role.kind == "y":
        return chooser.choice(_TARGETS)
    return chooser.choice(_VALUES)
