"""The trainer an experiment runs: generated, proved, imported.

The experiments must measure the code a user gets, so the module is made
exactly as the main job makes trainer.py — the index-form rules proved,
then printed — and imported from a temporary file like any module.
"""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path
from types import ModuleType

from derive.codegen.trainer import trainer_source
from derive.derivation.gradients import Derivation
from derive.model.network import Network
from derive.spec.network import NetworkSpec


class ProofFailed(RuntimeError):
    """The rules the trainer would be printed from did not check out."""


def verified_trainer(spec: NetworkSpec) -> ModuleType:
    from proofs.run import run_proofs

    derivation = Derivation(Network(spec))
    proofs = run_proofs(derivation, ("layered",))
    if not proofs.holds:
        failed = next(v for v in proofs.verdicts if not v.holds)
        raise ProofFailed(f"the trainer's rules did not check out: {failed.name}")
    source = trainer_source(derivation.network)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "derive_experiment_trainer.py"
        path.write_text(source, encoding="utf-8")
        loader = importlib.util.spec_from_file_location("derive_experiment_trainer", path)
        module = importlib.util.module_from_spec(loader)
        loader.loader.exec_module(module)
    return module
