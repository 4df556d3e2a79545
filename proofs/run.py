"""Which proofs run for a network, and the outcome of each theorem.

By default the index-form rules are proved for every network (a few kernel
steps per layer, whatever the widths), and the per-unit formulas too where
that is quick; the full expansion on request.  Where a proof is not attempted, the reason is
returned instead, so nothing is ever silently claimed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from derive.derivation.gradients import Derivation
from derive.support.progress import Progress
from proofs import expanded, general, paths
from proofs.index_form import IndexFormProof
from proofs.kernel import TRUST_LEVELS, Kernel
from proofs.per_unit import PerUnitProof
from proofs.statements import PRINTING, STATEMENTS
from proofs.theorem import TheoremOutcome
from proofs.verify import PER_UNIT_PARAMETER_LIMIT
from proofs.walkthrough import Walkthrough

STRATEGIES = ("layered", "expand", "general", "paths", "walkthrough")
"""``layered`` (the command line's default) is two theorems: the index-form
rules (:mod:`proofs.index_form`), then their instances at every unit
(:mod:`proofs.per_unit`) where the network is small enough.  ``general`` is
the theorem for every depth and width (:mod:`proofs.general`) in the variant
of the network's output layer, softmax or elementwise: the other variant
says nothing about this network and costs as much again."""


@dataclass
class ProofRun:
    theorems: list[TheoremOutcome]
    skipped: list[str]
    trust: dict[str, int]
    assumed: dict[str, str]
    steps: list = field(default_factory=list)
    """The checked step-by-step chains (:mod:`proofs.walkthrough`), where run."""
    rules: dict[str, int] = field(default_factory=dict)
    """How many accepted kernel steps each rule made."""
    kernels: list = field(default_factory=list)
    """The kernels the theorems ran on, their steps recorded for replay."""

    @property
    def holds(self) -> bool:
        return all(v.holds for v in self.theorems)


def run_proofs(
    derivation: Derivation, strategies=("layered",), progress=None, walkthrough_layers=None
) -> ProofRun:
    """Run the chosen proofs; progress goes to stderr when it is a terminal.
    ``walkthrough`` checks the step-by-step chains of ``walkthrough_layers``
    (default: every layer)."""
    progress = progress or Progress()
    kernels: list[Kernel] = []

    def fresh() -> Kernel:
        """One kernel per theorem: each rests only on its own definitions."""
        kernels.append(Kernel())
        return kernels[-1]

    theorems, skipped = [], []
    network = derivation.network
    if "layered" in strategies:
        index_form = IndexFormProof(network, None, fresh(), progress)
        theorems.append(index_form.run())
        count = network.spec.parameter_count
        if count > PER_UNIT_PARAMETER_LIMIT:
            skipped.append(
                f"per-unit proof not run: {count:,} parameters > {PER_UNIT_PARAMETER_LIMIT:,}; "
                "the index-form rules cover every unit"
            )
        else:
            # Instances of the index-form facts: the same kernel, each fact proved once.
            theorems.extend(PerUnitProof(derivation, None, progress, index_form.facts).run())
    if "expand" in strategies:
        reason = expanded.feasible(derivation) or expanded.built_in_time(derivation)
        if reason:
            skipped.append(f"expanded chain rule proof not run: {reason}")
        else:
            theorems.append(expanded.prove_expanded(derivation, fresh(), progress))
    if "paths" in strategies:
        reason = paths.feasible(network)
        if reason:
            skipped.append(f"sum over paths proof not run: {reason}")
        else:
            theorems.append(paths.prove_paths(derivation, fresh()))
            reason = paths.writes_out(network)
            if reason and network.width(2) * network.width(3) <= paths.SHOWN_PATHS_LIMIT:
                skipped.append(
                    f"sum over paths for w¹₁₁ not compared written out: {reason}; "
                    "the theorem above covers every first-layer weight"
                )
    if "general" in strategies:  # the variant of this network's output layer only
        theorems.append(general.prove_general(fresh(), network.spec.normalised_output))
    steps = []
    if "walkthrough" in strategies:
        layers = walkthrough_layers or range(network.depth, 0, -1)
        if network.spec.normalised_output:  # its step is the output lemma, not a chain
            layers = [layer for layer in layers if layer != network.depth]
    if "walkthrough" in strategies and network.spec.normalised_output:
        skipped.append(
            "step-by-step chain of the softmax output layer not drawn: the loss depends on "
            "zᴸⱼ through every output (the Jacobian), and its step is the softmax output "
            "lemma of the index-form theorem; the hidden layers' chains start from it"
        )
    if "walkthrough" in strategies and layers:
        walk = Walkthrough(derivation, layers, fresh(), progress)
        theorems.append(walk.run())
        steps = walk.steps
        skipped.extend(
            f"step-by-step chain of layer {step.layer} not compared as a whole: "
            f"{step.unchecked_reason}; its factors are checked"
            for step in steps
            if step.unchecked_reason
        )
    trust = {level: sum(k.report()[level] for k in kernels) for level in TRUST_LEVELS}
    assumed = {name: reason for k in kernels for name, reason in k.assumed.items()}
    rules: dict[str, int] = {}
    for kernel in kernels:
        for step in kernel.steps:
            rules[step.rule] = rules.get(step.rule, 0) + 1
    return ProofRun(theorems, skipped, trust, assumed, steps, dict(sorted(rules.items())), kernels)


def record_printing(run: ProofRun, checks) -> None:
    """Add the kernel checks trainer.py's printed forms rest on
    (:class:`derive.codegen.trainer.PrintingChecks`) to ``run``, as one more theorem
    with its own kernel, so that the certificate records and replays them."""
    kernel = checks.kernel
    if not checks.facts:
        return  # the trainer prints every formula as proved
    run.theorems.append(
        TheoremOutcome(
            PRINTING,
            STATEMENTS[PRINTING],
            True,
            sum(step.seconds for step in kernel.steps),
            len(checks.facts),
            None,
            checks.facts,
        )
    )
    run.kernels.append(kernel)
    for step in kernel.steps:
        run.trust[step.trust] += 1
        run.rules[step.rule] = run.rules.get(step.rule, 0) + 1
