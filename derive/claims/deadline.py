"""A time limit on one check, so that no claim runs for minutes in silence.

Exact algebra on an adversarial claim can run long inside a single SymPy
call, where no loop of the checker's own could look at a clock; so the
limit is a timer signal (SIGALRM, in the main thread, as
:mod:`proofs.replay` bounds a replayed step).  It fires twice: after
:data:`NOTICE` seconds it prints one line on stderr saying that the check is
still working and when it will give up; at the limit it raises
:class:`TimeLimit`, which the caller turns into the verdict "undecided (time
limit)".  Where there is no such timer (another thread, Windows) the check
runs unbounded.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading

LIMIT = 60.0
"""Seconds a check may take by default (``--time-limit`` changes it)."""
NOTICE = 2.0
"""Seconds after which a check still running says so on stderr."""


class TimeLimit(BaseException):
    """Raised by the timer; a BaseException, so that no ``except Exception``
    inside SymPy swallows it."""


@contextlib.contextmanager
def time_limit(seconds: float | None, stream=None, notice: float = NOTICE):
    """Run the block for at most ``seconds`` (None: unbounded), saying after
    ``notice`` seconds that it is still running."""
    if (
        seconds is None
        or threading.current_thread() is not threading.main_thread()
        or not hasattr(signal, "setitimer")
    ):
        yield
        return
    stream = stream or sys.stderr
    first = min(notice, seconds)
    noticed = [first >= seconds]

    def expire(signum, frame):
        if not noticed[0]:
            noticed[0] = True
            stream.write(f"derive: still checking; giving up after {seconds:g} s\n")
            stream.flush()
            signal.setitimer(signal.ITIMER_REAL, seconds - first)
            return
        raise TimeLimit

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, first)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
