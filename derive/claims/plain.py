"""The plain syntax of a claim: ``dE/dw[h,j] = -eta*g[j]*b[h]``.

An own tokenizer and recursive-descent parser (no ``eval``, ``sympify`` or
``ast``): numbers, ``+ - * / ** ^``, parentheses, ``Sum(body, (j, 1, l))``,
a few functions, and the notation's names with their indices in brackets.
Everything else is an :class:`~derive.support.errors.InputError` naming the column.
"""

from __future__ import annotations

import re

from derive.claims import limits
from derive.claims.descent import ClaimDescent, product
from derive.claims.names import CONSTANTS, FUNCTIONS, LOSS_ALIASES, Names
from derive.claims.syntax import (
    Call,
    Claim,
    Constant,
    Derivative,
    Div,
    Index,
    Ref,
    Sum,
    Update,
)
from derive.notation.spellings import Quantity, Size
from derive.parsing.descent import Token, tokenize
from derive.support.errors import InputError

_TOKEN = re.compile(
    r"""[ \t\r\n]*(?:
      (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<name>[A-Za-z][A-Za-z0-9]*)
    | (?P<op>\*\*|[-+*/^()\[\],='])
    )""",
    re.VERBOSE,
)


_LOSS_DERIVATIVES = {"dE", *(f"d{alias}" for alias in LOSS_ALIASES)}
"""dE/dw[…], and the same with the loss's other names (dC/dw[…])."""


class Parser(ClaimDescent):
    """Above the product, :class:`~derive.claims.descent.ClaimDescent`; then
    term := factor (('*'|'/') factor)* ; power := primary (('^'|'**') factor)? ;
    primary := number | '(' expr ')' | name [index…] | function '(' expr ')'
    | Sum(…) | dE/d name | d(name)/d(name) | Delta name."""

    def __init__(self, text: str, names: Names):
        super().__init__(tokenize(text, _TOKEN, " \t\r\n"), names)

    def term(self):
        factors = [self.factor()]
        while self.current.text in ("*", "/"):
            operator = self.take().text
            factor = self.factor()
            if operator == "*":
                factors.append(factor)
            else:
                factors = [Div(product(factors), factor)]
        return product(factors)

    def power(self):
        base = self.primary()
        if self.current.text in ("**", "^"):
            self.take()
            return self.raised(base, self.nested(self.factor))
        return base

    def named(self, token: Token):
        if token.kind != "name":
            raise InputError(token.unexpected())
        if token.text in ("Sum", "sum"):
            return self.sum()
        if token.text == "Delta":
            self.take()
            return Update(self.parameter_ref("Delta"))
        if token.text in _LOSS_DERIVATIVES and self.peek().text == "/":
            self.take()
            self.take("/")
            return Derivative(self.derivative_ref())
        if token.text == "d" and self.peek().text == "(":
            return self.general_derivative()
        if token.text in FUNCTIONS and self.peek().text in ("(", "'"):
            return self.call()
        if token.text in CONSTANTS and token.text not in self.names.quantities:
            self.take()
            return Constant(token.text)
        return self.ref()

    def call(self):
        name = self.take()
        function = FUNCTIONS[name.text]
        if self.current.text == "'":
            self.take()
            function = prime(function, name)
        arguments = self.arguments()
        if len(arguments) != 1:
            raise InputError(
                f"{name.text} takes one argument, got {len(arguments)} ({name.where()})"
            )
        return Call(function, tuple(arguments))

    def sum(self):
        start = self.take()
        self.take("(")
        body = self.nested(self.expression)
        self.take(",")
        lower = upper = None
        if self.current.text == "(":
            self.take()
            letter = self.letter()
            self.take(",")
            lower = self.nested(self.expression)
            self.take(",")
            upper = self.nested(self.expression)
            self.take(")")
        else:
            letter = self.letter()
        if self.current.text != ")":
            raise InputError(
                f"Sum at {start.where()} takes (body, (letter, lower, upper)); "
                f"unexpected {self.current.text or 'end'!r} at {self.current.where()}"
            )
        self.take(")")
        return Sum(body, letter, lower, upper)

    def letter(self) -> str:
        token = self.take()
        if token.kind != "name" or token.text in self.names.sizes:
            raise InputError(f"expected an index letter at {token.where()}, found {token.text!r}")
        return token.text

    def derivative_ref(self) -> Ref:
        token = self.current
        if token.text == "d" and self.peek().text == "(":
            self.take()
            return self.bracketed_ref(denominator_check)
        if token.kind != "name" or not token.text.startswith("d") or len(token.text) < 2:
            raise InputError(f"expected d<name> after 'dE/' at {token.where()}")
        # 'dw' names w: split the token in two and parse the name as usual.
        self.tokens[self.index] = Token("name", token.text[1:], token.position + 1)
        return denominator_check(self.ref(), self.names, token.position)

    def bracketed_ref(self, check) -> Ref:
        start = self.take("(")
        ref = check(self.ref(), self.names, start.position)
        self.take(")")
        return ref

    def general_derivative(self) -> Derivative:
        """d(yhat[j])/d(beta[j]): a local derivative of the chain rule."""
        self.take("d")
        numerator = self.bracketed_ref(numerator_check)
        self.take("/")
        token = self.take()
        if token.text != "d":
            raise InputError(f"expected d(…) after '/' at {token.where()}")
        denominator = self.bracketed_ref(denominator_check)
        return Derivative(denominator, None if numerator.name == "E" else numerator)

    def parameter_ref(self, what: str) -> Ref:
        ref = self.ref()
        quantity = self.names.quantities.get(ref.name)
        if quantity is None or not quantity.is_parameter:
            raise InputError(f"{what} needs a parameter (a weight or a bias), not {ref.name!r}")
        return ref

    def ref(self) -> Ref:
        token = self.take()
        if token.kind != "name":
            raise InputError(f"expected a name at {token.where()}, found {token.text!r}")
        entry = self.names.lookup(token.text, token.position)
        if isinstance(entry, Size):
            if entry.layer is None and not entry.depth:
                groups = self.index_groups()
                if len(groups) != 1 or len(groups[0]) != 1:
                    raise InputError(f"{token.text} needs one layer index, n[l] ({token.where()})")
                return Ref(entry.name, groups[0][0], (), token.position)
            return Ref(entry.name, None, (), token.position)
        if entry == "eta":
            return Ref("eta", None, (), token.position)
        return self.quantity(entry, token, self.index_groups())

    def index_groups(self) -> list[list[Index]]:
        groups = []
        while self.current.text == "[":
            self.take()
            group = [self.index_expression()]
            while self.current.text == ",":
                self.take()
                group.append(self.index_expression())
            self.take("]")
            groups.append(group)
        return groups

    def index_expression(self) -> Index:
        token = self.take()
        if token.kind == "number":
            if not token.text.isdigit() or len(token.text) > 6:
                raise InputError(f"an index must be a whole number or a letter ({token.where()})")
            base, offset = None, int(token.text)
        elif token.kind == "name":
            base, offset = token.text, 0
        else:
            raise InputError(f"expected an index at {token.where()}, found {token.text!r}")
        if base is not None and self.current.text in ("+", "-") and self.peek().kind == "number":
            sign = 1 if self.take().text == "+" else -1
            amount = self.take()
            if not amount.text.isdigit() or len(amount.text) > 6:
                raise InputError(f"an index offset must be a whole number ({amount.where()})")
            offset = sign * int(amount.text)
        return Index(base, offset)

    def quantity(self, quantity: Quantity, token: Token, groups) -> Ref:
        return make_ref(quantity, token.text, token.position, [i for g in groups for i in g])


