"""Displayed equations that fit the page: the notation's LaTeX printer, and
the breaking of a formula too wide for one row.

A formula arrives as SymPy and leaves as rows of ``lhs &= rhs`` text for an
``align``-style display.  Widths are estimated from the LaTeX source
(:func:`visible`), not measured by TeX: the estimate errs wide, so a row that
fits here fits on the page.  A sum is broken at its terms, a product at its
factors, recursively; nothing here decides *what* a document shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy
from sympy.printing.precedence import PRECEDENCE

from derive.present.presentation import Presentation
from derive.printing.latex import NotationLatexPrinter, text
from derive.support.language import ENGLISH, Language

ROW_WIDTH = 58
"""Visible characters per displayed row before a formula is broken: about
the text width of an A4 page with 2.5 cm margins at 10pt, with room to spare."""


@dataclass
class Display:
    """One displayed equation: rows of ``lhs &= rhs`` text, an optional
    shared equation number, and a note on where it holds."""

    rows: list[str]
    tag: int | None = None
    label: str = ""
    where: str = ""


def visible(latex: str) -> float:
    """A rough printed width of LaTeX math, in characters."""
    stripped = re.sub(r"\\(left|right|mathsf|operatorname|hat)\b", "", latex)
    stripped = re.sub(  # a fraction is as wide as the wider of its two lines
        r"\\frac\{\\partial ((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}"
        r"\{\\partial ((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}",
        lambda m: "d" + max(m.group(1), m.group(2), key=len),
        stripped,
    )
    stripped = re.sub(r"\\[a-zA-Z]+", "x", stripped)
    scripts = len(re.findall(r"[_^]\{[^{}]*\}", stripped))
    stripped = re.sub(r"[{}_^ ]", "", stripped)
    return len(stripped) - 0.3 * scripts


def pack(pieces: list[list[str]], budget: float, joiner: str) -> list[str]:
    """Rows from pieces (each one or more rows), filling each row up to ``budget``."""
    rows: list[str] = []
    for piece in pieces:
        for number, part in enumerate(piece):
            if rows and number == 0 and visible(rows[-1] + part) + 1 <= budget:
                rows[-1] = rows[-1] + joiner + part
            elif rows and number == 0:
                rows.append(joiner.strip() + " " + part if joiner.strip() else part)
            else:
                rows.append(part)
    if len(rows) > 1 and visible(rows[-1]) < 12 and visible(rows[-2] + rows[-1]) <= budget + 12:
        rows[-2:] = [rows[-2] + joiner + rows[-1].removeprefix(joiner.strip()).lstrip()]
    return rows


class LatexWriter:
    """Prints the pieces of the document in one notation."""

    def __init__(self, presentation: Presentation, lang: Language = ENGLISH):
        self.presentation = presentation
        self.lang = lang
        """The document's language: every sentence a module writes goes
        through its lookup (:meth:`Language.gettext`)."""
        self.network = presentation.network
        self.notation = presentation.notation
        self.printer = NotationLatexPrinter(self.notation, self.network.roles)

    def math(self, expr) -> str:
        return self.printer.doprint(expr)

    def factor(self, expr) -> str:
        return self.printer.parenthesize(expr, PRECEDENCE["Mul"], strict=False)

    def rows(self, lhs: str, pieces: list[str]) -> list[str]:
        """``lhs = p1 p2 …`` (pieces carry their own operators), broken into
        rows of about ROW_WIDTH."""
        rows = pack([[piece] for piece in pieces], ROW_WIDTH - visible(lhs) - 2, " ")
        return [f"{lhs} &= {rows[0]}"] + [rf"&\quad {row}" for row in rows[1:]]

    def equation(self, lhs, rhs) -> list[str]:
        """An equation, its right-hand side broken at its terms, or at its
        factors, where it is too wide for one row (recursively: a long
        parenthesised sum inside a product spans rows between big brackets)."""
        left = lhs if isinstance(lhs, str) else self.math(lhs)
        rows = self.broken(rhs, ROW_WIDTH - visible(left) - 2)
        return [f"{left} &= {rows[0]}"] + [rf"&\quad {row}" for row in rows[1:]]

    def broken(self, expr, budget: float) -> list[str]:
        """``expr`` as one or more rows of at most about ``budget`` characters."""
        whole = self.math(expr)
        if visible(whole) <= budget or not (expr.is_Add or expr.is_Mul):
            return [whole]
        budget = max(budget, ROW_WIDTH - 8)
        if expr.is_Add:
            pieces = []
            for number, term in enumerate(self.printer._as_ordered_terms(expr)):
                rows = self.broken(term, budget)
                if number > 0 and not rows[0].startswith("-"):
                    rows[0] = "+ " + rows[0]
                pieces.append(rows)
            return pack(pieces, budget, " ")
        coefficient, rest = expr.as_coeff_Mul()
        factors = list(sympy.Mul.make_args(rest))
        pieces = []
        for factor in factors:
            text = self.factor(factor)
            if visible(text) > budget and factor.is_Add:
                inner = self.broken(factor, budget)
                inner[0], inner[-1] = r"\bigl(" + inner[0], inner[-1] + r"\bigr)"
                pieces.append(inner)
            else:
                pieces.append(self.broken(factor, budget) if visible(text) > budget else [text])
        if coefficient == -1:
            pieces[0][0] = "-" + pieces[0][0]
        elif coefficient != 1:
            pieces.insert(0, [self.math(coefficient)])
        return pack(pieces, budget, r" \cdot ")

    def display(self, equation: sympy.Eq, tag=None, label="", where="") -> Display:
        return Display(self.equation(equation.lhs, equation.rhs), tag, label, where)

    def where(self, where) -> str:
        if isinstance(where, str):
            return text(self._layers(where))
        return "$" + self.math(where) + "$"

    def _layers(self, where: str) -> str:
        """The presentation's note "layer 2" or "layers 1, 3" (on which
        layers an activation's formula holds) in the document's language."""
        found = re.fullmatch(r"(layers?) ([0-9, ]+)", where)
        if found is None:
            return self.lang.gettext(where) if where else where
        if found.group(1) == "layer":
            return self.lang.gettext("layer %(layers)s", layers=found.group(2))
        return self.lang.gettext("layers %(layers)s", layers=found.group(2))
