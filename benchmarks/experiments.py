"""What the experiments cost, and whether their clock is honest.

1. End to end: ``python -m derive experiment KIND`` with its defaults (and
   ``--data digits``), fresh processes, median of --runs; the baseline in the
   same rounds is the main job ``python -m derive --layers 2``.
2. The clock: for each batch size of the default batch-size experiment,
   the generated ``train`` run bare (no callback, fixed epochs) against the
   same run recorded by the experiment, in one process, alternating, median
   of --runs.  The recorded seconds (what the CSV and the figures show) should
   match the bare run's wall time; the total with the bookkeeping shows what
   the per-epoch ‖g‖ and loss measurements cost on top.

    python benchmarks/experiments.py [--runs 3] [--epochs 200]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from derive.experiments import batch_size, data  # noqa: E402
from derive.experiments.runs import train_and_record  # noqa: E402
from derive.experiments.trainer import verified_trainer  # noqa: E402
from derive.spec.network import parse_spec  # noqa: E402

COMMANDS = [
    ("main job --layers 2 (baseline)", ["--layers", "2"]),
    ("experiment batch-size", ["experiment", "batch-size"]),
    ("experiment sequential", ["experiment", "sequential"]),
    ("experiment batch-size --data digits", ["experiment", "batch-size", "--data", "digits"]),
]


def end_to_end(runs: int) -> None:
    times: dict[str, list[float]] = {name: [] for name, _ in COMMANDS}
    for _ in range(runs):
        for name, args in COMMANDS:
            with tempfile.TemporaryDirectory() as folder:
                started = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "derive", *args, "--out", folder],
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                )
                times[name].append(time.perf_counter() - started)
    base = statistics.median(times[COMMANDS[0][0]])
    print("| command | median s | slowest s | ÷ main job |\n|---|---|---|---|")
    for name, _ in COMMANDS:
        median = statistics.median(times[name])
        print(f"| {name} | {median:.1f} | {max(times[name]):.1f} | {median / base:.1f}× |")


def clock(runs: int, epochs: int) -> None:
    dataset = data.load("moons", seed=0)
    spec = parse_spec("2", "2,8,1")
    trainer = verified_trainer(spec)
    initial = trainer.init_params(seed=0)
    print("\n| batch | bare train s | recorded s (CSV) | ÷ bare | with bookkeeping s | ÷ bare |")
    print("|---|---|---|---|---|---|")
    for size in batch_size.default_batch_sizes(len(dataset)):
        bare, recorded, total = [], [], []
        for _ in range(runs):
            params = {k: v.copy() for k, v in initial.items()}
            started = time.perf_counter()
            trainer.train(
                params,
                dataset.X,
                dataset.Y,
                lr=0.5,
                epochs=epochs,
                batch_size=size,
                tol=0.0,
                seed=0,
            )
            bare.append(time.perf_counter() - started)
            params = {k: v.copy() for k, v in initial.items()}
            started = time.perf_counter()
            run = train_and_record(
                trainer,
                params,
                dataset.X,
                dataset.Y,
                label=str(size),
                lr=0.5,
                epochs=epochs,
                batch_size=size,
                tol=0.0,
                seed=0,
                seconds=1e9,
            )
            total.append(time.perf_counter() - started)
            recorded.append(run.last["seconds"])
        b, r, t = (statistics.median(x) for x in (bare, recorded, total))
        print(f"| {size} | {b:.3f} | {r:.3f} | {r / b:.2f}× | {t:.3f} | {t / b:.2f}× |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=200)
    args = parser.parse_args()
    end_to_end(args.runs)
    clock(args.runs, args.epochs)


if __name__ == "__main__":
    main()
