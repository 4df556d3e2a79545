"""certificate.json: what was proved, how, and on what it rests.

The certificate stores the network's spec as the user gave it (names or
custom expressions, re-read by the whitelist parser), every formula the
proofs checked (the index-form rules with the layers each is stated for,
and, where the per-unit proof ran, each δ^l_j's recursion and each
gradient), each theorem's outcome with the kernel steps it concludes with, every
kernel step with the rule and arguments that made it (:mod:`proofs.replay`),
all expressions in one shared node table, and the trusted base: the
kernel's files with their hashes, SymPy's version, how many steps each rule
made and on what trust, and the named assumptions.  :mod:`proofs.verify`
replays the steps with the kernel alone and checks that the stored formulas
are exactly their conclusions.
"""

from __future__ import annotations

import hashlib
import platform
from pathlib import Path

import sympy

from derive import __version__
from derive.derivation.gradients import Derivation
from derive.derivation.indexed import Rule
from proofs import kernel, replay
from proofs.kernel.codec import Encoder
from proofs.per_unit import STATEMENTS as PER_UNIT
from proofs.run import ProofRun
from proofs.statements import PRINTING
from proofs.verify import FORMAT, FORMAT_VERSION, digest

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
    PRINTING: "kernel: simplification alone, the named functions written out by their own "
    "rewrite rules, no definition in that kernel",
}


def build(derivation: Derivation, run: ProofRun) -> dict:
    network = derivation.network
    spec = network.spec
    encoder = Encoder()
    claims = {"rules": [], "deltas": {}, "gradients": {}}
    names = {theorem.name for theorem in run.theorems}
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
    proofs, where = replay.encode(run.kernels, encoder)
    doc = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "derive_version": __version__,
        "spec": {
            "widths": list(spec.widths),
            "activations": [a.name for a in spec.activations],
            "loss": spec.loss.name,
            "bias": spec.bias,
            "bias_sign": network.bias_sign,
            "targets_sum_to_one": spec.targets_sum_to_one,
        },
        "theorems": [_theorem(theorem, where) for theorem in run.theorems],
        "skipped": run.skipped,
        "trusted_base": {
            "kernel_modules": kernel_modules(),
            "checker_modules": checker_modules(),
            "sympy_version": sympy.__version__,
            "python_version": platform.python_version(),
            "kernel_steps": run.trust,
            "rules": run.rules,
            "relies_on_sympy_for": "differentiation (the chain rule for concrete functions), "
            "the finite chain rule (Kernel.chain_rule: for a concrete arity m, "
            "∂E/∂u = Σᵣ₌₁ᵐ ∂E/∂vᵣ ∂vᵣ/∂u where E is built from u only through "
            "v₁, …, vₘ, checked against the definitions) and deciding equality by expansion",
            "assumed": run.assumed,
        },
        "claims": claims,
        "proof": proofs,
        "nodes": encoder.nodes,
    }
    doc["sha256"] = digest(doc)
    return doc


def _theorem(outcome, where: dict) -> dict:
    """One theorem's outcome, with the kernel and the steps whose conclusions it states."""
    located = [where[id(fact)] for fact in outcome.facts if id(fact) in where]
    kernels = {number for number, _ in located}
    return {
        "name": outcome.name,
        "statement": outcome.statement,
        "holds": outcome.holds,
        "checks": outcome.checks,
        "seconds": round(outcome.seconds, 4),
        "method": METHODS.get(outcome.name, "kernel"),
        "failure": outcome.failure,
        "kernel": kernels.pop() if len(kernels) == 1 else None,
        "conclusions": [index for _, index in located],
    }


def kernel_modules() -> dict[str, str]:
    """The kernel's source files, each with its SHA-256: the code every
    "proved" rests on, besides SymPy."""
    folder = Path(kernel.__file__).parent
    return {
        f"proofs/kernel/{path.name}": hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.glob("*.py"))
    }


CHECKER = (
    "proofs/verify.py",
    "proofs/replay.py",
    "proofs/network.py",
    "proofs/statements.py",
    "proofs/principles.py",
    "derive/notation/quantities.py",
    "derive/spec/network.py",
    "derive/spec/registry.py",
    "derive/spec/functions.py",
    "derive/parsing/expression.py",
    "derive/parsing/constants.py",
    "derive/parsing/descent.py",
    "derive/parsing/limits.py",
)
"""What ``python -m proofs verify`` trusts besides the kernel: how it reads a
certificate, what the network is, what the spec's names mean."""


def checker_modules() -> dict[str, str]:
    """The checker's own files, each with its SHA-256."""
    root = Path(kernel.__file__).parent.parent.parent
    return {name: hashlib.sha256((root / name).read_bytes()).hexdigest() for name in CHECKER}


def _rules(derivation: Derivation) -> list[Rule]:
    from derive.derivation import indexed

    return indexed.rules(derivation.network)
