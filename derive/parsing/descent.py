"""The recursive descent that every parser of user text shares: the custom
expression's (:mod:`derive.parsing.expression`) and both syntaxes of a
claim (:mod:`derive.claims.descent`).

One tokenizer loop, one way to take, nest and finish, and the grammar above
the product::

    expr := term (('+'|'-') term)* ;  factor := ('+'|'-') factor | power ;
    arguments := '(' expr (',' expr)* ')'

The base builds nothing itself, so that one loop serves SymPy expressions
and claim syntax trees: a subclass supplies ``term`` and ``power`` (where
the texts differ), the nodes (``negative``, ``begin_sum``, ``add``,
``end_sum``, ``built``), its :class:`~derive.parsing.limits.Limits` and its
token class, whose ``where`` says "column N" (claims, 1-based) or
"position P" (expressions, 0-based) so that every message keeps its form.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from derive.parsing.limits import Limits, exponent_problem
from derive.support.errors import InputError


class Token:
    """A token of a claim: placed by column (1-based), the end as "the end"."""

    __slots__ = ("kind", "text", "position")

    def __init__(self, kind: str, text: str, position: int):
        self.kind, self.text, self.position = kind, text, position

    def where(self) -> str:
        return "the end" if self.kind == "end" else f"column {self.position + 1}"

    def shown(self) -> str:
        return f"'{self.text}'" if self.text else "the end"

    def unexpected(self) -> str:
        """The message for this token where it cannot stand ("unexpected ')'
        at column 4"; at the end, "unexpected end", not "the end at the end")."""
        if self.kind == "end":
            return "unexpected end (something is missing at the end)"
        return f"unexpected {self.shown()} at {self.where()}"


class Position(Token):
    """A token of a custom expression: placed by position (0-based), the end
    shown as 'end of input'."""

    __slots__ = ()

    def where(self) -> str:
        return f"position {self.position}"

    def shown(self) -> str:
        return repr(self.text or "end of input")

    def unexpected(self) -> str:
        if self.kind == "end":
            return "unexpected end of input (something is missing at the end)"
        return super().unexpected()


def _refuse(message: str):
    raise InputError(message)


def tokenize(
    text: str,
    pattern: re.Pattern,
    blank: str | None = None,
    token: type[Token] = Token,
    skip: Callable[[str, str], bool] = lambda kind, value: False,
    fail: Callable[[str], object] = _refuse,
) -> list[Token]:
    """The tokens of ``text`` and an end token.  ``pattern`` matches ``blank``
    characters (None: any whitespace) then one token in a named group;
    ``skip(kind, value)`` drops a token; the first character no token
    matches is refused through ``fail``."""
    tokens, position = [], 0
    while position < len(text):
        rest = text[position:]
        if not rest.strip(blank):
            break
        match = pattern.match(text, position)
        if match is None:
            at = position + len(rest) - len(rest.lstrip(blank))
            fail(f"unexpected character {text[at]!r} at {token('', '', at).where()}")
        position = match.end()
        kind = match.lastgroup
        value = match.group(kind)
        if not skip(kind, value):
            tokens.append(token(kind, value, match.start(kind)))
    tokens.append(token("end", "", len(text)))
    return tokens


class Descent:
    limits: Limits
    """The bounds of the text parsed (set by each subclass)."""

    def __init__(self, tokens: list[Token], depth: int = 0):
        self.tokens = tokens
        self.index = 0
        self.depth = depth

    def fail(self, message: str):
        """Refuse the text (a subclass may name it in the message)."""
        raise InputError(message)

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def take(self, text: str | None = None) -> Token:
        token = self.current
        if text is not None and token.text != text:
            self.fail(f"expected '{text}' at {token.where()}, found {token.shown()}")
        self.index += 1
        return token

    def nested(self, rule, *arguments):
        self.depth += 1
        if self.depth > self.limits.depth:
            self.fail(f"nested more than {self.limits.depth} levels deep at {self.current.where()}")
        try:
            return rule(*arguments)
        finally:
            self.depth -= 1

    def finish(self) -> None:
        if self.current.kind != "end":
            self.fail(self.current.unexpected())

    def check_exponent(self, value) -> None:
        """Refuse a constant exponent out of range (before anything is raised to it)."""
        problem = exponent_problem(value, self.limits)
        if problem is not None:
            self.fail(problem)

    def expression(self):
        start = self.current.position
        total = self.begin_sum(self.term())
        while self.current.text in ("+", "-"):
            sign = self.take().text
            term = self.term()
            total = self.add(total, term if sign == "+" else self.negative(term), start)
        return self.end_sum(total)

    def factor(self):
        if self.current.text in ("+", "-"):
            start = self.current.position
            sign = self.take().text
            operand = self.nested(self.factor)
            return self.built(operand if sign == "+" else self.negative(operand), start)
        return self.power()

    def arguments(self) -> list:
        """A call's arguments in parentheses, each a nested expression."""
        self.take("(")
        found = [self.nested(self.expression)]
        while self.current.text == ",":
            self.take()
            found.append(self.nested(self.expression))
        self.take(")")
        return found

    # -- what a subclass supplies ----------------------------------------------

    def term(self):
        raise NotImplementedError

    def power(self):
        raise NotImplementedError

    def negative(self, node):
        raise NotImplementedError

    def begin_sum(self, first):
        """What a sum's running total starts from (its first term)."""
        return first

    def add(self, total, term, start: int):
        """The running total with one more term (``start``: where the sum began)."""
        raise NotImplementedError

    def end_sum(self, total):
        return total

    def built(self, node, start: int):
        """``node``, built from the text from ``start`` to the current token
        (a subclass may check it there)."""
        return node
