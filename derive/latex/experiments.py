"""The experiments section of derivation.tex: what each experiment ran, its
table and its answer, as :func:`derive.experiments.results.load` found them
in the output folder.

The numbers and words of each table row arrive formatted (``found["table"]``,
made by :mod:`derive.experiments.tables`, which also made the table the
terminal showed); here they are only escaped for LaTeX (words; a number is
set as it is).  The setup sentences are the write-up's own prose.
"""

from __future__ import annotations

import re

from derive.printing.latex import text

NUMBER = re.compile(r"[-+0-9.,e]+")
"""A cell that is a formatted number: set as it is, since :func:`text` would
write its minus (1.2e-05) as a text hyphen."""


def sections(experiments: dict) -> dict:
    """The template's two experiment sections, None for an experiment not found."""
    return {
        "batch_experiment": _batch_experiment(experiments.get("batch-size")),
        "sequential_experiment": _sequential_experiment(experiments.get("sequential")),
    }


def _setup_text(setup: dict, extra: str) -> str:
    activation = setup["activation"]
    if isinstance(activation, list):
        activation = ", ".join(activation)
    return text(
        f"Data: {setup['dataset']} (inputs standardised). Network: widths "
        f"{'-'.join(map(str, setup['widths']))}, activation {activation}, loss "
        f"{setup['loss']}{_targets(setup)}{'' if setup['bias'] else ', no biases'}. Learning rate "
        f"η = {setup['lr']:g}; {extra}; each run stops when ‖g‖ < {setup['tol']:g} "
        f"(eq. 5), {_time_budget(setup['seconds'])}; seed {setup['seed']} for the data, "
        "the initial weights and the shuffling."
    )


def _targets(setup: dict) -> str:
    """The hypothesis the run's trainer used, where it used one (the key is
    absent from results written before softmax outputs existed)."""
    if setup.get("targets_sum_to_one") is True:
        return " (one-hot targets: δ = a − y under the hypothesis Σ y = 1, checked on the data)"
    return ""


def _time_budget(seconds: float) -> str:
    if seconds == 0:
        return "with no time budget (the numbers do not depend on the machine's speed)"
    return (
        f"or after {seconds:g} s of training (a time budget: where it stops a run, the "
        "numbers depend on the machine's speed, and the run is named below)"
    )


def _cell(cell: str) -> str:
    return cell if NUMBER.fullmatch(cell) else text(cell)


def _section(found: dict, extra: str) -> dict:
    """What both sections show: the setup, the table's rows, the figure, the answer."""
    return {
        "setup": _setup_text(found["setup"], extra),
        "rows": [{key: _cell(cell) for key, cell in row.items()} for row in found["table"]["rows"]],
        "figure": found["figure"],
        "answer": text(found["answer"]),
    }


def _batch_experiment(found: dict | None) -> dict | None:
    if found is None:
        return None
    extra = (
        f"the same initial weights and learning rate for every batch size, at most "
        f"{found['setup']['epochs']:,} epochs"
    )
    return {**_section(found, extra), "target": found["table"]["target"]}


def _sequential_experiment(found: dict | None) -> dict | None:
    if found is None:
        return None
    setup = found["setup"]
    extra = (
        f"batch size {setup['batch_size']}, at most {setup['epochs']:,} epochs per phase; the "
        "A ∪ B baseline gets the budgets of both phases together (as many epochs as they "
        "took, twice the time). A and B are split twice: by region (A the points whose "
        "first input is below its median) and at random (the same distribution)"
    )
    stops = "; ".join(
        f"{r['name']}: phase A {r['phase_A_stopped']}, phase B {r['phase_B_stopped']}, "
        f"A ∪ B {r['joint_stopped']}"
        for r in found["table"]["rows"]
    )
    return {**_section(found, extra), "stops": text(f"How the runs stopped: {stops}.")}
