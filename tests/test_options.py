"""derive.support.options.number: the one reader of numeric options."""

from __future__ import annotations

import pytest

from derive.support.errors import InputError
from derive.support.options import number


def _read(text: str, kind=float):
    return number(text, kind, lambda v: 0 < v <= 10, "not a number", "out of range")


def test_a_number_in_range_is_read_as_its_kind():
    assert _read("2.5") == 2.5
    assert _read("7", int) == 7 and isinstance(_read("7", int), int)


@pytest.mark.parametrize(
    "text, kind, message",
    [
        ("soon", float, "not a number"),
        ("1.5", int, "not a number"),
        ("0", float, "out of range"),
        ("11", int, "out of range"),
        ("nan", float, "out of range"),
        ("inf", float, "out of range"),
    ],
)
def test_anything_else_is_refused_with_its_message(text, kind, message):
    with pytest.raises(InputError) as refused:
        _read(text, kind)
    assert str(refused.value) == message
