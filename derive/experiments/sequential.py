"""The seed's second question: does training on a new batch undo what the
weights learnt from the previous one?

The data are split in two parts, A and B, twice: by region (A the samples
whose first input is below its median, B the rest — two different
distributions) and at random (A and B from the same distribution).  For each
split the network is trained on A until ‖g‖ < ε (or a budget), then on B
the same way, while the loss on A and on B is measured after every epoch;
the baseline trains the same initial weights on A ∪ B, shuffled, with the
budgets of both phases together: at most as many epochs as both phases took
and twice the time budget of one phase (an epoch of A ∪ B costs about what
an epoch of A and one of B cost).  Every run a time budget stopped is named
with the epoch it reached.  If the loss on A climbs during the B phase, the
new batch undid the old one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derive.experiments.data import Dataset
from derive.experiments.runs import (
    STOP_REASONS,
    TIME_BUDGET,
    Run,
    in_language,
    stop_text,
    time_budget_sentence,
    train_and_record,
)
from derive.experiments.setup import Training
from derive.support.language import ENGLISH, Language

SPLITS = ("regions", "random")
SPLIT_NAMES = {"regions": "different regions", "random": "the same distribution"}


@dataclass(frozen=True)
class Setup(Training):
    batch_size: int


def split(data: Dataset, how: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks of A and B, half the samples each: for "regions" the
    lower and upper half along the first input that varies (the digits'
    first pixel is 0 in every image, and a split at its median would leave
    B empty), else a random half."""
    if how == "regions":
        varies = np.flatnonzero(np.ptp(data.X, axis=0) > 0)
        column = int(varies[0]) if varies.size else 0
        order = np.argsort(data.X[:, column], kind="stable")
    else:
        order = np.random.default_rng(seed).permutation(len(data))
    in_a = np.zeros(len(data), dtype=bool)
    in_a[order[: len(data) // 2]] = True
    return in_a, ~in_a


def run(setup: Setup, trainer, progress=None) -> dict[str, dict]:
    """For each split: the sequential run (A then B) and the joint baseline."""
    initial = trainer.init_params(seed=setup.seed)
    results = {}
    for how in SPLITS:
        in_a, in_b = split(setup.data, how, setup.seed)
        XA, YA = setup.data.X[in_a], setup.data.Y[in_a]
        XB, YB = setup.data.X[in_b], setup.data.Y[in_b]
        measure = {
            "loss_A": lambda p, XA=XA, YA=YA: trainer.loss(p, XA, YA),
            "loss_B": lambda p, XB=XB, YB=YB: trainer.loss(p, XB, YB),
        }
        common = {
            "lr": setup.lr,
            "tol": setup.tol,
            "seed": setup.seed,
            "batch_size": setup.batch_size,
            "measure": measure,
            "progress": progress,
        }
        params = {key: value.copy() for key, value in initial.items()}
        sequential = train_and_record(
            trainer,
            params,
            XA,
            YA,
            label=f"{how}: A",
            epochs=setup.epochs,
            seconds=setup.seconds,
            **common,
        )
        switch = dict(sequential.last)
        phase_a = sequential.stopped
        sequential.label = "A then B"
        train_and_record(
            trainer,
            params,
            XB,
            YB,
            label=f"{how}: B",
            epochs=setup.epochs,
            seconds=setup.seconds,
            start=switch,
            run=sequential,
            **common,
        )
        params = {key: value.copy() for key, value in initial.items()}
        joint_budget = max(sequential.last["epoch"], 1)
        joint = train_and_record(
            trainer,
            params,
            setup.data.X,
            setup.data.Y,
            label=f"{how}: A ∪ B",
            epochs=joint_budget,
            seconds=2 * setup.seconds,
            **common,
        )
        joint.label = "A ∪ B shuffled"
        results[how] = {
            "sequential": sequential,
            "joint": joint,
            "switch_epoch": switch["epoch"],
            "phase_A_stopped": STOP_REASONS[phase_a],
            "phase_B_stopped": STOP_REASONS[sequential.stopped],
            "joint_stopped": STOP_REASONS[joint.stopped],
            "joint_epoch_budget": joint_budget,
            "sizes": (int(in_a.sum()), int(in_b.sum())),
        }
    return results


def summary(results: dict[str, dict], epochs: int, seconds: float) -> dict:
    """Per split: the loss on A before and after the B phase, against the
    joint baseline; and the runs the time budget stopped (``epochs`` is the
    budget of a phase, ``seconds`` the time budget of a phase, 0 for none)."""
    rows, stopped = [], []
    for how, result in results.items():
        sequential, joint = result["sequential"], result["joint"]
        switch = result["switch_epoch"]
        at_switch = next(r for r in sequential.rows if r["epoch"] == switch)
        after = [r for r in sequential.rows if r["epoch"] >= switch]
        reached = {
            "phase A": (result["phase_A_stopped"], switch, epochs),
            "phase B": (result["phase_B_stopped"], sequential.last["epoch"] - switch, epochs),
            "the A ∪ B baseline": (
                result["joint_stopped"],
                joint.last["epoch"],
                result["joint_epoch_budget"],
            ),
        }
        stopped += [
            (f"{run} ({SPLIT_NAMES[how]})", epoch, budget)
            for run, (reason, epoch, budget) in reached.items()
            if reason == TIME_BUDGET
        ]
        rows.append(
            {
                "split": how,
                "name": SPLIT_NAMES[how],
                "samples_A": result["sizes"][0],
                "samples_B": result["sizes"][1],
                "switch_epoch": switch,
                "phase_A_stopped": stop_text(*reached["phase A"]),
                "phase_B_stopped": stop_text(*reached["phase B"]),
                "joint_stopped": stop_text(*reached["the A ∪ B baseline"]),
                "joint_epochs": joint.last["epoch"],
                "loss_A_after_A": at_switch["loss_A"],
                "loss_B_after_A": at_switch["loss_B"],
                "loss_A_peak_during_B": max(r["loss_A"] for r in after),
                "loss_A_final": sequential.last["loss_A"],
                "loss_B_final": sequential.last["loss_B"],
                "joint_loss_A": joint.last["loss_A"],
                "joint_loss_B": joint.last["loss_B"],
                "epochs": sequential.last["epoch"],
            }
        )
    return {"splits": rows, "seconds": seconds, "time_budget_stops": stopped}


CSV_FIELDS = (
    "split",
    "schedule",
    "epoch",
    "samples",
    "seconds",
    "loss",
    "gradient_norm",
    "loss_A",
    "loss_B",
)
MEASURED = CSV_FIELDS[2:]


def csv_rows(results: dict[str, dict]):
    for how, result in results.items():
        for key in ("sequential", "joint"):
            r = result[key]
            for row in r.rows:
                yield {"split": how, "schedule": r.label, **{k: row[k] for k in MEASURED}}


def results_from_csv(rows: list[dict], splits: dict[str, dict]) -> dict[str, dict]:
    """The results as the CSV records them; ``splits`` holds what the CSV
    does not (switch epoch, stop reasons, sizes), from the JSON file."""
    results = {}
    for how, facts in splits.items():
        runs = {}
        for schedule in ("A then B", "A ∪ B shuffled"):
            run_ = Run(schedule)
            run_.rows = [
                {k: (int if k in ("epoch", "samples") else float)(r[k]) for k in MEASURED}
                for r in rows
                if r["split"] == how and r["schedule"] == schedule
            ]
            if not run_.rows:
                raise ValueError(f"no rows for {how}, {schedule}")
            runs[schedule] = run_
        results[how] = {
            "sequential": runs["A then B"],
            "joint": runs["A ∪ B shuffled"],
            "switch_epoch": facts["switch_epoch"],
            "phase_A_stopped": facts["phase_A_stopped"],
            "phase_B_stopped": facts["phase_B_stopped"],
            "joint_stopped": facts["joint_stopped"],
            "joint_epoch_budget": facts["joint_epoch_budget"],
            "sizes": tuple(facts["sizes"]),
        }
    return results


def answer(result: dict, lang: Language = ENGLISH) -> str:
    """One paragraph on the seed's question, from the measured numbers, in
    language ``lang`` (the terminal's is English)."""
    say = lang.gettext
    sentences = []
    for row in result["splits"]:
        before, after = row["loss_A_after_A"], row["loss_A_final"]
        ratio = after / before if before > 0 else float("inf")
        losses = {"before": f"{before:.3g}", "after": f"{after:.3g}"}
        if ratio > 1.5:
            verdict = say(
                "rose %(ratio)s-fold, from %(before)s to %(after)s: B undid part of A",
                ratio=f"{ratio:.1f}",
                **losses,
            )
        elif ratio < 1 / 1.5:
            verdict = say("fell from %(before)s to %(after)s: B helped A", **losses)
        else:
            verdict = say("stayed about the same (%(before)s, then %(after)s)", **losses)
        sentences.append(
            say(
                "With A and B from %(name)s, the loss on A after training on B %(verdict)s; "
                "training on A ∪ B together for %(epochs)s epochs ended at %(a)s on A and %(b)s "
                "on B.",
                name=in_language(row["name"], lang),
                verdict=verdict,
                epochs=f"{row['joint_epochs']:,}",
                a=f"{row['joint_loss_A']:.3g}",
                b=f"{row['joint_loss_B']:.3g}",
            )
        )
    note = say(" (twice that for the A ∪ B baseline, the two phases' budgets together)")
    sentences.append(
        time_budget_sentence(result["time_budget_stops"], result["seconds"], note, lang)
    )
    return " ".join(sentences).rstrip()
