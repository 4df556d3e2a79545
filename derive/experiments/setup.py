"""What every experiment is given: the data, the network and the budget of
a run.  Each experiment's own ``Setup`` adds what it varies (the batch
sizes, or the one batch size of both phases)."""

from __future__ import annotations

from dataclasses import dataclass

from derive.experiments.data import Dataset
from derive.spec.network import NetworkSpec


@dataclass(frozen=True)
class Training:
    data: Dataset
    spec: NetworkSpec
    lr: float
    epochs: int
    """The epoch budget of a run (sequential: of each phase)."""
    tol: float
    seconds: float
    seed: int
