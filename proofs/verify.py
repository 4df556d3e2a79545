"""``python -m proofs verify certificate.json``: replay a certificate's proofs
with the kernel alone and check that its claims are their conclusions.

In order, each a reason to stop:

1. the file: JSON of a bounded size, this format and version, every field of
   its type (a float where an integer belongs is refused), the network
   within the command line's limits, the hash of its contents;
2. the replay (:mod:`proofs.replay`): every step of every kernel, applied
   again by a fresh kernel to its recorded arguments, concludes what the
   certificate says it concluded; the trusted base lists exactly the
   assumptions those steps make, with their reasons;
3. the network: each kernel a theorem concludes in starts from exactly the
   definitions of the spec's network (:mod:`proofs.network`) — widths,
   activations, loss and bias as the spec names them;
4. the theorem for every depth and width (:mod:`proofs.principles`): the
   variant of the spec's output layer, its kernel defining and assuming
   exactly what that theorem names — the chain rule for a symbolic number of
   variables and induction over the layers, each its stated equation under
   its stated conditions — and concluding the rules it states; no other
   theorem may assume either;
5. the claims: both sides of every index-form rule at every layer it is
   stated for, and every per-unit formula, are conclusions of the theorem
   that claims them, each program symbol defined as the quantity it names;
   every rule covers exactly its layers and every unit and parameter has
   its formula.

Nothing of the derivation, the model or the theorem programs is imported:
what is trusted is the kernel, the node table's whitelist, the network's
definition and the reading of claims here.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import sympy
from sympy.core.function import AppliedUndef

from derive.notation.quantities import (
    LAYER,
    E,
    J,
    K,
    a,
    b,
    delta,
    n,
    scalar_name,
    scalar_quantity,
    w,
    y,
    z,
)
from derive.spec.network import NetworkSpec, parse_spec
from derive.support.errors import InputError
from derive.support.progress import Progress
from proofs import network, principles, replay
from proofs.kernel import Kernel, Partial
from proofs.kernel.codec import FormatError, decode
from proofs.statements import (
    GENERAL,
    GENERAL_SOFTMAX,
    HIDDEN_LAYERS,
    INDEX_FORM,
    OUTPUT_LAYER,
    PARAMETERS,
    PATHS,
    PRINTING,
    STATEMENTS,
    WALKTHROUGH,
)

FORMAT = "derive.certificate"
FORMAT_VERSION = 4

MAX_BYTES = 64 * 1024 * 1024
MAX_NODES = 2_000_000
PER_UNIT_PARAMETER_LIMIT = 1000
"""The per-unit proof runs, and its formulas are claimed, up to this many
parameters.  It is one instance of an index-form fact per formula, about a
millisecond each (816 parameters: 0.7 s); the index-form proof, which covers
the same rules for every unit at once, runs for every network."""

PER_UNIT = {OUTPUT_LAYER, HIDDEN_LAYERS, PARAMETERS}
GENERAL_THEOREMS = {GENERAL: False, GENERAL_SOFTMAX: True}
"""The theorem for every depth and width, by whether its output is a softmax."""
THEOREMS = {INDEX_FORM, PATHS, WALKTHROUGH, PRINTING} | PER_UNIT | set(GENERAL_THEOREMS)
"""The theorems a certificate may record: those of the main job."""
CLAIMED = {INDEX_FORM} | PER_UNIT
"""Those whose conclusions are compared with stored formulas; the others'
steps are replayed from the network's definitions, their statements are
the write-up's."""


class Failed(Exception):
    """The certificate does not hold: an edited formula, step or record."""


