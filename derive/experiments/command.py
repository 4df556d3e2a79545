"""``derive experiment batch-size|sequential``: run, print, write.

Input is validated, the data loaded and the output folder checked before any
training; then the proved trainer is generated, the experiment runs (with a
progress bar on a terminal after a second), a table is printed and the CSV,
JSON and figures are written.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from derive import __version__
from derive.experiments import batch_size, data, figures, results, sequential
from derive.experiments.runs import STOP_REASONS
from derive.experiments.tables import batch_size_table, sequential_table
from derive.experiments.trainer import ProofFailed, verified_trainer
from derive.spec import registry
from derive.spec.network import parse_spec
from derive.support import options, output
from derive.support.errors import InputError, one_line, quote
from derive.support.wrapping import wrap

DEFAULT_HIDDEN = 8
DEFAULT_SECONDS = 4.0
"""Time budget of a run; 0 is none (results that do not depend on the machine)."""


def number(text: str | None, what: str, default, low, high, kind=float):
    """The option ``what``'s value: ``default`` where not given, else a
    ``kind`` from ``low`` to ``high``."""
    if text is None:
        return default
    return options.number(
        text,
        kind,
        lambda value: low <= value <= high,
        f"{what} must be a number, got {quote(text, 20)}",
        f"{what} must be between {low} and {high}, got {quote(text, 20)}",
    )


def classifier(args, dataset: data.Dataset, depth: int) -> tuple[str | None, str | None, bool]:
    """(activation, loss, targets sum to 1) as given, or for one-hot data
    with neither given a softmax output with ce (the hidden layers keep the
    default activation) under the hypothesis, which the data satisfy; and
    for ``--loss ce`` alone, the softmax output ce needs."""
    activation, loss = args.activation, args.loss
    hidden = [registry.DEFAULT_ACTIVATION] * (depth - 1)
    if loss is not None and registry.loss(loss).needs_simplex and dataset.outputs < 2:
        raise InputError(
            f"loss {loss} compares a distribution over two or more classes; "
            f"{quote(dataset.name)} has {dataset.outputs} output: use --loss bce (with a "
            f"sigmoid output) for one yes/no target"
        )
    if activation is None and loss is None and dataset.one_hot:
        return ",".join([*hidden, "softmax"]), "ce", True
    if activation is None and loss is not None and registry.loss(loss).needs_simplex:
        return ",".join([*hidden, "softmax"]), loss, args.targets_sum_to_one
    return activation, loss, args.targets_sum_to_one


def network(args, dataset: data.Dataset):
    """The spec: --widths if given (it must fit the data), else inputs, 8 per
    hidden layer, outputs; a softmax output with ce for one-hot data."""
    if args.widths is not None:
        depth = len(args.widths.split(",")) - 1
        activation, loss, targets = classifier(args, dataset, depth)
        spec = parse_spec(args.layers, args.widths, activation, loss, args.bias, targets)
        if (spec.widths[0], spec.widths[-1]) != (dataset.inputs, dataset.outputs):
            raise InputError(
                f"--widths {quote(args.widths)} does not fit the data: {quote(dataset.name)} has "
                f"{dataset.inputs} inputs and {dataset.outputs} outputs"
            )
        return spec
    depth = parse_spec(args.layers).depth if args.layers is not None else 2
    widths = [dataset.inputs] + [DEFAULT_HIDDEN] * (depth - 1) + [dataset.outputs]
    activation, loss, targets = classifier(args, dataset, depth)
    return parse_spec(str(depth), ",".join(map(str, widths)), activation, loss, args.bias, targets)


def batch_sizes(text: str | None, samples: int) -> tuple[int, ...]:
    if text is None:
        return batch_size.default_batch_sizes(samples)
    sizes = []
    for piece in text.split(","):
        piece = piece.strip()
        sizes.append(
            samples if piece == "full" else number(piece, "a batch size", 0, 1, samples, int)
        )
    return tuple(sorted(set(sizes)))


def run(args) -> int:
    from derive.support.progress import Progress

    if args.kind == "batch-size" and args.batch_size is not None:
        raise InputError("--batch-size is for the sequential experiment; use --batch-sizes here")
    if args.kind == "sequential" and args.batch_sizes is not None:
        raise InputError("--batch-sizes is for the batch-size experiment; use --batch-size here")
    if args.samples is not None and args.data not in data.GENERATORS and args.data != "digits":
        raise InputError("--samples sets the size of a generated data set, not of a CSV file")
    seed = number(args.seed, "--seed", 0, 0, 2**32 - 1, int)
    samples = number(args.samples, "--samples", None, 4, data.MAX_ROWS, int)
    dataset = data.load(args.data, args.target, samples, seed)
    spec = network(args, dataset)
    data.check_targets(dataset, spec)
    lr = number(args.lr, "--lr", 0.5, 1e-6, 100.0)
    epochs = number(
        args.epochs, "--epochs", 2000 if args.kind == "batch-size" else 1000, 1, 10**6, int
    )
    tol = number(args.tol, "--tol", 1e-4, 0.0, 1e6)
    seconds = number(args.seconds, "--seconds", DEFAULT_SECONDS, 0.0, 3600.0)
    if 0 < seconds < 0.01:
        raise InputError(f"--seconds must be 0 (no time budget) or at least 0.01, got {seconds:g}")
    name = args.kind
    out = Path(args.out)
    output.check_writable(out, [f"{name}.{ext}" for ext in ("csv", "json", "png", "pdf")])
    drawing = figures.available()

    try:
        trainer = verified_trainer(spec)
    except ProofFailed as error:
        print(f"derive: error: {error}", file=sys.stderr)
        return 1
    progress = Progress(verb="training")
    common = {
        "dataset": dataset.description,
        "samples": len(dataset),
        "widths": list(spec.widths),
        "activation": spec.activations[0].name
        if len(set(spec.activations)) == 1
        else [a.name for a in spec.activations],
        "loss": spec.loss.name,
        "targets_sum_to_one": spec.targets_sum_to_one,
        "bias": spec.bias,
        "lr": lr,
        "epochs": epochs,
        "tol": tol,
        "seconds": seconds,
        "seed": seed,
        "derive": __version__,
        "numpy": np.__version__,
    }
    title = f"{dataset.description}; widths {'-'.join(map(str, spec.widths))}, lr {lr:g}"
    heading = f"{dataset.description}; {spec.describe()}; lr {lr:g}, seed {seed}"
    try:
        if name == "batch-size":
            setup = batch_size.Setup(
                dataset,
                spec,
                lr,
                epochs,
                tol,
                seconds,
                seed,
                batch_sizes(args.batch_sizes, len(dataset)),
            )
            runs = batch_size.run(setup, trainer, progress)
            summary = batch_size.summary(len(dataset), setup.batch_sizes, runs, epochs, seconds)
            meta = {
                "setup": {**common, "batch_sizes": list(setup.batch_sizes)},
                "stopped": {r.label: STOP_REASONS[r.stopped] for r in runs},
                "time_budget_stops": _stops(summary),
            }
            rows = batch_size.csv_rows(setup.batch_sizes, runs)
            fields = batch_size.CSV_FIELDS
            table = batch_size_table(summary)
            answer = batch_size.answer(summary)
            picture = figures.batch_size(runs, title) if drawing else None
        else:
            size = number(
                args.batch_size, "--batch-size", min(10, len(dataset)), 1, len(dataset), int
            )
            setup = sequential.Setup(dataset, spec, lr, epochs, tol, seconds, seed, size)
            found = sequential.run(setup, trainer, progress)
            summary = sequential.summary(found, epochs, seconds)
            meta = {
                "setup": {**common, "batch_size": size},
                "splits": {
                    how: {
                        "switch_epoch": r["switch_epoch"],
                        "phase_A_stopped": r["phase_A_stopped"],
                        "phase_B_stopped": r["phase_B_stopped"],
                        "joint_stopped": r["joint_stopped"],
                        "joint_epoch_budget": r["joint_epoch_budget"],
                        "sizes": list(r["sizes"]),
                    }
                    for how, r in found.items()
                },
                "time_budget_stops": _stops(summary),
            }
            rows = sequential.csv_rows(found)
            fields = sequential.CSV_FIELDS
            table = sequential_table(summary)
            answer = sequential.answer(summary)
            picture = figures.sequential(found, sequential.SPLIT_NAMES, title) if drawing else None
    finally:
        progress.close()
    files = {
        f"{name}.csv": results.csv_text(fields, rows),
        f"{name}.json": json.dumps(meta, indent=2, ensure_ascii=False) + "\n",
    }
    if picture is not None:
        files[f"{name}.png"], files[f"{name}.pdf"] = figures.encode(picture)
    written = output.write_files(out, files)
    lines = [f"derive {__version__} experiment {name}: {heading}"]
    if picture is None:
        lines.append(
            "figures skipped: matplotlib is not installed (pip install 'derive[experiments]')"
        )
    lines.append("wrote " + ", ".join(one_line(str(p)) for p in written))
    lines.append(f"python -m derive --out {quote(out)} puts these results into derivation.tex")
    # the table's rows are not wrapped: a row broken in two is no row
    rest = wrap("\n".join([answer, *lines[1:]]))
    sys.stdout.write(wrap(lines[0]) + "\n" + table + "\n" + rest + "\n")
    return 0


def _stops(summary: dict) -> list[dict]:
    """The runs the time budget stopped, for the JSON file."""
    return [
        {"run": run, "epoch": epoch, "of": budget}
        for run, epoch, budget in summary["time_budget_stops"]
    ]
