"""A number typed on the command line, read and range-checked at the edge:
every numeric option refuses bad text the same way, as one line (exit 2),
each with its own message."""

from __future__ import annotations

import math

from derive.support.errors import InputError


def number(text: str, kind, within, not_a_number: str, out_of_range: str):
    """``text`` read as ``kind`` (int or float): a finite value that
    ``within`` accepts.  Otherwise :class:`InputError` with ``not_a_number``
    (``kind`` cannot read it) or ``out_of_range``."""
    try:
        value = kind(text)
    except ValueError:
        raise InputError(not_a_number) from None
    if not (math.isfinite(value) and within(value)):
        raise InputError(out_of_range)
    return value
