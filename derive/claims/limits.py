"""Bounds that keep any claim cheap to read, whatever its text.

A claim is small by nature (the seed's longest formula has 150 characters),
so generous fixed limits cost a learner nothing and leave an adversary no way
to make the parser or SymPy run long: ``9**9**9**9`` is refused because its
exponent is out of range, not evaluated.
"""

from __future__ import annotations

import math
from fractions import Fraction

from derive.claims.syntax import Div, Neg, Number, Pow
from derive.support.errors import InputError

MAX_LENGTH = 4000
MAX_DEPTH = 50
MAX_NODES = 600
MAX_EXPONENT = 100
MAX_MAGNITUDE = 30
"""A constant power may be at most 10^30."""
MAX_NUMBER = 10**12
MAX_SUM_TERMS = 20000
"""Terms written out over all Σ's of one claim for one choice of sizes."""


_OPERATORS = str.maketrans({"−": "-", "·": "*", "×": "*", "∗": "*", "⋅": "*"})
"""Unicode operators, as derive's own output prints them, read as ASCII (one
character for one, so columns stay right)."""


def check_text(text) -> str:
    if not isinstance(text, str):
        raise InputError("a claim must be text")
    if len(text) > MAX_LENGTH:
        raise InputError(f"the claim is {len(text)} characters long (at most {MAX_LENGTH})")
    text = text.translate(_OPERATORS)
    for position, character in enumerate(text):
        if character == "\x00" or "\ud800" <= character <= "\udfff":
            raise InputError(f"unexpected character {character!r} at column {position + 1}")
        if ord(character) > 127:
            raise InputError(
                f"unexpected character {character!r} at column {position + 1}: write the claim "
                "in ASCII, with indices in brackets (g[j], eta) or as LaTeX (g_j, \\eta)"
            )
    return text


def number(text: str) -> Number:
    if len(text) > 30:
        raise InputError(f"number {text[:20]}… is too long")
    value = Fraction(text)
    if abs(value) > MAX_NUMBER:
        raise InputError(f"number {text} is too large (at most {MAX_NUMBER:.0e})")
    return Number(value)


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


def power(base, exponent) -> Pow:
    """``base ^ exponent``, refused where the exponent or the value is out of range."""
    value = constant(exponent)
    if value is not None:
        if abs(value) > MAX_EXPONENT:
            raise InputError(f"exponent {value} is too large (at most {MAX_EXPONENT})")
        base_value = constant(base)
        if base_value is not None:
            if base_value == 0 and value < 0:
                raise InputError("division by zero (0 to a negative power)")
            if base_value != 0 and abs(float(value)) * math.log10(abs(base_value)) > MAX_MAGNITUDE:
                raise InputError(
                    f"{base_value}^{value} is out of range (at most 10^{MAX_MAGNITUDE})"
                )
    return Pow(base, exponent)


def check_size(count: int) -> None:
    if count > MAX_NODES:
        raise InputError(f"the claim is too complicated ({count} parts, at most {MAX_NODES})")


TIME_LIMIT = 60.0
"""Seconds a check may take by default (``--time-limit`` changes it)."""
