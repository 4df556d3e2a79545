"""The bounds on user text, one set for each kind of text, and the check of
a number as written.

Custom expressions and claims are small by nature, so generous fixed limits
cost a user nothing and leave an adversary no way to make a parser or SymPy
run long: ``9**9**9**9`` is refused because its exponent is out of range,
not evaluated, and ``1e99999999`` because its exponent is read before its
value is.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from derive.support.errors import InputError


@dataclass(frozen=True)
class Limits:
    """What one kind of text may reach (the parsers read it as ``self.limits``)."""

    length: int
    """Characters of the text."""
    depth: int
    """Nesting of brackets, signs and exponents."""
    parts: int
    """Parts of the text: a claim's tokens, an expression's operations (its
    result's ``sympy.count_ops``)."""
    exponent: int
    """The largest constant exponent, in absolute value."""
    magnitude: int
    """Every constant is at most 10^magnitude (and a number's written
    exponent at most magnitude)."""
    number: int
    """The largest number as written."""
    number_length: int
    """Characters of a number as written."""


EXPRESSION = Limits(
    length=1000, depth=60, parts=200, exponent=1000, magnitude=30, number=10**12, number_length=40
)
"""A custom activation or loss."""
CLAIM = Limits(
    length=4000, depth=50, parts=600, exponent=100, magnitude=30, number=10**12, number_length=30
)
"""A hand-derived claim (``derive check``)."""


def number(text: str, limits: Limits) -> Fraction:
    """The value of a number as written (digits, a point, an exponent), read
    only once its length and exponent are in range: ``Fraction("1e99999999")``
    alone would compute a hundred-million-digit integer."""
    if len(text) > limits.number_length:
        raise InputError(f"number {text[:20]}… is too long")
    _, _, exponent = text.lower().partition("e")
    if exponent and abs(int(exponent)) > limits.magnitude:
        raise InputError(f"number {text} is out of range (exponent at most {limits.magnitude})")
    value = Fraction(text)
    if abs(value) > limits.number:
        raise InputError(f"number {text} is too large (at most {limits.number:.0e})")
    return value


def exponent_problem(value, limits: Limits) -> str | None:
    """Why a constant exponent (a Fraction or a SymPy number) is refused, or None."""
    if abs(value) > limits.exponent:
        return f"exponent {value} is too large (at most {limits.exponent})"
    return None
