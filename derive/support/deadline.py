"""A time limit on work whose cost cannot be told in advance, so that
nothing runs for minutes in silence: a check of an adversarial claim, the
expanded chain rule of an activation that SymPy evaluates slowly.

Such work can run long inside a single SymPy call, where no loop of ours
could look at a clock; so the limit is a timer signal (SIGALRM, in the main
thread, as :mod:`proofs.replay` bounds a replayed step: the checker keeps
its own copy, to import nothing from derive).  It fires twice: after
:data:`NOTICE` seconds it prints one line on stderr saying that the work is
still running and when it will give up; at the limit it raises
:class:`TimeLimit`, which the caller turns into its own answer ("undecided
(time limit)", "skipped").  Where there is no such timer (another thread,
Windows) the work runs unbounded.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading

NOTICE = 2.0
"""Seconds after which work still running says so on stderr."""


class TimeLimit(BaseException):
    """Raised by the timer; a BaseException, so that no ``except Exception``
    inside SymPy swallows it."""


@contextlib.contextmanager
def time_limit(seconds: float | None, stream=None, notice: float = NOTICE, doing: str = "checking"):
    """Run the block for at most ``seconds`` (None: unbounded), saying after
    ``notice`` seconds that it is still ``doing`` its work."""
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
            stream.write(f"derive: still {doing}; it gives up at {seconds:g} s\n")
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
