"""Theorem (a): the literal expanded chain rule equals the δ recursion.

For every weight and bias, the kernel differentiates the fully expanded loss
E(x, y, θ) itself and checks, by exact algebra, that the result is the
program's δ-form gradient with every δ, a and z expanded.  The cost grows
with the size of the expanded expressions, so it runs only where
:func:`derive.derivation.gradients.expanded_chain_rule` would (see its limits).
"""

from __future__ import annotations

from derive.derivation.gradients import (
    EXPANDED_DEPTH_LIMIT,
    EXPANDED_PARAMETER_LIMIT,
    EXPANDED_SECONDS,
    Derivation,
)
from derive.support.deadline import TimeLimit, time_limit
from derive.support.progress import QUIET, Progress
from proofs.kernel import Kernel
from proofs.statements import EXPANDED, STATEMENTS
from proofs.theorem import TheoremOutcome, checked

STATEMENT = STATEMENTS[EXPANDED]


def feasible(derivation: Derivation) -> str | None:
    """None, or why the full expansion is not attempted."""
    network = derivation.network
    if network.depth > EXPANDED_DEPTH_LIMIT:
        return f"depth {network.depth} > {EXPANDED_DEPTH_LIMIT}"
    if network.spec.parameter_count > EXPANDED_PARAMETER_LIMIT:
        return f"{network.spec.parameter_count} parameters > {EXPANDED_PARAMETER_LIMIT}"
    return None


def built_in_time(derivation: Derivation, seconds: float = EXPANDED_SECONDS) -> str | None:
    """None once the expanded loss is built (it is cached on the network),
    or why it was given up: its cost depends on how SymPy evaluates the
    activation's functions, which nothing predicts well (see
    :data:`derive.derivation.gradients.EXPANDED_SECONDS`)."""
    try:
        with time_limit(seconds, doing="building the expanded loss"):
            derivation.network.pre_activations_expanded  # noqa: B018 (builds and caches)
            derivation.network.loss_expanded  # noqa: B018
    except TimeLimit:
        return f"building the expanded loss took more than {seconds:g} s"
    return None


def prove_expanded(
    derivation: Derivation, kernel: Kernel | None = None, progress: Progress = QUIET
) -> TheoremOutcome:
    kernel = kernel or Kernel()
    network = derivation.network

    def body(facts):
        parameters = network.parameters()
        for done, parameter in enumerate(parameters):
            progress.update("the expanded chain rule", done, len(parameters))
            derivative = kernel.differentiate(network.loss_expanded, parameter, shared=True)
            facts.append(
                kernel.equal_by_algebra(
                    derivative,
                    derivation.delta_form_expanded(parameter),
                    opaque=network.pre_activations_expanded,
                )
            )

    outcome = checked(EXPANDED, STATEMENT, body)
    progress.close()
    return outcome
