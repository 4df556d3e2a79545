r"""The LaTeX syntax of a claim, as people write it in notes.

``\Delta w_{hj} = \eta g_j b_h``, ``\hat{y^k_j}``, ``\sum^l_{j=1}[ … ]``,
``\frac{\partial E_k}{\partial v_{ih}}``, ``\delta^{l+1}_k``: a small
tokenizer and recursive-descent parser for that subset, building the same
trees as the plain syntax (:mod:`derive.claims.syntax`).  SymPy's
``parse_latex`` is no use here: it drops everything after ``\eta`` in
``-\eta (\hat{y}_j - y_j)``, reads ``\hat{y}_j`` as hat·y and ``w_{hj}`` as one
symbol.  Multiplication may be written ``*``, ``\cdot``, ``\times`` or by
juxtaposition; a Σ's body is the rest of its product, as in print.  In the
watermelon book's notation a one-letter superscript on a name (the k of
``y^k_j``) is the sample index and is ignored.
"""

from __future__ import annotations

import re

from derive.claims import limits
from derive.claims.descent import OPENING, ClaimDescent, product
from derive.claims.names import Names
from derive.claims.plain import denominator_check, make_ref, numerator_check, prime
from derive.claims.syntax import (
    Call,
    Claim,
    Constant,
    Derivative,
    Div,
    Index,
    Neg,
    Ref,
    Sum,
    Update,
)
from derive.notation.spellings import Size
from derive.parsing.descent import Token, tokenize
from derive.spec import functions
from derive.support.errors import InputError

_TOKEN = re.compile(
    r"""[ \t\r\n~]*(?:
      (?P<command>\\[A-Za-z]+)
    | (?P<space>\\[,;:!> ])
    | (?P<number>\d+(?:\.\d+)?)
    | (?P<letter>[A-Za-z])
    | (?P<op>[-+*/^_{}()\[\]=,'|])
    )""",
    re.VERBOSE,
)
_IGNORED = {
    r"\left",
    r"\right",
    r"\big",
    r"\Big",
    r"\bigg",
    r"\Bigg",
    r"\bigl",
    r"\bigr",
    r"\Bigl",
    r"\Bigr",
    r"\biggl",
    r"\biggr",
    r"\quad",
    r"\qquad",
    r"\limits",
    r"\displaystyle",
}
_GREEK = {
    r"\alpha": "alpha",
    r"\beta": "beta",
    r"\gamma": "gamma",
    r"\theta": "theta",
    r"\delta": "delta",
    r"\eta": "eta",
}
_FUNCTIONS = functions.CLAIM_LATEX_FUNCTIONS
_CONSTANTS = {r"\pi": "pi"}
_PRODUCT = {"*", r"\cdot", r"\times"}
_STOP = {"+", "-", "=", ")", "]", "}", ",", "end", "/", "^", "_", "'"} | _PRODUCT


def _tokens(text: str) -> list[Token]:
    """The tokens of a LaTeX claim: ``$`` read as a blank, spacing commands and
    sizing (``\\left``, ``\\quad``) dropped, ``{\\Delta}`` merged."""
    tokens = tokenize(
        text.replace("$", " "),
        _TOKEN,
        " \t\r\n~",
        skip=lambda kind, value: kind == "space" or value in _IGNORED,
    )
    return _merge_operator_names(_merge_braced_delta(tokens))


def _merge_braced_delta(tokens: list[Token]) -> list[Token]:
    r"""``{\Delta}W_{hj}`` (the seed's spelling) is ``\Delta W_{hj}``."""
    result, position = [], 0
    while position < len(tokens):
        window = [t.text for t in tokens[position : position + 3]]
        if window == ["{", r"\Delta", "}"]:
            result.append(tokens[position + 1])
            position += 3
        else:
            result.append(tokens[position])
            position += 1
    return result


def _merge_operator_names(tokens: list[Token]) -> list[Token]:
    r"""``\operatorname{relu}`` (as derivation.tex writes the functions LaTeX
    has no command for) is one command token, ``\operatorname{relu}``."""
    result, position = [], 0
    while position < len(tokens):
        token = tokens[position]
        if token.text in (r"\operatorname", r"\mathrm") and position + 1 < len(tokens):
            end = position + 2
            while end < len(tokens) and tokens[end].kind == "letter":
                end += 1
            if tokens[position + 1].text == "{" and end < len(tokens) and tokens[end].text == "}":
                name = "".join(t.text for t in tokens[position + 2 : end])
                result.append(Token("command", rf"\operatorname{{{name}}}", token.position))
                position = end + 1
                continue
        result.append(token)
        position += 1
    return result


