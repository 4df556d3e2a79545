"""Unicode printing of the model's expressions in a chosen notation.

A :class:`UnicodePrinter` is SymPy's ``StrPrinter`` with the model's names
(:class:`~derive.printing.base.NotationPrinter` decides them) and this
syntax: products print with ``·``, small integer powers as superscripts,
sums as ``Σ``.  It prints one line per formula, which is what a terminal and
a diff want.
"""

from __future__ import annotations

import sympy
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from derive.notation import matrices
from derive.notation.naming import Notation, subscript, superscript
from derive.printing.base import NotationPrinter
from derive.spec import functions

_SCRIPTS = set("ᵢⱼₖₗₘₙₕₐₑₒₓₚₛₜ₀₁₂₃₄₅₆₇₈₉⁰¹²³⁴⁵⁶⁷⁸⁹ˡⁿᴸ⁺⁻")

_SPECIAL_SYMBOLS = {"yhat": "ŷ", "eta": "η", "ell": "ℓ"}


def _index_text(index) -> str:
    return sympy.sstr(index).replace(" ", "")


class UnicodePrinter(NotationPrinter, StrPrinter):
    """StrPrinter that names the model's quantities through a notation."""

    printmethod = "_derive_unicode"  # Indexed's own _sympystr would bypass the notation
    names = functions.UNICODE_NAMES

    def _name_text(self, name):
        return name.unicode()

    def _group(self, text):
        return f"({text})"

    def _index(self, index):
        return _index_text(index)

    def _subscripted(self, label, indices):
        return label + subscript(indices)

    def _loss(self):
        return self.notation.loss_name.replace("_k", "ₖ")

    def _plain_symbol(self, symbol, style):
        return _SPECIAL_SYMBOLS.get(symbol.name, symbol.name)

    def _unnamed_function(self, expr, exp=None):
        return self._call(self._unnamed_head(expr), expr.args)

    def _unnamed_head(self, expr):
        """The generic loss ℓ(ŷ, y) of the general theorem is ``ell`` to SymPy."""
        return _SPECIAL_SYMBOLS.get(expr.func.__name__, expr.func.__name__)

    def _prime(self, head, variable):
        return f"{head}′({variable})"

    def _partial_fraction(self, top, bottom):
        return f"∂{top}/" + "".join("∂" + v for v in bottom)

    def _sum_sign(self, index, low, high):
        low_text = f"{_index_text(index)}={_index_text(low)}"
        return f"Σ{subscript(low_text)}{_bound(self._print(high))}"

    def _sum_body(self, expr):
        return self.parenthesize(expr, PRECEDENCE["Mul"], strict=True)

    def _transpose_needs_group(self, inner):
        return not inner.isalpha() and not inner.endswith("ᵀ")

    def _matmul_level(self, expr):
        return precedence(expr)

    def _print_Mul(self, expr):
        return super()._print_Mul(expr).replace("*", "·")

    def _print_Pow(self, expr, rational=False):
        base, exponent = expr.args
        if exponent.is_Integer and 1 < exponent <= 9:
            base_text = self.parenthesize(base, PRECEDENCE["Pow"], strict=True)
            if (base.is_Symbol or base.is_Indexed) and base_text[-1] in _SCRIPTS:
                base_text = f"({base_text})"  # (a²ⱼ)², not a²ⱼ²
            return base_text + superscript(str(exponent))
        return super()._print_Pow(expr, rational).replace("**", "^")

    def _print_Max(self, expr):
        return self._call("max", expr.args)

    def _print_Min(self, expr):
        return self._call("min", expr.args)

    def _print_MatrixSymbol(self, expr):
        return matrices.unicode(expr) or expr.name


def _bound(text: str) -> str:
    plain = text.replace(" ", "")
    if all(ch in "0123456789" for ch in plain):
        return superscript(plain)
    return f"^{plain}" if len(plain) <= 2 else f"^({plain})"


def unicode(expr, notation: Notation, roles=None) -> str:
    """One line of Unicode for ``expr``."""
    return UnicodePrinter(notation, roles).doprint(expr)
