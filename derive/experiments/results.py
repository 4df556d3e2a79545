"""Experiment results on disk: the raw rows as CSV, the setup as JSON.

The CSV holds every measured row and is the one source of the numbers: the
write-up re-reads it (:func:`load`) and recomputes each summary from it, so
the table and the paragraph in derivation.tex are the measured values, not a
copy kept elsewhere.  The JSON holds what a row cannot: the setup (data,
network, learning rate, budgets, seed) and how each run stopped.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from derive.support.errors import one_line, quote
from derive.support.language import ENGLISH, Language

NAMES = ("batch-size", "sequential")


def csv_text(fields, rows) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: repr(v) if isinstance(v, float) else v for k, v in row.items()})
    return buffer.getvalue()


def load(folder: Path, lang: Language = ENGLISH) -> tuple[dict, list[str]]:
    """Each experiment found in ``folder`` as {name: {"setup", "summary",
    "answer", "table", "figure"}} ("table": the rows of :mod:`.tables`, the
    ones the terminal showed), and a note for each file that could not be used.
    The answer, the words of the table and the data set's description are in
    language ``lang``, the write-up's (:func:`.runs.in_language`)."""
    found, problems = {}, []
    for name in NAMES:
        meta_path, csv_path = folder / f"{name}.json", folder / f"{name}.csv"
        if not meta_path.exists() and not csv_path.exists():
            continue
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            with csv_path.open(newline="", encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle))
            found[name] = _summarise(name, meta, rows, lang)
            found[name]["figure"] = (folder / f"{name}.pdf").exists()
        except (OSError, ValueError, KeyError, TypeError, StopIteration) as error:
            detail = str(error).splitlines()[0][:80] if str(error) else ""
            problems.append(
                f"{name}.csv/.json in {quote(folder)} not used ({error.__class__.__name__}"
                + (f": {one_line(detail)}" if detail else "")
                + "); run the experiment again"
            )
    return found, problems


_SETUP = {
    "dataset": str,
    "samples": int,
    "widths": list,
    "activation": (str, list),
    "loss": str,
    "bias": bool,
    "lr": (int, float),
    "epochs": int,
    "tol": (int, float),
    "seconds": (int, float),
    "seed": int,
}
"""The setup's fields the write-up prints, and their types in the JSON."""


def _checked_setup(meta) -> dict:
    """The setup of ``meta``, each field the write-up prints present and of
    its type: a hand-edited file ('lr': "x") becomes a note, not a crash
    while typesetting."""
    setup = meta.get("setup") if isinstance(meta, dict) else None
    if not isinstance(setup, dict):
        raise ValueError("no setup")
    for field, kind in _SETUP.items():
        value = setup.get(field)
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise ValueError(f"setup.{field} is missing or not a {_type_name(kind)}")
    if not all(isinstance(width, int) and width > 0 for width in setup["widths"]):
        raise ValueError("setup.widths are not positive whole numbers")
    return setup


def _type_name(kind) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if float in kinds:
        return "number"
    names = {str: "text", int: "whole number", list: "list", bool: "boolean"}
    return " or ".join(names[k] for k in kinds)


def _summarise(name: str, meta: dict, rows: list[dict], lang: Language) -> dict:
    # Imported here: the experiments need NumPy, and the main job, which
    # calls load() on every run, does not unless an experiment is there.
    from derive.experiments import batch_size, sequential, tables
    from derive.experiments.runs import in_language

    setup = _checked_setup(meta)
    if name == "batch-size":
        runs = batch_size.runs_from_csv(rows, meta["stopped"])
        summary = batch_size.summary(
            setup["samples"], setup["batch_sizes"], runs, setup["epochs"], setup["seconds"]
        )
        answer = batch_size.answer(summary, lang)
        facts = tables.batch_size_facts(summary)
    else:
        results = sequential.results_from_csv(rows, meta["splits"])
        summary = sequential.summary(results, setup["epochs"], setup["seconds"])
        answer = sequential.answer(summary, lang)
        facts = tables.sequential_facts(summary)
    facts["rows"] = [
        {key: in_language(cell, lang) for key, cell in r.items()} for r in facts["rows"]
    ]
    setup = {**setup, "dataset": in_language(setup["dataset"], lang)}
    return {"setup": setup, "summary": summary, "answer": answer, "table": facts}