class Parser(ClaimDescent):
    """Above the product, :class:`~derive.claims.descent.ClaimDescent`; then a term
    is factors joined by ``*``, ``\\cdot``, ``\\times``, ``/`` or nothing, and a
    primary is a number, a group, ``\\frac``, ``\\sum``, ``\\Delta``, ``\\partial``,
    a function or a name with its scripts."""

    brackets = OPENING

    def __init__(self, text: str, names: Names):
        super().__init__(_tokens(text), names)
        self.text = text

    def _word_at(self, position: int) -> str | None:
        """The multi-letter name (delta, eta, sigmoid) spelled from
        ``position``, which LaTeX reads as a product of single letters."""
        word = re.match(r"[A-Za-z]+", self.text[position:])
        if word is None or len(word.group()) < 2:
            return None
        known = [*self.names.quantities, *self.names.sizes, "eta", *_GREEK.values()]
        return word.group() if word.group() in known else None

    def term(self):
        factors = [self.factor()]
        while True:
            token = self.current
            if token.text in _PRODUCT:
                self.take()
                factors.append(self.factor())
            elif token.text == "/":
                self.take()
                factors = [Div(product(factors), self.factor())]
            elif token.text not in _STOP and token.kind != "end":
                factors.append(self.nested(self.power))  # juxtaposition
            else:
                return product(factors)

    def power(self):
        base = self.primary()
        while self.current.text == "^":
            self.take()
            base = self.raised(base, self.nested(self.argument))
        return base

    def argument(self):
        """A TeX argument: ``{…}`` or a single token (one digit of ``^23``)."""
        token = self.current
        if token.text == "{":
            self.take()
            inner = self.nested(self.expression)
            self.take("}")
            return inner
        if token.kind == "number" and len(token.text) > 1:
            self.tokens[self.index] = Token("number", token.text[1:], token.position + 1)
            return self.number(token.text[0])
        if token.text == "-":
            self.take()
            return Neg(self.nested(self.argument))
        return self.nested(self.primary)

    def named(self, token: Token):
        if token.text in (r"\frac", r"\dfrac", r"\tfrac"):
            return self.fraction()
        if token.text == r"\sum":
            return self.sum()
        if token.text == r"\partial":
            return self.inline_partial()
        if token.text == r"\Delta":
            self.take()
            return Update(self.parameter())
        if token.text in _FUNCTIONS:
            self.take()
            function = _FUNCTIONS[token.text]
            if self.current.text == "'":
                self.take()
                function = prime(function, token)
            return self.call(function, token)
        if token.text == "f" and self.peek().text in ("(", "'", "^", "{", "["):
            return self.f_call()
        if token.text in _CONSTANTS:
            self.take()
            return Constant(_CONSTANTS[token.text])
        if token.text == "e" and self.peek().text == "^":
            self.take()
            self.take("^")
            return Call("exp", (self.nested(self.argument),))
        if token.kind in ("letter", "command"):
            return self.name()
        raise InputError(token.unexpected())

    def call(self, function: str, token: Token):
        if self.current.text in self.brackets:
            return Call(function, (self.group(self.current.text),))
        if self.current.kind == "end" or self.current.text in _STOP:
            raise InputError(f"{token.text} needs an argument ({token.where()})")
        return Call(function, (self.nested(self.power),))

    def f_call(self):
        token = self.take()
        function = "f"
        if self.current.text == "'":
            self.take()
            function = "fprime"
        elif self.current.text == "^":
            self.take()
            script = self.script_tokens()
            if [t.text for t in script] != [r"\prime"]:
                raise InputError(f"f^{{…}} is read as f^{{\\prime}} only ({token.where()})")
            function = "fprime"
        if self.current.text not in self.brackets:
            raise InputError(f"{function} needs its argument in brackets ({token.where()})")
        return Call(function, (self.group(self.current.text),))

    def fraction(self):
        start = self.take()
        if self.current.text == "{" and self.peek().text == r"\partial":
            return self.partial_fraction(start)
        numerator = self.nested(self.argument)
        denominator = self.nested(self.argument)
        return Div(numerator, denominator)

    def partial_fraction(self, start: Token) -> Derivative:
        """\\frac{\\partial E_k}{\\partial w_{hj}}, \\frac{\\partial \\beta_j}{\\partial b_h}."""
        self.take("{")
        numerator = self.partial_operand(numerator_check)
        self.take("}")
        self.take("{")
        if self.current.text != r"\partial":
            raise InputError(f"the denominator of the fraction at {start.where()} needs \\partial")
        denominator = self.partial_operand(denominator_check)
        self.take("}")
        return _derivative(numerator, denominator)

    def inline_partial(self) -> Derivative:
        """∂E/∂w written inline: \\partial E_k / \\partial w_{hj}."""
        numerator = self.partial_operand(numerator_check)
        self.take("/")
        if self.current.text != r"\partial":
            raise InputError(f"expected \\partial after '/' at {self.current.where()}")
        return _derivative(numerator, self.partial_operand(denominator_check))

    def partial_operand(self, check) -> Ref:
        start = self.take(r"\partial")
        return check(self.braced_name(), self.names, start.position)

    def braced_name(self) -> Ref:
        """A name, bare or in braces: \\Delta{v_{ih}}, \\partial {\\hat{y}_j}."""
        if self.current.text != "{":
            return self.name_ref()
        self.take()
        ref = self.name_ref()
        self.take("}")
        return ref

    def parameter(self) -> Ref:
        ref = self.braced_name()
        quantity = self.names.quantities.get(ref.name)
        if quantity is None or not quantity.is_parameter:
            raise InputError(f"\\Delta needs a parameter (a weight or a bias), not {ref.name!r}")
        return ref

    def sum(self):
        start = self.take()
        lower_tokens = upper_tokens = None
        for _ in range(2):
            if self.current.text == "_" and lower_tokens is None:
                self.take()
                lower_tokens = self.script_tokens()
            elif self.current.text == "^" and upper_tokens is None:
                self.take()
                upper_tokens = self.script_tokens()
        if lower_tokens is None or not lower_tokens or lower_tokens[0].kind != "letter":
            raise InputError(f"\\sum at {start.where()} needs its index below, \\sum_{{j=1}}^{{l}}")
        letter = lower_tokens[0].text
        if letter in self.names.sizes:
            raise InputError(f"{letter} is a size, not a Σ index ({start.where()})")
        lower = upper = None
        if len(lower_tokens) > 1:
            if lower_tokens[1].text != "=":
                raise InputError(f"\\sum at {start.where()}: write the index as {{j=1}}")
            lower = self.subparse(lower_tokens[2:])
        if upper_tokens is not None:
            upper = self.subparse(upper_tokens)
        if (lower is None) != (upper is None):
            raise InputError(f"\\sum at {start.where()} needs both bounds or neither")
        if self.current.kind == "end" or self.current.text in _STOP:
            raise InputError(f"\\sum at {start.where()} has nothing to sum")
        body = self.nested(self.term)
        return Sum(body, letter, lower, upper)

    def subparse(self, tokens: list[Token]):
        if not tokens:
            raise InputError("empty bound of a sum")
        end = Token("end", "", tokens[-1].position + 1)
        inner = ClaimDescent.__new__(Parser)
        ClaimDescent.__init__(inner, tokens + [end], self.names, self.depth, self.nodes)
        inner.text = self.text  # positions are the whole claim's
        result = inner.expression()
        inner.finish()
        return result

    # -- names and their scripts -----------------------------------------------

    def script_tokens(self) -> list[Token]:
        """The tokens of a ``_``/``^`` argument: a braced group or one token."""
        if self.current.text != "{":
            token = self.take()
            if token.kind == "number" and len(token.text) > 1:
                self.index -= 1
                self.tokens[self.index] = Token("number", token.text[1:], token.position + 1)
                return [Token("number", token.text[0], token.position)]
            if token.text in ("_", "^", "}", ")", "]"):
                raise InputError(f"missing script after {token.where()}")
            return [token]
        self.take("{")
        start, level = self.index, 0
        while not (self.current.text == "}" and level == 0):
            if self.current.kind == "end":
                raise InputError("unbalanced '{': a '}' is missing")
            level += {"{": 1, "}": -1}.get(self.current.text, 0)
            self.take()
        tokens = self.tokens[start : self.index]
        self.take("}")
        return tokens

    def scripts(self) -> tuple[list | None, list | None]:
        sub = sup = None
        while self.current.text in ("_", "^"):
            if self.current.text == "_" and sub is None:
                self.take()
                sub = self.script_tokens()
            elif self.current.text == "^" and sup is None:
                if self.peek().text == "{" and self.peek(2).text == r"\prime":
                    break
                self.take()
                sup = self.script_tokens()
            else:
                break
        return sub, sup

    def name(self):
        ref, power = self.name_ref(allow_power=True)
        if power is not None:
            return self.raised(ref, self.subparse(power))
        return ref

    def name_ref(self, allow_power: bool = False):
        token = self.take()
        hat = token.text in (r"\hat", r"\widehat")
        inner_sub = inner_sup = None
        if hat:
            braced = self.current.text == "{"
            if braced:
                self.take()
            letter = self.take()
            if letter.text != "y":
                raise InputError(
                    f"\\hat{{{letter.text}}} at {token.where()}: only \\hat{{y}} is known"
                )
            inner_sub, inner_sup = self.scripts()
            if braced:
                self.take("}")
            name = self.names.scheme.output_spelling
        elif token.text in _GREEK:
            name = _GREEK[token.text]
        elif token.kind == "letter":
            name = token.text
            word = self._word_at(token.position)
            if word is not None and name not in self.names.quantities:
                raise InputError(
                    f"{word!r} at {token.where()} is read as LaTeX, where a word is a product "
                    f"of letters: write \\{word} (LaTeX) or {word}[...] with its indices in "
                    "brackets"
                )
        else:
            raise InputError(f"unknown command '{token.text}' at {token.where()}")
        sub, sup = self.scripts()
        sub = _merge(inner_sub, sub, "subscript", token)
        sup = _merge(inner_sup, sup, "superscript", token)
        entry = self.names.lookup(name, token.position)
        if hat and self.names.quantities[name].layered:  # a^L: the layer is L
            if sup is not None and not _sample_index(sup):
                raise InputError(f"\\hat{{y}} is the output a^L; no layer needed ({token.where()})")
            indices = [Index("L")] + self.indices(sub, 1, token)
            ref = make_ref(self.names.quantities["a"], "a", token.position, indices, True)
            return (ref, None) if allow_power else ref
        power = None
        if entry == "eta" or isinstance(entry, Size):
            ref = self.size_ref(entry, name, sub, sup, token)
            if entry == "eta" or entry.layer is not None or entry.depth:
                power = sup
        elif entry.kind == "loss":
            if any(s is not None and not _sample_index(s) for s in (sub, sup)):
                raise InputError(f"E takes no index but the sample's, E_k ({token.where()})")
            ref = Ref("E", None, (), token.position)
        else:
            if sub is None and entry.units and self.current.text == "[":
                raise InputError(
                    f"{token.text} at {token.where()}: in LaTeX write its indices as a "
                    f"subscript, {entry.example[1]} (brackets, {entry.example[0]}, are the "
                    "plain syntax, without backslashes)"
                )
            layered = entry.layered
            if layered:
                if sup is None:
                    raise InputError(
                        f"{token.text} at {token.where()} needs its layer as a superscript, "
                        f"{token.text}^{{l}}_{{j}}"
                    )
                layer = [self.index_item(sup, token)]
            else:
                layer = []
                if sup is not None and not _sample_index(sup):
                    power = sup
            needed = entry.units
            indices = layer + self.indices(sub, needed, token)
            ref = make_ref(entry, token.text, token.position, indices, True)
        if power is not None and not allow_power:
            raise InputError(f"{token.text} at {token.where()}: a power is not a quantity")
        return (ref, power) if allow_power else ref

    def size_ref(self, entry, name: str, sub, sup, token: Token) -> Ref:
        if entry == "eta":
            if sub is not None:
                raise InputError(f"\\eta takes no index ({token.where()})")
            return Ref("eta", None, (), token.position)
        if entry.layer is None and not entry.depth:
            script = sub if sub is not None else sup
            if script is None:
                raise InputError(f"n needs a layer, n_{{l}} ({token.where()})")
            return Ref(entry.name, self.index_item(script, token), (), token.position)
        if sub is not None:
            raise InputError(f"{name} is a size and takes no index ({token.where()})")
        return Ref(entry.name, None, (), token.position)

    def indices(self, script, needed: int, token: Token) -> list[Index]:
        if script is None:
            return []
        if any(t.text == "," for t in script):
            groups, current = [], []
            for t in script:
                if t.text == ",":
                    groups.append(current)
                    current = []
                else:
                    current.append(t)
            groups.append(current)
            return [self.index_item(g, token) for g in groups]
        items = _items(script, token)
        if len(items) < needed:
            items = _items(_digits(script), token)
        return items

    def index_item(self, tokens: list[Token], token: Token) -> Index:
        items = _items(tokens, token)
        if len(items) != 1:
            text = "".join(t.text for t in tokens)
            raise InputError(f"'{text}' is not one index ({token.where()})")
        return items[0]


