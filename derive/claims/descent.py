"""What the plain and the LaTeX parser share: tokens, the limits on nesting
and size, the claim's one '=' and the grammar above the product.

Both parsers are recursive descent over their own tokens:

    claim := expr '=' expr ;  expr := term (('+'|'-') term)* ;
    factor := ('-'|'+') factor | power

A subclass supplies ``term``, ``power`` and ``primary`` (where the two
syntaxes differ: juxtaposition, ``\\frac``, ``Sum(…)`` against ``\\sum``).
"""

from __future__ import annotations

from derive.claims import limits
from derive.claims.syntax import Add, Claim, Mul, Neg
from derive.support.errors import InputError

OPENING, CLOSING = ("(", "[", "{"), (")", "]", "}")


class Token:
    __slots__ = ("kind", "text", "position")

    def __init__(self, kind: str, text: str, position: int):
        self.kind, self.text, self.position = kind, text, position

    def where(self) -> str:
        return "the end" if self.kind == "end" else f"column {self.position + 1}"

    def shown(self) -> str:
        return f"'{self.text}'" if self.text else "the end"


def unexpected_character(text: str, position: int, blank: str) -> InputError:
    """The error for the first character at or after ``position`` that no
    token matches (``blank`` characters are skipped)."""
    rest = text[position:]
    offset = len(rest) - len(rest.lstrip(blank))
    return InputError(
        f"unexpected character {text[position + offset]!r} at column {position + offset + 1}"
    )


class Descent:
    def __init__(self, tokens: list[Token], names, depth: int = 0, nodes: int = 0):
        self.names = names
        self.tokens = tokens
        self.index = 0
        self.depth = depth
        self.nodes = nodes

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def take(self, text: str | None = None) -> Token:
        token = self.current
        if text is not None and token.text != text:
            raise InputError(f"expected '{text}' at {token.where()}, found {token.shown()}")
        if token.kind == "end" and text is None:
            raise InputError("unexpected end of the claim")
        self.index += 1
        self.nodes += 1
        limits.check_size(self.nodes)
        return token

    def nested(self, rule, *arguments):
        self.depth += 1
        if self.depth > limits.MAX_DEPTH:
            raise InputError(
                f"nested more than {limits.MAX_DEPTH} levels deep at {self.current.where()}"
            )
        try:
            return rule(*arguments)
        finally:
            self.depth -= 1

    def claim(self) -> Claim:
        equals = self._top_level_equals()
        if not equals:
            raise InputError("a claim needs the form 'LHS = RHS' (no '=' found)")
        if len(equals) > 1:
            raise InputError(
                f"a claim has one '=', found {len(equals)} (second at {equals[1].where()})"
            )
        lhs = self.side()
        self.take("=")
        rhs = self.side()
        self.finish()
        return Claim(lhs, rhs)

    def _top_level_equals(self) -> list[Token]:
        """The '=' outside brackets; unbalanced brackets are named here, before
        they could be mistaken for a missing '='."""
        equals, opened = [], []
        for token in self.tokens:
            if token.text in OPENING:
                opened.append(token)
            elif token.text in CLOSING:
                if not opened:
                    raise InputError(f"unbalanced '{token.text}' at {token.where()}")
                opened.pop()
            elif token.text == "=" and not opened:
                equals.append(token)
        if opened:
            raise InputError(
                f"unbalanced '{opened[-1].text}' at {opened[-1].where()}: its closing "
                "bracket is missing"
            )
        return equals

    def finish(self) -> None:
        if self.current.kind != "end":
            raise InputError(f"unexpected {self.current.shown()} at {self.current.where()}")

    def side(self):
        if self.current.kind == "end" or self.current.text == "=":
            raise InputError(f"missing expression at {self.current.where()}")
        return self.expression()

    def expression(self):
        terms = [self.term()]
        while self.current.text in ("+", "-"):
            sign = self.take().text
            term = self.term()
            terms.append(term if sign == "+" else Neg(term))
        return terms[0] if len(terms) == 1 else Add(tuple(terms))

    def factor(self):
        if self.current.text in ("+", "-"):
            sign = self.take().text
            operand = self.nested(self.factor)
            return operand if sign == "+" else Neg(operand)
        return self.power()

    def term(self):
        raise NotImplementedError

    def power(self):
        raise NotImplementedError


def product(factors: list):
    return factors[0] if len(factors) == 1 else Mul(tuple(factors))
