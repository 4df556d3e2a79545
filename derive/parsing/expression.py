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
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

import sympy

from derive.parsing import constants
from derive.parsing.descent import Descent, Position, tokenize
from derive.parsing.limits import EXPRESSION, number
from derive.support.errors import InputError, did_you_mean

MAX_HEIGHT = 12
"""Nesting of operations in a parsed expression: a tower x^x^…^x or sin(sin(…))
of this height already makes derivatives large."""

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
    parsed in error messages ("activation", "loss").  ``named`` are the words
    the whole text may be instead of an expression (``tanh``, ``bce``): an
    unknown name close to one of them is taken for a typo of it.
    """

    names: Mapping[str, sympy.Expr]
    functions: Mapping[str, Callable[..., sympy.Expr]] = field(default_factory=dict)
    what: str = "expression"
    named: Collection[str] = ()


class _Parser(Descent):
    """Above the product, :class:`~derive.parsing.descent.Descent`; then
    term := factor (('*'|'/') factor)* ; power := atom (('**'|'^') factor)? ;
    atom := number | name | name '(' expr (',' expr)* ')' | '(' expr ')'."""

    limits = EXPRESSION

    def __init__(self, text: str, vocabulary: Vocabulary):
        self.text = text
        self.vocabulary = vocabulary
        super().__init__(tokenize(text, _TOKEN, token=Position, fail=self.fail))
        self.checked_nodes: set[sympy.Basic] = set()
        """Sub-expressions whose constants are known to be acceptable."""

    def fail(self, message: str):
        raise InputError(f"{self.vocabulary.what} {self.text!r}: {message}")

    def parse(self) -> sympy.Expr:
        if self.current.kind == "end":
            self.fail("empty expression")
        result = self.expression()
        self.finish()
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

    built = checked

    def negative(self, node: sympy.Expr) -> sympy.Expr:
        return -node

    def add(self, total: sympy.Expr, term: sympy.Expr, start: int) -> sympy.Expr:
        return self.checked(total + term, start)

    def term(self) -> sympy.Expr:
        start = self.current.position
        result = self.factor()
        while self.current.text in ("*", "/"):
            operator = self.take().text
            factor = self.factor()
            if operator == "*":
                result = result * factor
            elif factor == 0:
                self.fail("division by zero")
            else:
                result = result / factor
            result = self.checked(result, start)
        return result

    def power(self) -> sympy.Expr:
        start = self.current.position
        base = self.atom()
        if self.current.text in ("**", "^"):
            self.take()
            exponent = self.nested(self.factor)
            if exponent.is_number:
                self.check_exponent(exponent)
            return self.checked(sympy.Pow(base, exponent), start)
        return base

    def atom(self) -> sympy.Expr:
        token = self.current
        if token.kind == "number":
            self.take()
            value = number(token.text, self.limits)
            return sympy.Rational(value.numerator, value.denominator)
        if token.text == "(":
            self.take()
            inner = self.nested(self.expression)
            self.take(")")
            return inner
        if token.kind == "name":
            self.take()
            if self.current.text == "(":
                return self.checked(self.call(token), token.position)
            if token.text in self.vocabulary.names:
                return self.vocabulary.names[token.text]
            if token.text in self.vocabulary.functions:
                self.fail(f"function {token.text!r} needs an argument in parentheses")
            self.fail(f"unknown name {token.text!r}{_suggestion(token.text, self.vocabulary)}")
        self.fail(token.unexpected())

    def call(self, name: Position) -> sympy.Expr:
        function = self.vocabulary.functions.get(name.text)
        if function is None and name.text in self.vocabulary.named:
            self.fail(
                f"{name.text!r} is a named {self.vocabulary.what}: give it alone, "
                f"--{self.vocabulary.what} {name.text}, or write its formula in the expression"
            )
        if function is None:
            close = did_you_mean(name.text, self.vocabulary.functions)
            self.fail(f"unknown function {name.text!r}{_listed(close, self.vocabulary)}")
        arguments = self.arguments()
        try:
            return function(*arguments)
        except TypeError:
            self.fail(f"wrong number of arguments to {name.text!r}")
        except ValueError:  # max/min of an argument SymPy knows is not real
            text = self.text[name.position : self.current.position].strip()
            self.fail(f"{text} compares an argument that is not real")


def _suggestion(name: str, vocabulary: Vocabulary) -> str:
    """The hint "; did you mean 'sigmoid'? (named: …; in an expression: …)"
    for a name without parentheses: the close names, then all, the names the
    whole text may be first (a learner who types 'sigmod' means the
    activation, not a function of x)."""
    close = did_you_mean(name, [*vocabulary.named, *vocabulary.names, *vocabulary.functions])
    return _listed(close, vocabulary)


def _listed(close: str, vocabulary: Vocabulary) -> str:
    """``close`` and then everything the vocabulary allows."""
    names = sorted(vocabulary.names)
    functions = [f"{name}()" for name in sorted(vocabulary.functions)]
    allowed = ", ".join(names + functions)
    if vocabulary.named:
        return f"{close} (named: {', '.join(vocabulary.named)}; in an expression: {allowed})"
    return f"{close} (allowed: {allowed})"


def parse_expression(text: str, vocabulary: Vocabulary) -> sympy.Expr:
    """Parse ``text`` using only what ``vocabulary`` allows."""
    if not isinstance(text, str):
        raise InputError(f"{vocabulary.what} must be text")
    if len(text) > EXPRESSION.length:
        raise InputError(f"{vocabulary.what} is longer than {EXPRESSION.length} characters")
    result = _Parser(text, vocabulary).parse()
    if _height(result) > MAX_HEIGHT or sympy.count_ops(result) > EXPRESSION.parts:
        raise InputError(f"{vocabulary.what} {text!r} is too complicated (nested too deeply)")
    return result


def _height(expr: sympy.Basic) -> int:
    if not expr.args:
        return 0
    return 1 + max(_height(arg) for arg in expr.args)
