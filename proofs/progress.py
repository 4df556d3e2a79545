"""Progress of a long proof on stderr, only where a person is watching.

Nothing is printed during the first second, nor when stderr is not a
terminal (logs and pipes stay clean); afterwards one line is redrawn in
place, at most ten times a second.
"""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(
        self, stream=None, enabled: bool | None = None, delay: float = 1.0, verb: str = "proving"
    ):
        self.stream = stream or sys.stderr
        self.verb = verb
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.delay = delay
        self.started = time.perf_counter()
        self._last = 0.0
        self._shown = False

    def update(self, what: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self.started < self.delay or now - self._last < 0.1:
            return
        self._last = now
        self._shown = True
        width = 20
        filled = width * done // max(total, 1)
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(f"\r{self.verb} {what} [{bar}] {done}/{total}\033[K")
        self.stream.flush()

    def close(self) -> None:
        if self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._shown = False


QUIET = Progress(enabled=False)
