"""A whitelist parser from plain text to SymPy expressions.

User text (custom activations, losses, later hand-derived claims) must never
reach ``eval``, ``exec``, ``sympify`` or ``parse_expr``: those run arbitrary
Python.  This recursive-descent parser knows only numbers, the names it is
given, the functions it is given, ``+ - * / ** ^`` and parentheses, and builds
the result with SymPy's constructors.  Anything else is an
:class:`~derive.support.errors.InputError` with a message that points at the problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

import sympy

from derive.parsing import constants
from derive.support.errors import InputError

MAX_LENGTH = 1000
MAX_DEPTH = 60
MAX_NUMERIC_EXPONENT = 1000
MAX_NUMBER = 10**12
MAX_HEIGHT = 12
"""Nesting of operations in a parsed expression: a tower x^x^…^x or sin(sin(…))
of this height already makes derivatives large."""
MAX_NODES = 200

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op>\*\*|[-+*/^(),])
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Vocabulary:
    """What a piece of user text may mention.

    ``names`` maps identifiers to SymPy objects; ``functions`` maps function
    names to callables taking SymPy arguments.  ``what`` names the thing being
    parsed in error messages ("activation", "loss").
    """

    names: Mapping[str, sympy.Expr]
    functions: Mapping[str, Callable[..., sympy.Expr]] = field(default_factory=dict)
    what: str = "expression"


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int


def _tokenize(text: str, what: str) -> list[_Token]:
    tokens = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            offending = text[position:].lstrip()[:1]
            raise InputError(f"{what} {text!r}: unexpected character {offending!r}")
        kind = match.lastgroup
        tokens.append(_Token(kind, match.group(kind), match.start(kind)))
        position = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


class _Parser:
    """expr := term (('+'|'-') term)* ; term := unary (('*'|'/') unary)* ;
    unary := ('+'|'-') unary | power ; power := atom (('**'|'^') unary)? ;
    atom := number | name | name '(' expr (',' expr)* ')' | '(' expr ')'."""

    def __init__(self, text: str, vocabulary: Vocabulary):
        self.text = text
        self.vocabulary = vocabulary
        self.tokens = _tokenize(text, vocabulary.what)
        self.index = 0
        self.depth = 0
        self.checked_nodes: set[sympy.Basic] = set()
        """Sub-expressions whose constants are known to be acceptable."""

    def fail(self, message: str):
        raise InputError(f"{self.vocabulary.what} {self.text!r}: {message}")

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def take(self, text: str | None = None) -> _Token:
        token = self.current
        if text is not None and token.text != text:
            found = token.text or "end of input"
            self.fail(f"expected {text!r} at position {token.position}, found {found!r}")
        self.index += 1
        return token

    def parse(self) -> sympy.Expr:
        if self.current.kind == "end":
            self.fail("empty expression")
        result = self.expression()
        if self.current.kind != "end":
            self.fail(f"unexpected {self.current.text!r} at position {self.current.position}")
        return result

    def checked(self, expr: sympy.Expr, start: int) -> sympy.Expr:
        """``expr``, built from the text from ``start`` to the current token,
        once every constant in it is a finite real number within the limit
        (:mod:`derive.parsing.constants`); the text is named where one is not.
        Called for every sub-expression as it is built, so that nothing is
        built on top of an infinite, complex or huge constant."""
        found = constants.first_problem(expr, self.checked_nodes)
        if found is not None:
            node, reason = found
            text = self.text[start : self.current.position].strip()
            if constants.is_constant(expr):
                self.fail(f"{text} {reason}")
            self.fail(f"{text}: its constant {node} {reason}")
        return expr

    def nested(self, rule):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(f"nested more than {MAX_DEPTH} levels deep")
        try:
            return rule()
        finally:
            self.depth -= 1

    def expression(self) -> sympy.Expr:
        start = self.current.position
        result = self.term()
        while self.current.text in ("+", "-"):
            sign = self.take().text
            term = self.term()
            result = self.checked(result + term if sign == "+" else result - term, start)
        return result

    def term(self) -> sympy.Expr:
        start = self.current.position
        result = self.unary()
        while self.current.text in ("*", "/"):
            operator = self.take().text
            factor = self.unary()
            if operator == "*":
                result = result * factor
            elif factor == 0:
                self.fail("division by zero")
            else:
                result = result / factor
            result = self.checked(result, start)
        return result

    def unary(self) -> sympy.Expr:
        if self.current.text in ("+", "-"):
            start = self.current.position
            sign = self.take().text
            operand = self.nested(self.unary)
            return self.checked(operand if sign == "+" else -operand, start)
        return self.power()

    def power(self) -> sympy.Expr:
        start = self.current.position
        base = self.atom()
        if self.current.text in ("**", "^"):
            self.take()
            exponent = self.nested(self.unary)
            if exponent.is_number and abs(exponent) > MAX_NUMERIC_EXPONENT:
                self.fail(f"exponent {exponent} is too large (at most {MAX_NUMERIC_EXPONENT})")
            return self.checked(sympy.Pow(base, exponent), start)
        return base

    def atom(self) -> sympy.Expr:
        token = self.take()
        if token.kind == "number":
            return _number(token.text)
        if token.text == "(":
            inner = self.nested(self.expression)
            self.take(")")
            return inner
        if token.kind == "name":
            if self.current.text == "(":
                return self.checked(self.call(token), token.position)
            if token.text in self.vocabulary.names:
                return self.vocabulary.names[token.text]
            if token.text in self.vocabulary.functions:
                self.fail(f"function {token.text!r} needs an argument in parentheses")
            self.fail(f"unknown name {token.text!r} (allowed: {_allowed(self.vocabulary)})")
        found = token.text or "end of input"
        self.fail(f"unexpected {found!r} at position {token.position}")

    def call(self, name: _Token) -> sympy.Expr:
        function = self.vocabulary.functions.get(name.text)
        if function is None:
            self.fail(f"unknown function {name.text!r} (allowed: {_allowed(self.vocabulary)})")
        self.take("(")
        arguments = [self.nested(self.expression)]
        while self.current.text == ",":
            self.take()
            arguments.append(self.nested(self.expression))
        self.take(")")
        try:
            return function(*arguments)
        except TypeError:
            self.fail(f"wrong number of arguments to {name.text!r}")
        except ValueError:  # max/min of an argument SymPy knows is not real
            text = self.text[name.position : self.current.position].strip()
            self.fail(f"{text} compares an argument that is not real")


def _number(text: str) -> sympy.Expr:
    if len(text) > 40:
        raise InputError(f"number {text[:20]}... is too long")
    _, _, exponent = text.lower().partition("e")
    if exponent and abs(int(exponent)) > 30:
        raise InputError(f"number {text} is out of range (exponent at most 30)")
    value = Fraction(text)
    if abs(value) > MAX_NUMBER:
        raise InputError(f"number {text} is too large (at most {MAX_NUMBER:.0e})")
    return sympy.Rational(value.numerator, value.denominator)


def _allowed(vocabulary: Vocabulary) -> str:
    names = sorted(vocabulary.names)
    functions = [f"{name}()" for name in sorted(vocabulary.functions)]
    return ", ".join(names + functions)


def parse_expression(text: str, vocabulary: Vocabulary) -> sympy.Expr:
    """Parse ``text`` using only what ``vocabulary`` allows."""
    if not isinstance(text, str):
        raise InputError(f"{vocabulary.what} must be text")
    if len(text) > MAX_LENGTH:
        raise InputError(f"{vocabulary.what} is longer than {MAX_LENGTH} characters")
    result = _Parser(text, vocabulary).parse()
    if _height(result) > MAX_HEIGHT or sympy.count_ops(result) > MAX_NODES:
        raise InputError(f"{vocabulary.what} {text!r} is too complicated (nested too deeply)")
    return result


def _height(expr: sympy.Basic) -> int:
    if not expr.args:
        return 0
    return 1 + max(_height(arg) for arg in expr.args)
