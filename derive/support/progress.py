"""Progress of long work on stderr, with an estimate of the time left.

Nothing is printed while the work is short (the first two seconds).  After
that, on a terminal one line is redrawn in place, at most ten times a
second: what is being done, a bar, and about how long is left.  In a pipe
or a log, where a redrawn line would be noise, one plain line is printed
when the work first runs long and one when each later stage begins.  The
estimate is the stage's own pace so far: its elapsed time per step done,
times the steps left.
"""

from __future__ import annotations

import sys
import time


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(seconds, 1):.0f} s"
    return f"{seconds / 60:.0f} min"


class Progress:
    def __init__(
        self,
        stream=None,
        enabled: bool = True,
        delay: float = 2.0,
        verb: str = "proving",
        interactive: bool | None = None,
    ):
        self.stream = stream or sys.stderr
        self.verb = verb
        self.enabled = enabled
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.delay = delay
        self.started = time.perf_counter()
        self._last = 0.0
        self._shown = False
        self._stage: str | None = None
        self._stage_started = 0.0
        self._stage_first = 0
        self._logged: set[str] = set()

    def _left(self, now: float, done: int, total: int) -> str:
        steps = done - self._stage_first
        if steps <= 0:
            return "estimating the time left"
        seconds = (now - self._stage_started) / steps * (total - done)
        return f"about {_duration(seconds)} left"

    def update(self, what: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if what != self._stage:
            self._stage, self._stage_started, self._stage_first = what, now, done
        if now - self.started < self.delay:
            return
        left = self._left(now, done, total)
        if not self.interactive:
            if what not in self._logged:
                self._logged.add(what)
                self.stream.write(f"derive: {self.verb} {what}: {done}/{total} done, {left}\n")
                self.stream.flush()
            return
        if now - self._last < 0.1:
            return
        self._last = now
        self._shown = True
        width = 20
        filled = width * done // max(total, 1)
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(f"\r{self.verb} {what} [{bar}] {done}/{total}, {left}\033[K")
        self.stream.flush()

    def close(self) -> None:
        if self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._shown = False


QUIET = Progress(enabled=False)
