"""The experiments section of derivation.tex: what each experiment ran, its
table and its answer, as :func:`derive.experiments.results.load` found them
in the output folder.

The numbers and words of each table row arrive formatted (``found["table"]``,
made by :mod:`derive.experiments.tables`, which also made the table the
terminal showed, its words and the answer in the document's language); here
they are only escaped for LaTeX (words; a number is set as it is).  The
setup sentences are the write-up's own prose.
"""

from __future__ import annotations

import re

from derive.printing.latex import text
from derive.support.language import ENGLISH, Language

NUMBER = re.compile(r"[-+0-9.,e]+")
"""A cell that is a formatted number: set as it is, since :func:`text` would
write its minus (1.2e-05) as a text hyphen."""


def sections(experiments: dict, lang: Language = ENGLISH) -> dict:
    """The template's two experiment sections in language ``lang``, None
    for an experiment not found."""
    return {
        "batch_experiment": _batch_experiment(experiments.get("batch-size"), lang),
        "sequential_experiment": _sequential_experiment(experiments.get("sequential"), lang),
    }


def _setup_text(setup: dict, extra: str, lang: Language) -> str:
    say = lang.gettext
    activation = setup["activation"]
    if isinstance(activation, list):
        activation = ", ".join(activation)
    return text(
        say(
            "Data: %(dataset)s (inputs standardised). Network: widths %(widths)s, activation "
            "%(activation)s, loss %(loss)s%(targets)s%(bias)s. Learning rate η = %(lr)s; "
            "%(extra)s; each run stops when ‖g‖ < %(tol)s (eq. 5), %(budget)s; seed %(seed)s "
            "for the data, the initial weights and the shuffling.",
            dataset=setup["dataset"],
            widths="-".join(map(str, setup["widths"])),
            activation=activation,
            loss=setup["loss"],
            targets=_targets(setup, lang),
            bias="" if setup["bias"] else say(", no biases"),
            lr=f"{setup['lr']:g}",
            extra=extra,
            tol=f"{setup['tol']:g}",
            budget=_time_budget(setup["seconds"], lang),
            seed=setup["seed"],
        )
    )


def _targets(setup: dict, lang: Language) -> str:
    """The hypothesis the run's trainer used, where it used one (the key is
    absent from results written before softmax outputs existed)."""
    if setup.get("targets_sum_to_one") is True:
        return lang.gettext(
            " (one-hot targets: δ = a − y under the hypothesis Σ y = 1, checked on the data)"
        )
    return ""


def _time_budget(seconds: float, lang: Language) -> str:
    if seconds == 0:
        return lang.gettext(
            "with no time budget (the numbers do not depend on the machine's speed)"
        )
    return lang.gettext(
        "or after %(seconds)s s of training (a time budget: where it stops a run, the "
        "numbers depend on the machine's speed, and the run is named below)",
        seconds=f"{seconds:g}",
    )


def _cell(cell: str) -> str:
    return cell if NUMBER.fullmatch(cell) else text(cell)


def _section(found: dict, extra: str, lang: Language) -> dict:
    """What both sections show: the setup, the table's rows, the figure, the answer."""
    return {
        "setup": _setup_text(found["setup"], extra, lang),
        "rows": [{key: _cell(cell) for key, cell in row.items()} for row in found["table"]["rows"]],
        "figure": found["figure"],
        "answer": text(found["answer"]),
    }


def _batch_experiment(found: dict | None, lang: Language) -> dict | None:
    if found is None:
        return None
    extra = lang.gettext(
        "the same initial weights and learning rate for every batch size, at most "
        "%(epochs)s epochs",
        epochs=f"{found['setup']['epochs']:,}",
    )
    return {**_section(found, extra, lang), "target": found["table"]["target"]}


def _sequential_experiment(found: dict | None, lang: Language) -> dict | None:
    if found is None:
        return None
    say = lang.gettext
    setup = found["setup"]
    extra = say(
        "batch size %(batch)s, at most %(epochs)s epochs per phase; the "
        "A ∪ B baseline gets the budgets of both phases together (as many epochs as they "
        "took, twice the time). A and B are split twice: by region (A the points whose "
        "first input is below its median) and at random (the same distribution)",
        batch=setup["batch_size"],
        epochs=f"{setup['epochs']:,}",
    )
    stops = say("; ").join(
        say(
            "%(name)s: phase A %(a)s, phase B %(b)s, A ∪ B %(joint)s",
            name=r["name"],
            a=r["phase_A_stopped"],
            b=r["phase_B_stopped"],
            joint=r["joint_stopped"],
        )
        for r in found["table"]["rows"]
    )
    return {
        **_section(found, extra, lang),
        "stops": text(say("How the runs stopped: %(stops)s.", stops=stops)),
    }
