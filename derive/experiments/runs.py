"""One training run, measured: what the generated ``train`` did, epoch by epoch.

``train`` calls back after every epoch; the callback records the epoch, the
samples seen (gradient evaluations of one sample each), the wall time spent
training, the full-batch loss and ‖g‖, and any extra measurements (the loss
on another part of the data).  The time the callback itself takes is
subtracted, so the clock counts training only, and the stopping rule
‖g‖ < ε is the one ``train`` applies (eq. 5 of the write-up).

A time budget makes a result depend on the machine's speed, so a run it
stops is said to be stopped by it, with the epoch reached, wherever the
result is shown (:func:`stop_text`, :func:`time_budget_sentence`); a budget
of 0 seconds is none, and the result is then the same on any machine.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy

from derive.support.language import ENGLISH, N_, Language


@dataclass
class Run:
    label: str
    rows: list[dict] = field(default_factory=list)
    stopped: str = ""

    @property
    def last(self) -> dict:
        return self.rows[-1]


STOP_REASONS = {
    "tol": "‖g‖ < ε",
    "epochs": "epoch budget",
    "callback": "time budget",
    "diverged": "diverged",
}
TIME_BUDGET = STOP_REASONS["callback"]


def stop_text(reason: str, reached: int, budget: int) -> str:
    """How a run stopped, for a table; the time budget names the epoch reached."""
    if reason == TIME_BUDGET:
        return f"{reason} at epoch {reached:,} of {budget:,}"
    return reason


def time_budget_sentence(
    stopped: list[tuple[str, int, int]], seconds: float, note="", lang: Language = ENGLISH
) -> str:
    """A sentence naming every (run, epoch reached, epoch budget) the time
    budget stopped, or "" when it stopped none; ``note`` follows "per run"."""
    if not stopped:
        return ""
    say = lang.gettext
    runs = [
        say(
            "%(run)s at epoch %(reached)s of %(budget)s",
            run=in_language(name, lang),
            reached=f"{reached:,}",
            budget=f"{budget:,}",
        )
        for name, reached, budget in stopped
    ]
    listed = (
        runs[0]
        if len(runs) == 1
        else say("%(runs)s and %(last)s", runs=say(", ").join(runs[:-1]), last=runs[-1])
    )
    return say(
        "The time budget of %(seconds)s s per run%(note)s stopped %(listed)s, before ‖g‖ < ε or "
        "the epoch budget: those numbers depend on the speed of the machine that ran them "
        "(--seconds 0 trains without a time budget).",
        seconds=f"{seconds:g}",
        note=note,
        listed=listed,
    )


_WORDS = (
    N_("stochastic (batch 1)"),
    N_("full batch (%(n)s)"),
    N_("mini-batch %(n)s"),
    N_("time budget at epoch %(n)s of %(m)s"),
    N_("‖g‖ < ε"),
    N_("epoch budget"),
    N_("time budget"),
    N_("diverged"),
    N_("different regions"),
    N_("the same distribution"),
    N_("%(name)s, %(n)s points"),
    N_("%(name)s, %(n)s points, noise %(m)s"),
    N_("scikit-learn's 8x8 digits, %(n)s images"),
    N_("XOR"),
    N_("two moons"),
    N_("concentric circles"),
    N_("noisy sine"),
    N_("phase A (%(split)s)"),
    N_("phase B (%(split)s)"),
    N_("the A ∪ B baseline (%(split)s)"),
)
"""The words the experiments record in their results (a run's label, how it
stopped, a split's name, a built-in data set's description), each read back
by its own pattern: the message with its fields as groups, each field a
number or itself such a word."""


def _pattern(message: str) -> re.Pattern:
    return re.compile(re.sub(r"%\\\((\w+)\\\)s", r"(?P<\1>.+?)", re.escape(message)))


_PATTERNS = [(_pattern(message), message) for message in _WORDS]


def in_language(word: str, lang: Language) -> str:
    """``word``, a label or stop text the experiments recorded, in language
    ``lang``; a word of the user's (a CSV file's description) as it is."""
    if lang.english:
        return word
    for pattern, message in _PATTERNS:
        found = pattern.fullmatch(word)
        if found is not None:
            values = {key: in_language(value, lang) for key, value in found.groupdict().items()}
            return lang.gettext(message, **values)
    return word
    for pattern, message in _WORDS:
        found = re.fullmatch(pattern, word)
        if found is not None:
            values = found.groupdict()
            if "name" in values:
                values["name"] = lang.gettext(values["name"])
            return lang.gettext(message, **values)
    return word


def train_and_record(
    trainer,
    params: dict,
    X,
    Y,
    *,
    label: str,
    lr: float,
    epochs: int,
    batch_size: int | None,
    tol: float,
    seed: int,
    seconds: float,
    measure: dict[str, Callable] | None = None,
    start: dict | None = None,
    progress=None,
    run: Run | None = None,
) -> Run:
    """Train ``params`` in place on (X, Y) with the generated ``train``.

    ``start`` continues the counters of an earlier phase (epoch, samples,
    seconds); ``run`` appends to an existing record.  ``seconds`` is the
    time budget of this call (0: none).
    """
    measure = measure or {}
    run = run or Run(label)
    offset = start or {"epoch": 0, "samples": 0, "seconds": 0.0}
    count = X.shape[0]
    clock = {"began": time.perf_counter(), "overhead": 0.0}

    def record(epoch: int, loss: float, norm: float) -> float:
        elapsed = time.perf_counter() - clock["began"] - clock["overhead"]
        row = {
            "epoch": offset["epoch"] + epoch,
            "samples": offset["samples"] + epoch * count,
            "seconds": offset["seconds"] + elapsed,
            "loss": loss,
            "gradient_norm": norm,
        }
        row.update({name: function(params) for name, function in measure.items()})
        run.rows.append(row)
        return elapsed

    # A run that diverges is recorded as "diverged" (the table and summary say
    # so); NumPy's overflow warnings on the way would only clutter stderr.
    with numpy.errstate(all="ignore"):
        if start is None:
            record(0, trainer.loss(params, X, Y), trainer.gradient_norm(params, X, Y))

        def callback(epoch, loss, current):
            began = time.perf_counter()
            elapsed = record(epoch, loss, trainer.gradient_norm(current, X, Y))
            if progress is not None:
                progress.update(label, epoch, epochs)
            clock["overhead"] += time.perf_counter() - began
            return seconds > 0 and elapsed > seconds

        result = trainer.train(
            params,
            X,
            Y,
            lr=lr,
            epochs=epochs,
            batch_size=batch_size,
            tol=tol,
            seed=seed,
            callback=callback,
        )
    done = result["epochs"]
    if done and run.last["epoch"] != offset["epoch"] + done:
        # train stops on ‖g‖ < ε before calling back: record that epoch too.
        record(done, result["loss"][-1], result["gradient_norm"])
    run.stopped = result["stopped"]
    return run
