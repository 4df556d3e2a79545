"""A claim's own bounds and checks, besides the limits every parser of user
text shares (:data:`derive.parsing.limits.CLAIM`): its text in ASCII, the
value of a constant sub-tree, the terms of its sums and its time.
"""

from __future__ import annotations

import re
from fractions import Fraction

from derive.claims.syntax import Div, Neg, Number, Pow
from derive.parsing.limits import CLAIM
from derive.support.errors import InputError

MAX_LENGTH = CLAIM.length
"""The longest claim, in characters (standard input is read up to it)."""
MAX_SUM_TERMS = 20000
"""Terms written out over all Σ's of one claim for one choice of sizes."""


_OPERATORS = str.maketrans({"−": "-", "·": "*", "×": "*", "∗": "*", "⋅": "*"})
"""Unicode operators, as derive's own output prints them, read as ASCII (one
character for one, so columns stay right)."""


_QUOTE_MARKER = re.compile(r"\A[ \t]*(?:>[ \t]*)+")
"""A leading '> ' (or '>> '): the claim pasted from a quoted line of a blog
post or a mail, as the seed quotes its formulas.  It is read as blanks, so
the columns of later messages stay right; no claim starts with '>'."""


def check_text(text) -> str:
    if not isinstance(text, str):
        raise InputError("a claim must be text")
    if len(text) > MAX_LENGTH:
        raise InputError(f"the claim is {len(text)} characters long (at most {MAX_LENGTH})")
    text = _QUOTE_MARKER.sub(lambda marker: " " * len(marker.group()), text).translate(_OPERATORS)
    for position, character in enumerate(text):
        if character == "\x00" or "\ud800" <= character <= "\udfff":
            raise InputError(f"unexpected character {character!r} at column {position + 1}")
        if ord(character) > 127:
            raise InputError(
                f"unexpected character {character!r} at column {position + 1}: write the claim "
                "in ASCII, with indices in brackets (g[j], eta) or as LaTeX (g_j, \\eta)"
            )
    return text


def constant(node) -> Fraction | None:
    """The value of a tree of numbers (n, −n, n/m, n^k), or None."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Neg):
        inner = constant(node.operand)
        return None if inner is None else -inner
    if isinstance(node, Div):
        top, bottom = constant(node.numerator), constant(node.denominator)
        if top is None or bottom is None:
            return None
        if bottom == 0:
            raise InputError("division by zero")
        return top / bottom
    if isinstance(node, Pow):
        base, exponent = constant(node.base), constant(node.exponent)
        if base is None or exponent is None or exponent.denominator != 1:
            return None
        return base**exponent.numerator
    return None


TIME_LIMIT = 60.0
"""Seconds a check may take by default (``--time-limit`` changes it)."""
