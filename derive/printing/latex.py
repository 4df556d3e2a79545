"""LaTeX printing of the model's expressions in a chosen notation, and
escaping of plain text for a LaTeX document.

:class:`NotationLatexPrinter` is SymPy's ``LatexPrinter`` with the model's
names, the LaTeX twin of :class:`derive.printing.unicode.UnicodePrinter`: symbols and
indexed quantities are named by the notation (w^{2}_{jk}, \\hat{y}_{j},
v_{ih}), derivatives print as ∂-fractions, σ and H are not SymPy's
``\\operatorname{sigmoid}`` and θ (θ is a threshold in the watermelon book),
and a Kronecker delta prints as the Iverson bracket [j' = j] so it cannot be
mistaken for a δ of backpropagation.

Every formula in derivation.tex goes through this printer; user text (a
custom activation's name, a title) goes through :func:`text` instead, which
makes it inert.
"""

from __future__ import annotations

import re

import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from derive.model.network import Role
from derive.notation import matrices
from derive.notation.naming import Notation
from derive.printing.base import NotationPrinter
from derive.spec import functions


class NotationLatexPrinter(NotationPrinter, LatexPrinter):
    """LatexPrinter that names the model's quantities through a notation."""

    printmethod = "_derive_latex"  # Indexed's own _latex would bypass the notation
    names = functions.LATEX_NAMES
    INCREMENT = r"\Delta "
    TRANSPOSE = r"^{\mathsf{T}}"
    MATMUL = " "

    def __init__(self, notation: Notation, roles: dict[sympy.Symbol, Role] | None = None):
        super().__init__(notation, roles, {"mul_symbol": None, "fold_short_frac": False})

    def _name_text(self, name):
        return name.latex()

    def _group(self, text):
        return rf"\left({text}\right)"

    def _index(self, index) -> str:
        """An index as a subscript shows it: l + 1 → l+1, i_13 → i_{13}."""
        return self._print(index).replace(" ", "")

    def _subscripted(self, label, indices):
        return f"{label}_{{{indices}}}"

    def _loss(self):
        return self.notation.loss_name

    def _plain_symbol(self, symbol, style="plain"):
        if symbol.name.endswith("'"):  # a primed index letter: j'
            return self._print_Symbol(sympy.Symbol(symbol.name[:-1])) + "'"
        return LatexPrinter._print_Symbol(self, symbol, style)  # super() is the base's

    def _call(self, callee, arguments, exp=None):
        shown = ", ".join(self._argument(a) for a in arguments)
        text = rf"{callee}\left({shown}\right)"
        return text if exp is None else rf"{text}^{{{exp}}}"

    def _unnamed_function(self, expr, exp=None):
        """SymPy's own form (\\tanh^{2}{\\left(u \\right)}), with a compound
        name's parentheses not doubled: tanh(β_j − θ_j), not tanh((β_j − θ_j))."""
        text = LatexPrinter._print_Function(self, expr, exp)  # super() is the base's
        for argument in expr.args:
            inner = self._argument(argument)
            printed = self._print(argument)
            if inner != printed:
                text = text.replace(rf"\left({printed} \right)", rf"\left({inner} \right)")
        return text

    def _unnamed_head(self, expr):
        return re.split(r"\{?\\left\(", self._print(expr), maxsplit=1)[0]

    def _prime(self, head, variable):
        return rf"{head}'\left({variable}\right)"

    def _partial_fraction(self, top, bottom):
        denominator = " ".join(r"\partial " + v for v in bottom)
        return rf"\frac{{\partial {top}}}{{{denominator}}}"

    def _sum_sign(self, index, low, high):
        return rf"\sum_{{{self._print(index)}={self._print(low)}}}^{{{self._print(high)}}}"

    def _sum_body(self, expr):
        body = self._print(expr)
        return self._group(body) if expr.is_Add else body

    def _transpose_needs_group(self, inner):
        return any(mark in inner for mark in "^_ ")

    def _matmul_level(self, expr):
        return PRECEDENCE["Mul"]

    def _print_Pow(self, expr):
        """(a^{1}_{j})^{2}: a scripted name gets parentheses before a power."""
        base, exponent = expr.args
        if (
            exponent.is_Integer
            and exponent > 1
            and (isinstance(base, sympy.Indexed) or base in self.roles)
        ):  # a compound name, (β_j − θ_j), brings its own parentheses
            return rf"\left({self._argument(base)}\right)^{{{self._print(exponent)}}}"
        return super()._print_Pow(expr)

    def _print_Mul(self, expr):
        """Plain factors, then bracketed sums, then a Σ: ŷ_j (1 − ŷ_j)(y_j − ŷ_j)
        and b_h (1 − b_h) Σ_j w_hj g_j, as books write (products with a
        fraction or a numeric factor print as SymPy's)."""
        coefficient, rest = expr.as_coeff_Mul()
        factors = list(sympy.Mul.make_args(rest))
        simple = coefficient in (1, -1) and not any(f.is_Pow and f.exp.is_negative for f in factors)
        rank = lambda f: 2 if isinstance(f, sympy.Sum) else 1 if f.is_Add else 0  # noqa: E731
        ordered = sorted(factors, key=rank)  # stable: a sum last, nothing after it
        if not simple or ordered == list(rest.as_ordered_factors()):
            return super()._print_Mul(expr)
        text = " ".join(self.parenthesize(f, PRECEDENCE["Mul"], strict=True) for f in ordered)
        return ("- " if coefficient == -1 else "") + text

    def _print_Add(self, expr, order=None):
        """Positive terms first (:meth:`_as_ordered_terms`): a − y, 1 − a, y − ŷ."""
        terms = self._as_ordered_terms(expr, order=order)
        text = ""
        for number, term in enumerate(terms):
            if number > 0 and term.could_extract_minus_sign():
                text += " - "
                term = -term
            elif number > 0:
                text += " + "
            printed = self._print(term)
            if self._needs_add_brackets(term):
                printed = rf"\left({printed}\right)"
            text += printed
        return text

    def _print_Pi(self, expr):
        return r"\pi"

    def _print_Exp1(self, expr):
        return "e"

    def _print_MatrixSymbol(self, expr, style="plain"):
        return matrices.latex(expr, self.notation.loss_name) or super()._print_MatrixSymbol(expr)