def _items(tokens: list[Token], token: Token) -> list[Index]:
    """Letters and numbers, each one index; ``l+1`` and ``l-1`` are one."""
    tokens = [t for t in tokens if t.text not in ("(", ")")]
    items: list[Index] = []
    position = 0
    while position < len(tokens):
        current = tokens[position]
        if current.kind == "letter":
            items.append(Index(current.text))
        elif current.kind == "number" and current.text.isdigit():
            items.append(Index(None, int(current.text)))
        elif (
            current.text in ("+", "-")
            and items
            and items[-1].base is not None
            and position + 1 < len(tokens)
            and tokens[position + 1].kind == "number"
            and tokens[position + 1].text.isdigit()
        ):
            amount = int(tokens[position + 1].text)
            base = items.pop()
            items.append(
                Index(base.base, base.offset + (amount if current.text == "+" else -amount))
            )
            position += 1
        else:
            raise InputError(f"'{current.text}' cannot stand in an index ({current.where()})")
        position += 1
    return items


def _digits(tokens: list[Token]) -> list[Token]:
    """``w_{12}`` read as w_{1,2} when one number cannot be two indices."""
    result = []
    for t in tokens:
        if t.kind == "number" and len(t.text) > 1:
            result += [Token("number", c, t.position + i) for i, c in enumerate(t.text)]
        else:
            result.append(t)
    return result


