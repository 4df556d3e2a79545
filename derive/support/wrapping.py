"""Lines wrapped at the terminal's width: the one wrapper every terminal
printer's output goes through (the main job's report, ``prove``, ``check``,
``experiment``).

A printed formula can run to hundreds of characters (the sum over paths of
``prove --paths``, a statement of the proofs).  A long line is broken at a
space, or after a product's ·: never inside a symbol, since the Unicode
printer puts neither in one.  A formula breaks near the right margin at
its shallowest bracket depth: after a comma between the items of a list
(b₁ = 2/3, w₁₁ = −1), else before an operator (+, −, -, =) so that it
breaks between its terms, else after a ·; a line of prose fills the width,
breaking anywhere but inside a function's arguments.  Continuation lines
are indented four more than the line.
"""

from __future__ import annotations

import re
import shutil

FALLBACK_WIDTH = 100
"""Columns when the output is not a terminal and COLUMNS is unset."""
HANG = 4
"""How much further a continuation line is indented than its line."""
OPERATORS = frozenset("+−-=")
OPENING, CLOSING = "([{", ")]}"
PROSE = re.compile(r"[A-Za-z]{3,} [A-Za-z]{3,}|[A-Za-z]{2,} [A-Za-z]+ [A-Za-z]{2,}")
"""Words in a row ("hidden layers", "for a softmax"): a line of prose.  A
formula has names and operators between them, never two words."""


def terminal_width() -> int:
    """COLUMNS where set, else the terminal's width, else 100 (a pipe, a file)."""
    return max(shutil.get_terminal_size((FALLBACK_WIDTH, 24)).columns, 40)


def wrap(text: str, width: int | None = None) -> str:
    """``text`` with every line longer than ``width`` (the terminal's by
    default) broken into lines that fit, where a space allows it."""
    width = width or terminal_width()
    lines: list[str] = []
    for line in text.split("\n"):
        lines.extend(_wrap_line(line, width))
    return "\n".join(lines)


def _wrap_line(line: str, width: int) -> list[str]:
    indent = len(line) - len(line.lstrip(" "))
    prefix = " " * (indent + HANG)
    result = []
    while len(line) > width:
        start = len(line) - len(line.lstrip(" "))
        cut = _break_at(line, width, start)
        if cut is None:
            break
        result.append(line[:cut].rstrip())
        line = prefix + line[cut:].lstrip(" ")
    result.append(line)
    return result


def _break_at(line: str, width: int, start: int) -> int | None:
    """Where to break ``line`` (the text before it stays), or None where no
    break would help.  A formula breaks at its shallowest level, before +, −,
    = between terms, else after a product's ·; prose fills the line, but
    not inside a function's arguments, ŷ(a, y)."""
    prose = PROSE.search(line) is not None
    opened: list[bool] = []  # for each open bracket: is it a call, f(…)?
    best, best_key, first_beyond = None, None, None
    for position, char in enumerate(line):
        if char in OPENING:
            opened.append(position > 0 and line[position - 1] != " ")
            continue
        if char in CLOSING:
            if opened:
                opened.pop()
            continue
        if position <= start:
            continue
        if char == " " and line[position - 1] != " ":
            cut = position
            after = line[position:].lstrip(" ")
            operator = after[:1] in OPERATORS and after[1:2] == " "
            listed = line[position - 1] == ","  # after an item of a list: x = 1, y = 2
            kind = 3 if listed else 2 if operator or line.startswith("    ", position) else 0
        elif char == "·" and not prose:
            cut, kind = position + 1, 1
        else:
            continue
        if cut > width:
            first_beyond = first_beyond if first_beyond is not None else cut
            continue
        depth = sum(opened) if prose else len(opened)
        near = cut > 0.4 * width
        key = (near, -depth, cut) if prose else (near, -depth, kind, cut)
        if best_key is None or key > best_key:
            best, best_key = cut, key
    return best if best is not None else first_beyond