def digest(doc: dict) -> str:
    """SHA-256 of everything but the hash itself, as canonical JSON."""
    body = {key: value for key, value in doc.items() if key != "sha256"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def verify(path: str | Path) -> tuple[bool | None, list[str]]:
    """(True, lines) where every theorem holds again, (None, lines) where the
    certificate proves nothing; raises :class:`Failed` (exit 1) or
    :class:`~proofs.kernel.codec.FormatError` (exit 2, unreadable)."""
    doc = _read(Path(path))
    spec, bias_sign = _spec(doc["spec"])
    theorems = _theorems(doc["theorems"])
    if not theorems:
        return None, ["nothing to verify: the certificate records no theorem"]
    if doc["sha256"] != digest(doc):
        raise Failed("the hash does not match the contents: the certificate was edited")
    nodes = _nodes(doc["nodes"])
    try:
        kernels = replay.replay(doc["proof"], nodes, Progress())
    except replay.Refused as error:
        raise Failed(str(error)) from None
    _assumed_as_listed(doc, kernels)
    names = {t["name"] for t in theorems}
    if INDEX_FORM not in names:
        raise Failed("the certificate lacks the index-form theorem, which every run proves")
    if (spec.parameter_count <= PER_UNIT_PARAMETER_LIMIT) != bool(names & PER_UNIT):
        raise Failed("the per-unit theorems are missing, or present beyond their limit")
    general = GENERAL_SOFTMAX if spec.normalised_output else GENERAL
    if names & set(GENERAL_THEOREMS) != {general}:
        raise Failed(f"the certificate's theorem for every depth is not {general!r}, its network's")
    if PATHS in names and spec.depth != 3:
        raise Failed(f"{PATHS} is a theorem about three layers, not {spec.depth}")
    prefix = _network_steps(spec, bias_sign)
    lines = []
    for theorem in theorems:
        if not theorem["holds"]:
            raise Failed(f"{theorem['name']}: the certificate records that it does not hold")
        kernel = _kernel_of(theorem, kernels)
        conclusions = [kernel.steps[i].fact for i in theorem["conclusions"]]
        if not conclusions:
            raise Failed(f"{theorem['name']}: no conclusion")
        if theorem["name"] in GENERAL_THEOREMS:
            _general(kernel, conclusions, theorem["name"])
            checked = "; assumed: " + ", ".join(sorted(principles.REASONS))
        else:
            if theorem["name"] == PRINTING:
                _identities_only(kernel)
            else:
                _starts_from_the_network(kernel, prefix, theorem["name"])
            _declared_hypotheses_only(kernel, spec, theorem["name"])
            if any(fact.assumptions - _hypotheses(spec, theorem["name"]) for fact in conclusions):
                raise Failed(f"{theorem['name']}: a conclusion rests on an assumption")
            checked = "" if theorem["name"] in CLAIMED else "; its statement is not a stored claim"
        lines.append(
            f"ok: {theorem['name']} ({len(conclusions)} conclusions, {len(kernel.steps)} steps "
            f"replayed{checked})"
        )
    claims = doc["claims"]
    _check_rules(claims, nodes, spec, theorems, kernels, names)
    _check_per_unit(claims, nodes, spec, theorems, kernels, names)
    steps = sum(len(k.steps) for k in kernels)
    lines.append(f"replayed {steps} kernel steps; the claims are their conclusions")
    return True, lines


# -- reading -----------------------------------------------------------------------------


def _read(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise FormatError(f"{path}: cannot read it ({error.strerror or error})") from None
    if len(data) > MAX_BYTES:
        raise FormatError(f"{path}: larger than {MAX_BYTES // 2**20} MB")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FormatError(f"{path}: not JSON ({error})") from None
    except RecursionError:
        raise FormatError(f"{path}: nested too deeply") from None
    if not isinstance(doc, dict):
        raise FormatError(f"{path}: not a certificate (a JSON object)")
    if doc.get("format") != FORMAT or doc.get("format_version") != FORMAT_VERSION:
        raise FormatError(f"{path}: not a {FORMAT} file, version {FORMAT_VERSION}")
    fields = {
        "spec": dict,
        "theorems": list,
        "claims": dict,
        "proof": list,
        "nodes": list,
        "sha256": str,
    }
    for field, kind in fields.items():
        if not isinstance(doc.get(field), kind):
            raise FormatError(f"{path}: {field!r} is missing or not a {kind.__name__}")
    return doc


def _spec(spec: dict) -> tuple[NetworkSpec, int]:
    """The spec, through the command line's own checks and limits."""
    widths, activations = spec.get("widths"), spec.get("activations")
    loss, bias, sign = spec.get("loss"), spec.get("bias"), spec.get("bias_sign")
    targets = spec.get("targets_sum_to_one", False)
    if type(targets) is not bool:
        raise FormatError("spec: targets_sum_to_one is true or false")
    if not (
        isinstance(widths, list)
        and len(widths) >= 2
        and all(type(width) is int for width in widths)
        and isinstance(activations, list)
        and all(isinstance(a, str) for a in activations)
        and isinstance(loss, str)
        and type(bias) is bool
        and type(sign) is int
        and sign in (1, -1)
    ):
        raise FormatError("spec: widths, activations, loss, bias and bias_sign of their types")
    try:
        parsed = parse_spec(
            str(len(widths) - 1),
            ",".join(map(str, widths)),
            ",".join(activations),
            loss,
            bias,
            targets,
        )
    except InputError as error:
        raise FormatError(f"spec: {error}") from None
    if len(parsed.activations) != len(activations):
        raise FormatError("spec: one activation per layer")
    return parsed, sign


def _theorems(theorems: list) -> list[dict]:
    for theorem in theorems:
        if not (
            isinstance(theorem, dict)
            and isinstance(theorem.get("name"), str)
            and type(theorem.get("holds")) is bool
            and isinstance(theorem.get("conclusions"), list)
            and all(type(i) is int for i in theorem["conclusions"])
        ):
            raise FormatError("theorems: each a name, holds, a kernel and its conclusions")
        if theorem["name"] not in THEOREMS:
            raise Failed(f"{theorem['name']!r} is not a theorem derive proves")
        if theorem.get("statement") != STATEMENTS[theorem["name"]]:
            raise Failed(f"{theorem['name']}: the statement is not the theorem's")
    if len({t["name"] for t in theorems}) != len(theorems):
        raise Failed("a theorem is recorded twice")
    return theorems


def _nodes(table: list) -> list:
    if len(table) > MAX_NODES:
        raise FormatError(f"nodes: more than {MAX_NODES}")
    return decode(table)


def _kernel_of(theorem: dict, kernels: list) -> Kernel:
    number = theorem.get("kernel")
    if type(number) is not int or not 0 <= number < len(kernels):
        raise Failed(f"{theorem['name']}: no kernel {number!r}")
    kernel = kernels[number]
    if not all(0 <= i < len(kernel.steps) for i in theorem["conclusions"]):
        raise Failed(f"{theorem['name']}: a conclusion beyond the kernel's steps")
    return kernel


# -- the network ------------------------------------------------------------------------------


def _hypotheses(spec: NetworkSpec, name: str) -> frozenset:
    """The named hypotheses a conclusion of theorem ``name`` may rest on:
    Σ_k y_k = 1 for the index-form rules, where the spec declares it."""
    if spec.targets_sum_to_one and name == INDEX_FORM:
        return frozenset({network.TARGETS_SUM_TO_ONE})
    return frozenset()


def _declared_hypotheses_only(kernel: Kernel, spec: NetworkSpec, name: str) -> None:
    """Every assumption a proof makes is a hypothesis the spec declares,
    stated exactly: Σ_{k=1}^{n_L} y_k = 1 and nothing else under its name.
    (The per-unit theorems share the index-form theorem's kernel, so they
    may meet the step; only the index-form rules may rest on it.)"""
    allowed = frozenset({network.TARGETS_SUM_TO_ONE}) if spec.targets_sum_to_one else frozenset()
    for step in kernel.steps:
        fact = step.fact
        if step.call[0] != "assume":
            continue
        (assumed,) = fact.assumptions
        if assumed not in allowed:
            raise Failed(f"{name}: it assumes {assumed!r}, which the spec does not declare")
        if (fact.lhs, fact.rhs) != network.targets_hypothesis(spec.widths) or fact.conditions:
            raise Failed(f"{name}: the hypothesis {assumed!r} is not Σ_k y_k = 1")


def _network_steps(spec: NetworkSpec, bias_sign: int) -> list[tuple]:
    scratch = Kernel()
    network.define_network(scratch, spec.widths, spec.activations, spec.loss, spec.bias, bias_sign)
    return [_step_record(step) for step in scratch.steps]


def _step_record(step) -> tuple:
    fact = step.fact
    return step.call[0], fact.lhs, fact.rhs, fact.conditions


def _starts_from_the_network(kernel: Kernel, prefix: list, name: str) -> None:
    steps = [_step_record(step) for step in kernel.steps[: len(prefix)]]
    if steps != prefix:
        raise Failed(f"{name}: its proof does not start from the spec's network")


def _assumed_as_listed(doc: dict, kernels: list) -> None:
    """The trusted base lists exactly the assumptions the replayed proofs
    make, each with the reason its step gave, and the general theorem's
    principles with the reasons :mod:`proofs.principles` gives them: what
    a reader is told a proof rests on is what it rests on."""
    made = {name: reason for kernel in kernels for name, reason in kernel.assumed.items()}
    listed = doc.get("trusted_base", {})
    if not isinstance(listed, dict) or listed.get("assumed") != made:
        raise Failed("trusted_base: the assumptions listed are not those the proofs make")
    for name, reason in made.items():
        if name in principles.REASONS and reason != principles.REASONS[name]:
            raise Failed(f"trusted_base: {name!r} is assumed for another reason than its own")


def _general(kernel: Kernel, conclusions: list, name: str) -> None:
    """The theorem for every depth and width: its kernel defines and assumes
    exactly what :mod:`proofs.principles` states, in order, each assumption
    under its own name, equation and conditions, and its conclusions are
    the rules the theorem states (left sides, and right sides but the
    softmax lemma's), resting on the chain rule alone and on no condition
    but the ranges of their units."""
    softmax = GENERAL_THEOREMS[name]
    made = [
        (step.call[0], *_step_record(step)[1:], step.fact.assumptions)
        for step in kernel.steps
        if step.call[0] in ("define", "define_family", "assume")
    ]
    expected = [
        ("define", lhs, rhs, frozenset(), frozenset())
        for lhs, rhs in principles.definitions(softmax)
    ] + [
        ("assume", lhs, rhs, conditions, frozenset({assumption}))
        for assumption, lhs, rhs, conditions in principles.assumptions()
    ]
    if made != expected:
        raise Failed(
            f"{name}: it does not define and assume exactly the principles it names "
            "(the chain rule for a symbolic number of variables, induction over the layers)"
        )
    stated = principles.conclusions(softmax)
    if len(conclusions) != len(stated):
        raise Failed(f"{name}: {len(conclusions)} conclusions, not {len(stated)}")
    for fact, (lhs, rhs, ranges) in zip(conclusions, stated, strict=True):
        if fact.lhs != lhs or (rhs is not None and fact.rhs != rhs):
            raise Failed(f"{name}: a conclusion is not the rule the theorem states")
        if not fact.conditions <= ranges or fact.assumptions - {principles.CHAIN_RULE}:
            raise Failed(f"{name}: a conclusion rests on more than the chain rule and its ranges")


def _identities_only(kernel: Kernel) -> None:
    """trainer.py's printed forms are identities: simplification steps on
    their own, with no definition they could lean on."""
    if any(step.call[0] != "simplification" for step in kernel.steps):
        raise Failed(f"{PRINTING}: its kernel does more than prove identities")


# -- the claims ----------------------------------------------------------------------------------


def _conclusions(theorems, kernels, names) -> dict:
    """{(lhs, rhs): [conditions, …]} of the conclusions of the theorems ``names``."""
    found: dict = {}
    for theorem in theorems:
        if theorem["name"] in names:
            kernel = kernels[theorem["kernel"]]
            for index in theorem["conclusions"]:
                fact = kernel.steps[index].fact
                found.setdefault((fact.lhs, fact.rhs), []).append(fact.conditions)
    return found


def _proved(conclusions: dict, lhs, rhs, ranges=frozenset()) -> bool:
    """Whether lhs = rhs is a conclusion under no condition but ``ranges``
    (1 ≤ j ≤ n_l for the units the claim is about) and true comparisons of
    integers: a conclusion under 2 ≤ 1, or under j ≤ 1 for a rule about
    every j, says nothing about the claim."""
    return any(
        all(c in ranges or _true_comparison(c) for c in conditions)
        for conditions in conclusions.get((lhs, rhs), ())
    )


def _true_comparison(condition) -> bool:
    if not isinstance(condition, sympy.assumptions.relation.binrel.AppliedBinaryRelation):
        return False
    low, high = condition.arguments
    return condition.function == sympy.Q.le and low.is_Integer and high.is_Integer and low <= high


def _ranges(name: str, layer: int, widths) -> frozenset:
    """1 ≤ j ≤ n_l (and 1 ≤ k ≤ n_{l−1} for a weight): the units a rule is about."""
    ranges = {sympy.Q.le(1, J), sympy.Q.le(J, widths[layer])}
    if name == "weight gradient":
        ranges |= {sympy.Q.le(1, K), sympy.Q.le(K, widths[layer - 1])}
    return frozenset(ranges)


def _node(claims_node, nodes, where: str):
    if type(claims_node) is not int or not 0 <= claims_node < len(nodes):
        raise FormatError(f"claims: {where}: no node {claims_node!r}")
    return nodes[claims_node]


def _expected_lhs(name: str, layer: int):
    if name in ("output delta", "hidden delta"):
        return delta[layer, J]
    if name == "weight gradient":
        return Partial(E, w[layer, J, K])
    return Partial(E, b[layer, J])


def _check_rules(claims, nodes, spec, theorems, kernels, names) -> None:
    rules = claims.get("rules")
    if not isinstance(rules, list):
        raise FormatError("claims: rules is not a list")
    if INDEX_FORM not in names:
        if rules:
            raise Failed("claims: rules without the index-form theorem")
        return
    expected = network.rule_layers(spec.depth, spec.bias)
    stated: dict[str, list[int]] = {name: [] for name in expected}
    proved = _conclusions(theorems, kernels, {INDEX_FORM})
    for rule in rules:
        if not (
            isinstance(rule, dict)
            and rule.get("name") in expected
            and isinstance(rule.get("layers"), list)
            and all(type(layer) is int for layer in rule["layers"])
        ):
            raise FormatError("claims: a rule is a known name, its layers and its equation")
        if not rule["layers"]:
            raise Failed(f"claims: the {rule['name']} rule is stated for no layer")
        equation = _node(rule.get("equation"), nodes, rule["name"])
        if not isinstance(equation, sympy.Equality):
            raise Failed(f"claims: the {rule['name']} rule is not an equation")
        _names_only_the_network(equation, rule["name"])
        for layer in rule["layers"]:
            stated[rule["name"]].append(layer)
            lhs, rhs = network.rule_statement(equation, layer, spec.widths)
            if lhs != _expected_lhs(rule["name"], layer):
                raise Failed(f"claims: the {rule['name']} rule at layer {layer} states {lhs}")
            if not _proved(proved, lhs, rhs, _ranges(rule["name"], layer, spec.widths)):
                raise Failed(
                    f"claims: the {rule['name']} rule at layer {layer} is not what was proved"
                )
    for name, layers in expected.items():
        if sorted(stated[name]) != sorted(layers):
            raise Failed(
                f"claims: the {name} rule is stated for layers {sorted(stated[name])}, "
                f"not {sorted(layers)}"
            )


def _check_per_unit(claims, nodes, spec, theorems, kernels, names) -> None:
    deltas, gradients = claims.get("deltas"), claims.get("gradients")
    if not (isinstance(deltas, dict) and isinstance(gradients, dict)):
        raise FormatError("claims: deltas and gradients are not mappings")
    claimed = names & PER_UNIT
    if not claimed:
        if deltas or gradients:
            raise Failed("claims: per-unit formulas without the per-unit theorems")
        return
    widths, depth = spec.widths, spec.depth
    if spec.parameter_count > PER_UNIT_PARAMETER_LIMIT:
        raise Failed(
            f"claims: per-unit formulas for more than {PER_UNIT_PARAMETER_LIMIT} parameters"
        )
    expected_theorems = {OUTPUT_LAYER, PARAMETERS} | ({HIDDEN_LAYERS} if depth > 1 else set())
    if claimed != expected_theorems:
        raise Failed(f"claims: the per-unit theorems are {sorted(claimed)}")
    units = {
        scalar_name("delta", l, (j,)) for l in range(1, depth + 1) for j in range(1, widths[l] + 1)
    }
    parameters = {
        scalar_name("w", l, (j, k))
        for l in range(1, depth + 1)
        for j in range(1, widths[l] + 1)
        for k in range(1, widths[l - 1] + 1)
    } | (
        {scalar_name("b", l, (j,)) for l in range(1, depth + 1) for j in range(1, widths[l] + 1)}
        if spec.bias
        else set()
    )
    if set(deltas) != units or set(gradients) != parameters:
        raise Failed("claims: the per-unit formulas are not one for each unit and parameter")
    theorem_kernels = {t["kernel"] for t in theorems if t["name"] in claimed}
    if len(theorem_kernels) != 1:
        raise Failed("claims: the per-unit theorems span several kernels")
    kernel = kernels[theorem_kernels.pop()]
    proved = _conclusions(theorems, kernels, claimed)
    for name, index in deltas.items():
        formula = _node(index, nodes, name)
        symbol = sympy.Symbol(name, real=True)
        _names_defined(kernel, formula, symbol)
        if not _proved(proved, symbol, formula):
            raise Failed(f"claims: the formula for {name} is not what was proved")
    for name, index in gradients.items():
        formula = _node(index, nodes, name)
        _names_defined(kernel, formula)
        if not _proved(proved, Partial(E, scalar_quantity(name)), formula):
            raise Failed(f"claims: the formula for ∂E/∂{name} is not what was proved")


QUANTITIES = frozenset({w, b, z, a, y, delta, n})
"""The indexed quantities a rule may name (a second IndexedBase "a" without
the network's assumptions prints alike but is another quantity)."""


LABELS = frozenset(quantity.label for quantity in QUANTITIES)


def _names_only_the_network(expr, where: str) -> None:
    """A stored formula names the network's quantities, its index letters and
    the whitelisted functions, nothing a certificate could define anew."""
    if expr.atoms(AppliedUndef):
        raise Failed(f"claims: {where} names an unknown function")
    for node in expr.atoms(sympy.Indexed):
        if node.base not in QUANTITIES:
            raise Failed(f"claims: {where} names {node.base}, not a quantity of the network")
    bound = {limit[0] for total in expr.atoms(sympy.Sum) for limit in total.limits}
    for symbol in expr.free_symbols - bound:
        indexed = isinstance(symbol, (sympy.Indexed, sympy.IndexedBase))
        if not indexed and symbol not in (J, K, LAYER, E, *LABELS):
            raise Failed(f"claims: {where} names {symbol}, not an index of the network")


def _names_defined(kernel: Kernel, *exprs) -> None:
    """Each symbol of a per-unit formula is the kernel's definition of the
    quantity its name names (z2_1 := z[2, 1]), so the formula says what
    the program's formula says."""
    for expr in exprs:
        if expr.atoms(AppliedUndef):
            raise Failed("claims: a per-unit formula names an unknown function")
        for symbol in expr.free_symbols:
            name = getattr(symbol, "name", "")
            quantity = scalar_quantity(name)
            if (
                quantity is None
                or symbol != sympy.Symbol(name, real=True)
                or kernel._definitions.get(symbol) != quantity
            ):
                raise Failed(f"claims: {symbol} is not defined as the quantity it names")
