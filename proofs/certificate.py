"""certificate.json: what was proved, how, and on what it rests — and a
re-check of it from scratch.

The certificate stores the network's spec as the user gave it (names or
custom expressions, re-read by the whitelist parser), every formula the
proofs checked (the index-form rules with the layers each is stated for,
and, where the per-unit proof ran, each δ^l_j's recursion and each
gradient, as a shared node table), the verdicts with their times, and the
trusted base: SymPy's
version, how many kernel steps rest on elementary rules, on SymPy, or on
named assumptions.  :func:`verify` rebuilds the network and proves the
*stored* formulas again, so an edited formula fails, and names the check.
"""

from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path

import sympy

from derive import __version__, registry
from derive.gradients import Derivation, Gradient
from derive.indexed import Rule
from derive.model import Network
from derive.spec import NetworkSpec
from proofs import kernel
from proofs.index_form import IndexFormProof
from proofs.kernel.codec import Encoder, FormatError, decode
from proofs.layered import STATEMENTS as PER_UNIT
from proofs.layered import LayeredProof
from proofs.run import ProofRun

FORMAT = "derive.certificate"
FORMAT_VERSION = 2

METHODS = {
    "index-form rules": "kernel: the network as one definition per layer and quantity, the "
    "units symbolic, the widths concrete and the sums unevaluated; at every layer the finite "
    "chain rule gives each rule, compared with the stored rule",
    **{
        name: "kernel: the index-form facts (the finite chain rule, units symbolic) "
        "instantiated at every unit, their sums written out, and compared with the stored "
        "formula, each of its symbols defined as the indexed quantity it names"
        for name in PER_UNIT
    },
}


def build(derivation: Derivation, outcome: ProofRun) -> dict:
    network = derivation.network
    spec = network.spec
    encoder = Encoder()
    claims = {"rules": [], "deltas": {}, "gradients": {}}
    names = {v.name for v in outcome.verdicts}
    if "index-form rules" in names:
        claims["rules"] = [
            {"name": rule.name, "layers": list(rule.layers), "equation": encoder.add(rule.equation)}
            for rule in _rules(derivation)
        ]
    if names & set(PER_UNIT):  # the per-unit formulas, where they were proved
        claims |= {
            "deltas": {
                network.delta[l][j - 1].name: encoder.add(
                    derivation.delta_definition(l, j, through_output=False)
                )
                for l in range(1, network.depth + 1)
                for j in range(1, network.width(l) + 1)
            },
            "gradients": {
                p.name: encoder.add(derivation.gradient(p).delta_form) for p in network.parameters()
            },
        }
    nodes = encoder.nodes
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "derive_version": __version__,
        "spec": {
            "widths": list(spec.widths),
            "activations": [a.name for a in spec.activations],
            "loss": spec.loss.name,
            "bias": spec.bias,
            "bias_sign": network.bias_sign,
        },
        "theorems": [
            {
                "name": v.name,
                "statement": v.statement,
                "holds": v.holds,
                "checks": v.checks,
                "seconds": round(v.seconds, 4),
                "method": METHODS.get(v.name, "kernel"),
                "failure": v.failure,
            }
            for v in outcome.verdicts
        ],
        "skipped": outcome.skipped,
        "trusted_base": {
            "kernel_modules": kernel_modules(),
            "sympy_version": sympy.__version__,
            "python_version": platform.python_version(),
            "kernel_steps": outcome.trust,
            "rules": outcome.rules,
            "relies_on_sympy_for": "differentiation (the chain rule for concrete functions), "
            "the finite chain rule (Kernel.chain_rule: for a concrete arity m, "
            "dE/du = sum_{r=1}^{m} dE/dv_r dv_r/du where E is built from u only through "
            "v_1..v_m, checked against the definitions) and deciding equality by expansion",
            "assumed": outcome.assumed,
        },
        "claims": claims,
        "nodes": nodes,
        "claims_sha256": _digest(claims, nodes),
    }


