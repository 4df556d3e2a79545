"""Errors that the command line turns into exit codes.

Only :class:`InputError` is an expected failure: it means the user asked for
something we cannot do, and the CLI prints its message as one line and exits
with status 2.  Anything else escaping the library is a bug.
"""

from pathlib import Path


class InputError(ValueError):
    """Bad user input: the message is shown to the user as it is."""


def internal_error(error: BaseException) -> str:
    """The one line shown for an exception that is not the user's fault: what
    it was, where to report it, and how to get the traceback."""
    where = ""
    trace = error.__traceback__
    while trace is not None and trace.tb_next is not None:
        trace = trace.tb_next
    if trace is not None:
        frame = trace.tb_frame.f_code
        where = f" in {frame.co_name} ({Path(frame.co_filename).name}:{trace.tb_lineno})"
    detail = " ".join(str(error).split()) or "no message"
    if len(detail) > 300:
        detail = detail[:297] + "..."
    return (
        f"internal error: {type(error).__name__}{where}: {detail}; this is a bug in derive, "
        f"please report it (DERIVE_TRACEBACK=1 shows the traceback)"
    )
