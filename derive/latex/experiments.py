"""The experiments section of derivation.tex: what each experiment ran, its
table and its answer, as :func:`derive.experiments.results.load` found them
in the output folder.
"""

from __future__ import annotations

from derive.printing.latex import text


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
        f"{setup['loss']}{'' if setup['bias'] else ', no biases'}. Learning rate "
        f"η = {setup['lr']:g}; {extra}; each run stops when ‖g‖ < {setup['tol']:g} "
        f"(eq. 5), {_time_budget(setup['seconds'])}; seed {setup['seed']} for the data, "
        "the initial weights and the shuffling."
    )


def _time_budget(seconds: float) -> str:
    if seconds == 0:
        return "with no time budget (the numbers do not depend on the machine's speed)"
    return (
        f"or after {seconds:g} s of training (a time budget: where it stops a run, the "
        "numbers depend on the machine's speed, and the run is named below)"
    )


def _batch_experiment(found: dict | None) -> dict | None:
    if found is None:
        return None
    setup, summary = found["setup"], found["summary"]
    rows = [
        {
            "run": text(r["run"]),
            "updates": f"{r['steps_per_epoch']:,}",
            "final": f"{r['final_loss']:.4g}",
            "epochs": f"{r['epochs']:,.0f}",
            "seconds": f"{r['seconds']:.2f}",
            "stopped": text(r["stopped"]),
            "target_epochs": f"{r['target_epochs']:,.0f}",
            "target_seconds": f"{r['target_seconds']:.3f}",
        }
        for r in summary["runs"]
    ]
    extra = (
        f"the same initial weights and learning rate for every batch size, at most "
        f"{setup['epochs']:,} epochs"
    )
    return {
        "setup": _setup_text(setup, extra),
        "target": f"{summary['target_loss']:.3g}",
        "rows": rows,
        "figure": found["figure"],
        "answer": text(found["answer"]),
    }


def _sequential_experiment(found: dict | None) -> dict | None:
    if found is None:
        return None
    setup, summary = found["setup"], found["summary"]
    rows = [
        {
            "name": text(r["name"]),
            "after_a": f"{r['loss_A_after_A']:.4g}",
            "after_b": f"{r['loss_A_final']:.4g}",
            "b_final": f"{r['loss_B_final']:.4g}",
            "joint_a": f"{r['joint_loss_A']:.4g}",
            "joint_b": f"{r['joint_loss_B']:.4g}",
        }
        for r in summary["splits"]
    ]
    extra = (
        f"batch size {setup['batch_size']}, at most {setup['epochs']:,} epochs per phase; the "
        "A ∪ B baseline gets the budgets of both phases together (as many epochs as they "
        "took, twice the time). A and B are split twice: by region (A the points whose "
        "first input is below its median) and at random (the same distribution)"
    )
    stops = "; ".join(
        f"{r['name']}: phase A {r['phase_A_stopped']}, phase B {r['phase_B_stopped']}, "
        f"A ∪ B {r['joint_stopped']}"
        for r in summary["splits"]
    )
    return {
        "setup": _setup_text(setup, extra),
        "stops": text(f"How the runs stopped: {stops}."),
        "rows": rows,
        "figure": found["figure"],
        "answer": text(found["answer"]),
    }