def kernel_modules() -> dict[str, str]:
    """The kernel's source files, each with its SHA-256: the code every
    "proved" rests on, besides SymPy."""
    folder = Path(kernel.__file__).parent
    return {
        f"proofs/kernel/{path.name}": hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.glob("*.py"))
    }


def _rules(derivation: Derivation) -> list[Rule]:
    from derive import indexed

    return indexed.rules(derivation.network)


def _digest(claims, nodes) -> str:
    text = json.dumps({"claims": claims, "nodes": nodes}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


class _StoredDerivation(Derivation):
    """A derivation whose formulas are the certificate's, not the program's."""

    def __init__(self, network: Network, deltas: dict, gradients: dict):
        super().__init__(network)
        self._deltas = deltas
        self._gradients = gradients

    def delta_definition(self, layer, unit, through_output=True):
        return self._deltas[self.network.delta[layer][unit - 1].name]

    def gradient(self, parameter):
        return Gradient(parameter, self._gradients[parameter.name])


def verify(path: str | Path) -> tuple[bool | None, list[str]]:
    """Prove the certificate's formulas again.  Returns (all hold — None
    where the certificate proves nothing —, one line per theorem)."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    if doc.get("format") != FORMAT or doc.get("format_version") != FORMAT_VERSION:
        raise FormatError(f"{path}: not a {FORMAT} file, version {FORMAT_VERSION}")
    spec_doc = doc["spec"]
    spec = NetworkSpec(
        tuple(int(n) for n in spec_doc["widths"]),
        tuple(registry.activation(text) for text in spec_doc["activations"]),
        registry.loss(spec_doc["loss"]),
        bool(spec_doc["bias"]),
    )
    network = Network(spec, bias_sign=int(spec_doc["bias_sign"]))
    if not doc["theorems"]:
        return None, ["nothing to verify: " + "; ".join(doc.get("skipped", []))]
    built = decode(doc["nodes"])
    claims = doc["claims"]
    verdicts = []
    if claims["rules"]:
        rules = [
            Rule(r["name"], built[r["equation"]], tuple(int(l) for l in r["layers"]))
            for r in claims["rules"]
        ]
        verdicts.append(IndexFormProof(network, rules).run())
    if claims["deltas"] or claims["gradients"]:
        deltas = {name: built[i] for name, i in claims["deltas"].items()}
        gradients = {name: built[i] for name, i in claims["gradients"].items()}
        expected_deltas = {
            network.delta[l][j].name for l in network.delta for j in range(network.width(l))
        }
        parameters = {p.name for p in network.parameters()}
        if set(deltas) != expected_deltas or set(gradients) != parameters:
            return False, ["FAILED: the certificate's formulas do not match its network"]
        verdicts.extend(LayeredProof(_StoredDerivation(network, deltas, gradients)).run())
    if not verdicts:
        return False, ["FAILED: the certificate records theorems but no formulas"]
    lines, ok = [], True
    claimed = {t["name"]: t["holds"] for t in doc["theorems"]}
    for verdict in verdicts:
        if verdict.holds:
            lines.append(f"ok: {verdict.name} ({verdict.checks} checks, {verdict.seconds:.2f} s)")
        else:
            ok = False
            lines.append(f"FAILED: {verdict.name}: {verdict.failure}")
        if claimed.get(verdict.name) not in (None, verdict.holds):
            ok = False
            lines.append(f"FAILED: the certificate records {verdict.name} differently")
    rechecked = {verdict.name for verdict in verdicts}
    explanations = [t["name"] for t in doc["theorems"] if t["name"] not in rechecked]
    if explanations:
        explained = ", ".join(explanations)
        lines.append(f"not re-checked (steps of the write-up, not stored formulas): {explained}")
    if _digest(claims, doc["nodes"]) != doc.get("claims_sha256"):
        lines.append("note: the formulas differ from those the certificate was written with")
    return ok, lines
