"""The trainer an experiment runs: generated, proved, imported.

The experiments must measure the code a user gets, so the source comes from
:func:`derive.pipeline.trainer` — the index-form rules proved, then printed,
as the main job prints trainer.py — and is imported from a temporary file
like any module.
"""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path
from types import ModuleType

from derive import pipeline
from derive.pipeline import ProofFailed
from derive.spec.network import NetworkSpec

__all__ = ["ProofFailed", "verified_trainer"]


def verified_trainer(spec: NetworkSpec) -> ModuleType:
    """trainer.py for ``spec`` as a module; :class:`ProofFailed` if its rules
    did not check out."""
    source = pipeline.trainer(spec)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "derive_experiment_trainer.py"
        path.write_text(source, encoding="utf-8")
        loader = importlib.util.spec_from_file_location("derive_experiment_trainer", path)
        module = importlib.util.module_from_spec(loader)
        loader.loader.exec_module(module)
    return module