def latex(expr, notation: Notation, roles=None) -> str:
    """LaTeX math (without delimiters) for ``expr`` in ``notation``."""
    return NotationLatexPrinter(notation, roles).doprint(expr)


_TEXT_ESCAPES = {  # in the OT1 fonts every TeX has: no font is generated on the fly
    "\\": r"\ensuremath{\backslash}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\^{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\~{}",
    "<": r"\ensuremath{<}",
    ">": r"\ensuremath{>}",
    "|": r"\ensuremath{|}",
    "`": r"{`}",
    "'": r"{'}",
    "-": r"{-}",
}

_UNICODE_MATH = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon",
    "η": r"\eta", "θ": r"\theta", "λ": r"\lambda", "σ": r"\sigma", "Σ": r"\Sigma",
    "Δ": r"\Delta", "ζ": r"\zeta", "∂": r"\partial", "ℓ": r"\ell", "·": r"\cdot",
    "−": "-", "±": r"\pm", "≤": r"\le", "≥": r"\ge", "→": r"\to", "′": "'",
    "×": r"\times", "∇": r"\nabla", "ŷ": r"\hat{y}", "ᵀ": r"^{\mathsf{T}}", "∪": r"\cup",
    "‖": r"\|", "…": r"\dots",
}  # fmt: skip

_SCRIPTS = str.maketrans(
    "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ˡᵐⁿᴸ₀₁₂₃₄₅₆₇₈₉₊₋₌ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜₓ",
    "0123456789+-lmnL0123456789+-=aehijklmnoprstx",
)
_SUPERSCRIPTS = set("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ˡᵐⁿᴸ")
_SUBSCRIPTS = set("₀₁₂₃₄₅₆₇₈₉₊₋₌ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜₓ")


CJK = re.compile("[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff5e]")
"""Chinese and Japanese characters and their punctuation (fullwidth forms
included): what the CJK fonts of the document set (ctex's fandol fonts)."""


def has_cjk(value: str) -> bool:
    """Whether ``value`` needs the document's CJK set-up (xelatex and ctex)."""
    return CJK.search(value) is not None


def text(value: str) -> str:
    """Plain text (a title, a custom activation as the user typed it, a
    statement from certificate.json) made inert for LaTeX: every special
    character is escaped, the Unicode mathematics our own messages use is
    set in math mode, CJK text is kept (a document that has any is set
    with xelatex and ctex: :func:`has_cjk`), and any other non-ASCII
    character becomes '?', since pdflatex would stop on it.  Control
    characters are dropped."""
    out = []
    position = 0
    while position < len(value):
        char = value[position]
        if char in _SUPERSCRIPTS or char in _SUBSCRIPTS:
            scripts = _SUPERSCRIPTS if char in _SUPERSCRIPTS else _SUBSCRIPTS
            end = position
            while end < len(value) and value[end] in scripts:
                end += 1
            marker = "^" if scripts is _SUPERSCRIPTS else "_"
            out.append(rf"\ensuremath{{{marker}{{{value[position:end].translate(_SCRIPTS)}}}}}")
            position = end
            continue
        if char in _TEXT_ESCAPES:
            out.append(_TEXT_ESCAPES[char])
        elif char in _UNICODE_MATH:
            out.append(rf"\ensuremath{{{_UNICODE_MATH[char]}}}")
        elif char in "\n\t":
            out.append(" ")
        elif ord(char) < 32 or ord(char) == 127:
            pass
        elif ord(char) > 127 and not CJK.match(char):
            out.append("?")
        else:
            out.append(char)
        position += 1
    return "".join(out)