def prime(function: str, name) -> str:
    """The derivative of a named function: f' is fprime, sigmoid' is σ'."""
    if function == "f":
        return "fprime"
    if function in FUNCTIONS.values() and function != "fprime":
        return function + "'"
    raise InputError(f"{name.text!r} has no prime ({name.where()})")


def numerator_check(ref: Ref, names: Names, position: int) -> Ref:
    quantity = names.quantities.get(ref.name)
    if quantity is None or quantity.kind not in ("a", "z", "s", "loss"):
        raise InputError(
            f"column {position + 1}: the derivative of {ref.name!r} is not known; "
            "differentiate E or a unit's value (an output, a hidden output, a weighted input)"
        )
    return ref


def denominator_check(ref: Ref, names: Names, position: int) -> Ref:
    quantity = names.quantities.get(ref.name)
    if quantity is None or quantity.kind in ("y", "delta", "loss"):
        raise InputError(
            f"column {position + 1}: differentiate with respect to a parameter or a "
            f"unit's value, not {ref.name!r}"
        )
    return ref


def make_ref(
    quantity: Quantity, written: str, position: int, indices: list, latex: bool = False
) -> Ref:
    """A Ref with its index count checked: ``layered`` names take the layer
    first (``a[l][j]``, also ``a[l,j]``)."""
    needed = quantity.units + (1 if quantity.layered else 0)
    if len(indices) != needed:
        example = quantity.example[1 if latex else 0]
        raise InputError(
            f"{written} needs {needed} {'index' if needed == 1 else 'indices'}, as in "
            f"{example}; got {len(indices)} at column {position + 1}"
        )
    if quantity.layered:
        return Ref(quantity.name, indices[0], tuple(indices[1:]), position)
    return Ref(quantity.name, None, tuple(indices), position)


def parse(text: str, names: Names) -> Claim:
    """Parse a plain-syntax claim; InputError on anything outside the grammar."""
    return Parser(limits.check_text(text), names).claim()
