"""The seed's first question: per-sample (stochastic) or batch gradient
descent — which converges faster?

The same network from the same initial weights is trained with batch size 1
(the update after every sample), a few mini-batch sizes and the full batch,
each with the same learning rate, until ‖g‖ < ε or a budget (epochs, seconds)
runs out; a run the time budget stopped is named with the epoch it reached.  "Faster"
has three honest meanings, and the answer differs between them, so all three
are measured: per epoch (pass over the data), per gradient evaluation
(samples seen) and per second of wall time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Setup(Training):
    batch_sizes: tuple[int, ...]


def default_batch_sizes(samples: int) -> tuple[int, ...]:
    """1, two mini-batch sizes about 5% and 25% of the data, and all of it."""
    middle = sorted({max(2, round(samples * f)) for f in (0.05, 0.25)} - {samples})
    return tuple(sorted({1, *[m for m in middle if 1 < m < samples], samples}))


def label(batch_size: int, samples: int) -> str:
    if batch_size == 1:
        return "stochastic (batch 1)"
    if batch_size >= samples:
        return f"full batch ({samples})"
    return f"mini-batch {batch_size}"


def run(setup: Setup, trainer, progress=None) -> list[Run]:
    initial = trainer.init_params(seed=setup.seed)
    runs = []
    for size in setup.batch_sizes:
        params = {key: value.copy() for key, value in initial.items()}
        name = label(size, len(setup.data))
        runs.append(
            train_and_record(
                trainer,
                params,
                setup.data.X,
                setup.data.Y,
                label=name,
                lr=setup.lr,
                epochs=setup.epochs,
                batch_size=size,
                tol=setup.tol,
                seed=setup.seed,
                seconds=setup.seconds,
                progress=progress,
            )
        )
    return runs


def summary(samples: int, batch_sizes, runs: list[Run], epochs: int, seconds: float) -> dict:
    """Per run: the final state and the cost of reaching the common target —
    the lowest loss that every run reached; and the runs the time budget
    (``seconds`` per run, 0 for none) stopped before ``epochs``."""
    target = max(min(row["loss"] for row in r.rows) for r in runs)
    rows = []
    for size, r in zip(batch_sizes, runs, strict=True):
        reached = next(row for row in r.rows if row["loss"] <= target)
        reason = STOP_REASONS.get(r.stopped, r.stopped)
        rows.append(
            {
                "run": r.label,
                "batch_size": size,
                "steps_per_epoch": math.ceil(samples / size),
                "final_loss": r.last["loss"],
                "final_gradient_norm": r.last["gradient_norm"],
                "epochs": r.last["epoch"],
                "samples": r.last["samples"],
                "seconds": r.last["seconds"],
                "stopped": stop_text(reason, r.last["epoch"], epochs),
                "time_budget": reason == TIME_BUDGET,
                "target_epochs": reached["epoch"],
                "target_samples": reached["samples"],
                "target_seconds": reached["seconds"],
            }
        )
    stopped = [(r["run"], r["epochs"], epochs) for r in rows if r["time_budget"]]
    return {"target_loss": target, "runs": rows, "seconds": seconds, "time_budget_stops": stopped}


CSV_FIELDS = ("run", "batch_size", "epoch", "samples", "seconds", "loss", "gradient_norm")
MEASURED = CSV_FIELDS[2:]


def csv_rows(batch_sizes, runs: list[Run]):
    for size, r in zip(batch_sizes, runs, strict=True):
        for row in r.rows:
            yield {"run": r.label, "batch_size": size, **{k: row[k] for k in MEASURED}}


def _numbers(row: dict) -> dict:
    """A CSV row's measurements, counts as int."""
    return {k: (int if k in ("epoch", "samples") else float)(row[k]) for k in MEASURED}


def runs_from_csv(rows: list[dict], stopped: dict[str, str]) -> list[Run]:
    """The runs as the CSV records them (the write-up's source of numbers)."""
    runs: dict[str, Run] = {}
    for row in rows:
        run_ = runs.setdefault(row["run"], Run(row["run"], stopped=stopped[row["run"]]))
        run_.rows.append(_numbers(row))
    return list(runs.values())


def answer(result: dict, lang: Language = ENGLISH) -> str:
    """One paragraph on the seed's question, from the measured numbers only,
    in language ``lang`` (the terminal's is English)."""
    say = lang.gettext
    rows = [{**r, "run": in_language(r["run"], lang)} for r in result["runs"]]
    target = result["target_loss"]
    fastest = {
        key: min(rows, key=lambda r: r[key])
        for key in ("target_epochs", "target_samples", "target_seconds")
    }
    slowest = max(rows, key=lambda r: r["target_seconds"])
    per_update = {r["run"]: r["seconds"] / max(r["epochs"] * r["steps_per_epoch"], 1) for r in rows}
    single, full = rows[0], rows[-1]
    clock = fastest["target_seconds"]
    measured = say(
        "Every run reached a mean loss of %(target)s; to get there %(epochs_run)s needed the "
        "fewest epochs (%(epochs)s, against %(full_epochs)s for the full batch, which updates "
        "once per epoch where batch %(single)s updates %(steps)s times), %(samples_run)s the "
        "fewest gradient evaluations (%(samples)s samples), and %(clock_run)s the least time "
        "(%(clock)s, against %(slowest)s for %(slowest_run)s). One update cost %(single_ms)s ms "
        "with batch %(single)s and %(full_ms)s ms with the full batch: a larger batch costs "
        "more per update and less per sample.",
        target=f"{target:.3g}",
        epochs_run=fastest["target_epochs"]["run"],
        epochs=fastest["target_epochs"]["target_epochs"],
        full_epochs=full["target_epochs"],
        single=single["batch_size"],
        steps=single["steps_per_epoch"],
        samples_run=fastest["target_samples"]["run"],
        samples=f"{fastest['target_samples']['target_samples']:,.0f}",
        clock_run=clock["run"],
        clock=_seconds(clock["target_seconds"], lang),
        slowest=_seconds(slowest["target_seconds"], lang),
        slowest_run=slowest["run"],
        single_ms=f"{1000 * per_update[single['run']]:.3f}",
        full_ms=f"{1000 * per_update[full['run']]:.3f}",
    )
    budget = time_budget_sentence(result["time_budget_stops"], result["seconds"], lang=lang)
    return f"{measured} {budget}".rstrip()


def _seconds(value: float, lang: Language = ENGLISH) -> str:
    if value >= 0.1:
        return lang.gettext("%(value)s s", value=f"{value:.2f}")
    return lang.gettext("%(value)s ms", value=f"{1000 * value:.1f}")
