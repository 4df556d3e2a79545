"""Errors that the command line turns into exit codes, and how a message
quotes what the user typed.

Only :class:`InputError` is an expected failure: it means the user asked for
something we cannot do, and the CLI prints its message as one line and exits
with status 2.  Anything else escaping the library is a bug.

User text (a file name, a CSV header, an ``--out`` path with bytes that are
not UTF-8, a title) can hold newlines, terminal escape codes or lone
surrogates.  Every message quotes it through :func:`quote`, so a message is
one printable line that any terminal and any encoding can show; the command
line passes each message through :func:`one_line` as well, for the text that
argparse and the operating system put into messages.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from pathlib import Path

QUOTED_LENGTH = 80
"""Characters of user text a message quotes before it cuts with "…"."""
PATH_LENGTH = 300
"""The same for a path (a ``Path`` or bytes), whose end is often the point."""


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
    detail = one_line(" ".join(str(error).split())[:PATH_LENGTH]) or "no message"
    return (
        f"internal error: {type(error).__name__}{where}: {detail}; this is a bug in derive, "
        f"please report it (DERIVE_TRACEBACK=1 shows the traceback)"
    )


def quote(text: str | bytes | os.PathLike, limit: int | None = None) -> str:
    """``text`` as a message shows it: quoted, at most ``limit`` characters
    (then "…"; by default :data:`QUOTED_LENGTH`, :data:`PATH_LENGTH` for a
    path), every control or non-printable character and every byte that was
    not UTF-8 escaped as Python writes it ('\\n', '\\x1b', '\\udcff')."""
    if isinstance(text, (os.PathLike, bytes)):
        limit = PATH_LENGTH if limit is None else limit
        text = os.fsdecode(text)
    limit = QUOTED_LENGTH if limit is None else limit
    text = str(text)
    cut = text[:limit]
    return repr(cut) + ("…" if len(text) > limit else "")


def one_line(message: str) -> str:
    """``message`` with every non-printable character escaped: text already
    quoted is unchanged, anything else cannot break the line or reach the
    terminal as a control code."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)


def did_you_mean(name: str, known: Iterable[str], key=str) -> str:
    """The hint "; did you mean 'sigmoid'?" where ``name`` is close to one or
    two of ``known`` (a typo: a letter missing, doubled, swapped or wrong, or
    the case), else "".  Words are compared by ``key`` (options without their
    dashes, which every option shares) and quoted as they are.  The caller's
    message still lists what is allowed; this only points at the likely
    intent, as git and pip do."""
    by_key = {key(word): word for word in dict.fromkeys(known) if word != name}
    typed = key(str(name))
    close = [word for word in by_key if word.lower() == typed.lower()]
    close = close or difflib.get_close_matches(typed, list(by_key), n=2, cutoff=0.6)
    if not close:
        return ""
    return f"; did you mean {' or '.join(quote(by_key[match]) for match in close)}?"