def _sample_index(script) -> bool:
    """The k of y^k_j (or y^{(k)}_j): one letter, the sample index."""
    letters = [t for t in script if t.text not in ("(", ")")]
    return len(letters) == 1 and letters[0].kind == "letter"


def _derivative(numerator: Ref, denominator: Ref) -> Derivative:
    return Derivative(denominator, None if numerator.name == "E" else numerator)


def _merge(inner, outer, what: str, token: Token):
    if inner is not None and outer is not None:
        raise InputError(f"two {what}s on {token.text} at {token.where()}")
    return inner if inner is not None else outer


def parse(text: str, names: Names) -> Claim:
    """Parse a LaTeX claim; InputError on anything outside the documented subset."""
    return Parser(undecorated(limits.check_text(text)), names).claim()


_DECORATIONS = [
    re.compile(pattern)
    for pattern in (
        r"^\s*(\\\[|\$\$?)",  # \[ or $ before the formula
        r"(\\\]|\$\$?)\s*$",  # \] or $ after it
        r"\\\\\s*$",  # a line break
        r"\\tag\*?\{[^{}]*\}\s*$",  # an equation tag
        r"\\q?quad\s*\([^()]*\)\s*$",  # an equation number, \quad (5.11)
        r"\\(text|mbox|mathrm)\{[^{}]*\}[\w\s,=<>]*$",  # \text{ for all } i
    )
]
"""Each is tried at every position but matches only a bounded stretch or
the end, so that together with :func:`_without_punctuation` a claim of
4000 characters is undecorated in linear time (a regular expression for
trailing spacing, run over a run of blanks, backtracks cubically)."""

