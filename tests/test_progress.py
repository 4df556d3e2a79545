"""Progress appears on a terminal after a second, and never in pipes."""

from __future__ import annotations

import io

from derive.gradients import Derivation
from derive.model import Network
from derive.spec import parse_spec
from proofs.expanded import prove_expanded
from proofs.progress import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_long_proof_reports_progress_on_a_terminal_and_clears_it():
    stream = Terminal()
    progress = Progress(stream, delay=0.0)
    verdict = prove_expanded(Derivation(Network(parse_spec("2", "2,3,2"))), progress=progress)
    assert verdict.holds
    text = stream.getvalue()
    assert "proving the expanded chain rule [" in text and "] " in text
    assert text.endswith("\r\033[K")


def test_nothing_is_written_where_no_one_watches():
    stream = io.StringIO()  # not a terminal
    progress = Progress(stream, delay=0.0)
    prove_expanded(Derivation(Network(parse_spec("1", "2,1"))), progress=progress)
    assert stream.getvalue() == ""
