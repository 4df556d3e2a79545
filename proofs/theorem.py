"""One theorem's outcome, and the wrapper every theorem runs its body in."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from proofs.kernel import Fact, ProofError


@dataclass
class TheoremOutcome:
    """The outcome of one theorem."""

    name: str
    statement: str
    holds: bool
    seconds: float
    checks: int
    failure: str | None = None
    facts: list[Fact] = field(default_factory=list, repr=False)
    assumptions: tuple[str, ...] = ()
    """The principles it assumes by name (the general theorem's), printed on
    its own line: the other theorems' kernels assume nothing of the kind."""


def checked(name: str, statement: str, body) -> TheoremOutcome:
    """Run ``body(facts)``, which appends kernel facts, into a timed outcome;
    a refused step makes the outcome fail with the kernel's reason."""
    started = time.perf_counter()
    facts: list[Fact] = []
    try:
        body(facts)
    except ProofError as error:
        return TheoremOutcome(
            name, statement, False, time.perf_counter() - started, len(facts), str(error), facts
        )
    return TheoremOutcome(
        name, statement, True, time.perf_counter() - started, len(facts), None, facts
    )
