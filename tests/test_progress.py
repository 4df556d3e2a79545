"""Progress appears once work runs long: redrawn on a terminal, as plain lines in a pipe."""

from __future__ import annotations

import io

from derive.derivation.gradients import Derivation
from derive.model.network import Network
from derive.spec.network import parse_spec
from derive.support.progress import Progress
from proofs.expanded import prove_expanded


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_long_proof_reports_progress_on_a_terminal_and_clears_it():
    stream = Terminal()
    progress = Progress(stream, delay=0.0)
    outcome = prove_expanded(Derivation(Network(parse_spec("2", "2,3,2"))), progress=progress)
    assert outcome.holds
    text = stream.getvalue()
    assert "proving the expanded chain rule [" in text and "] " in text
    assert text.endswith("\r\033[K")


def test_a_pipe_gets_one_plain_line_per_stage_with_an_estimate():
    stream = io.StringIO()  # not a terminal
    progress = Progress(stream, delay=0.0)
    for stage in ("index-form rules", "step-by-step chains"):
        for done in range(5):
            progress.update(stage, done, 5)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert [line.split(":")[1].strip() for line in lines] == [
        "proving index-form rules",
        "proving step-by-step chains",
    ]
    assert "\r" not in stream.getvalue() and "\033" not in stream.getvalue()
    assert all(line.startswith("derive: ") and "0/5 done" in line for line in lines)


def test_the_estimate_is_the_stages_pace_times_the_steps_left(monkeypatch):
    import derive.support.progress as module

    clock = iter([0.0, 0.0, 10.0, 10.0])
    monkeypatch.setattr(module.time, "perf_counter", lambda: next(clock))
    stream = Terminal()
    progress = Progress(stream, delay=0.0)  # started at 0
    progress.update("index-form rules", 0, 9)  # the stage starts at 0
    progress.update("index-form rules", 1, 9)  # 10 s for one step, 8 to go
    assert stream.getvalue().endswith("1/9, about 80 s left\033[K")


def test_short_work_prints_nothing_anywhere():
    for stream in (io.StringIO(), Terminal()):
        progress = Progress(stream)  # the default: quiet for the first two seconds
        prove_expanded(Derivation(Network(parse_spec("1", "2,1"))), progress=progress)
        assert stream.getvalue() == ""