MAX_DECORATIONS = 8
"""Rounds of undecorating: a formula in notes has a few wrappers, not thousands."""
_SPACING = ("\\qquad", "\\quad", "\\,", "\\;", "\\:", "\\!", "\\ ")


def undecorated(text: str) -> str:
    """The formula without what surrounds it in notes: $ or \\[ \\], an
    equation number or tag, a trailing comment in \\text, a line break, the
    sentence's full stop.  Only the ends are touched, so columns stay right;
    at most :data:`MAX_DECORATIONS` rounds, each linear in the length."""
    for _ in range(MAX_DECORATIONS):
        before = text
        for pattern in _DECORATIONS:
            match = pattern.search(text)
            if match and (match.start() > 0 or pattern.pattern.startswith("^")):
                if pattern.pattern.startswith("^"):
                    text = " " * match.end() + text[match.end() :]
                else:
                    text = text[: match.start()]
        text = _without_punctuation(text)
        if text == before:
            break
    return text


def _without_punctuation(text: str) -> str:
    """``text`` less its trailing spacing (blanks, \\, \\; \\quad …) around
    one full stop, comma or semicolon; unchanged if nothing would be left."""
    end = _before_spacing(text, len(text))
    if end and text[end - 1] in ".,;" and (end < 2 or text[end - 2] != "\\"):
        end = _before_spacing(text, end - 1)
    return text[:end] if end else text


def _before_spacing(text: str, end: int) -> int:
    """Where the spacing that ends ``text[:end]`` begins (one step per character)."""
    while end:
        if text[end - 1].isspace():
            end -= 1
            continue
        for spacing in _SPACING:
            if text.endswith(spacing, 0, end):
                end -= len(spacing)
                break
        else:
            return end
    return end
