"""What the plain and the LaTeX claim parser share above the common descent
(:mod:`derive.parsing.descent`): the claim's one '=', the count of its
parts, the claim's nodes and its powers of constants.

    claim := expr '=' expr

A subclass supplies ``term``, ``power`` and ``named``, the primaries that
start with a name or command (where the two syntaxes differ: juxtaposition,
``\\frac``, ``Sum(…)`` against ``\\sum``), and its ``brackets``.
"""

from __future__ import annotations

import math

from derive.claims.limits import constant
from derive.claims.syntax import Add, Claim, Mul, Neg, Number, Pow
from derive.parsing.descent import Descent, Token
from derive.parsing.limits import CLAIM, number
from derive.support.errors import InputError

OPENING, CLOSING = ("(", "[", "{"), (")", "]", "}")


class ClaimDescent(Descent):
    limits = CLAIM
    brackets: tuple[str, ...] = ("(",)
    """The brackets that group a sub-expression in the syntax."""

    def __init__(self, tokens: list[Token], names, depth: int = 0, nodes: int = 0):
        super().__init__(tokens, depth)
        self.names = names
        self.nodes = nodes

    def take(self, text: str | None = None) -> Token:
        if text is None and self.current.kind == "end":
            raise InputError("unexpected end of the claim")
        token = super().take(text)
        self.nodes += 1
        if self.nodes > self.limits.parts:
            raise InputError(
                f"the claim is too complicated ({self.nodes} parts, at most {self.limits.parts})"
            )
        return token

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

    def side(self):
        if self.current.kind == "end" or self.current.text == "=":
            raise InputError(f"missing expression at {self.current.where()}")
        return self.expression()

    def primary(self):
        """A number, a bracketed expression, or what ``named`` reads."""
        token = self.current
        if token.kind == "number":
            self.take()
            return self.number(token.text)
        if token.text in self.brackets:
            return self.group(token.text)
        return self.named(token)

    def group(self, opening: str):
        """The expression inside ``opening`` and its closing bracket."""
        self.take(opening)
        inner = self.nested(self.expression)
        self.take(CLOSING[OPENING.index(opening)])
        return inner

    def named(self, token: Token):
        raise NotImplementedError

    # -- the claim's nodes -------------------------------------------------------

    def negative(self, node) -> Neg:
        return Neg(node)

    def begin_sum(self, first) -> list:
        return [first]

    def add(self, total: list, term, start: int) -> list:
        total.append(term)
        return total

    def end_sum(self, total: list):
        return total[0] if len(total) == 1 else Add(tuple(total))

    def number(self, text: str) -> Number:
        return Number(number(text, self.limits))

    def raised(self, base, exponent) -> Pow:
        """``base ^ exponent``, refused where the exponent or the value is out of range."""
        value = constant(exponent)
        if value is not None:
            self.check_exponent(value)
            base_value = constant(base)
            if base_value is not None:
                if base_value == 0 and value < 0:
                    raise InputError("division by zero (0 to a negative power)")
                most = self.limits.magnitude
                if base_value != 0 and abs(float(value)) * math.log10(abs(base_value)) > most:
                    raise InputError(f"{base_value}^{value} is out of range (at most 10^{most})")
        return Pow(base, exponent)


def product(factors: list):
    return factors[0] if len(factors) == 1 else Mul(tuple(factors))
