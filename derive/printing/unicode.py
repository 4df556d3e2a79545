"""Unicode printing of the model's expressions in a chosen notation.

A :class:`UnicodePrinter` is SymPy's ``StrPrinter`` with the model's names:
symbols and indexed quantities are looked up in a :class:`~derive.model.network.Role`
table and named by the notation; products print with ``·``, small integer
powers as superscripts, sums as ``Σ``.  It prints one line per formula, which
is what a terminal and a diff want.
"""

from __future__ import annotations

import sympy
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from derive.model.network import Role
from derive.notation import matrices
from derive.notation.naming import Notation, subscript, superscript
from derive.notation.quantities import LAYERED_KINDS
from derive.spec import functions

_FUNCTION_NAMES = functions.UNICODE_NAMES

_SCRIPTS = set("ᵢⱼₖₗₘₙₕₐₑₒₓₚₛₜ₀₁₂₃₄₅₆₇₈₉⁰¹²³⁴⁵⁶⁷⁸⁹ˡⁿ⁺⁻")

_SPECIAL_SYMBOLS = {"yhat": "ŷ", "eta": "η", "ell": "ℓ"}


def _index_text(index) -> str:
    return sympy.sstr(index).replace(" ", "")


class UnicodePrinter(StrPrinter):
    """StrPrinter that names the model's quantities through a notation."""

    printmethod = "_derive_unicode"  # Indexed's own _sympystr would bypass the notation

    def __init__(self, notation: Notation, roles: dict[sympy.Symbol, Role] | None = None):
        super().__init__()
        self.notation = notation
        self.roles = roles or {}

    def _name(self, kind, layer, indices):
        name = self.notation.name_of(kind, layer, tuple(indices))
        return name.unicode(), name.compound

    def _print_Symbol(self, symbol):
        role = self.roles.get(symbol)
        if role is None:
            if symbol.name == "E":
                return self.notation.loss_name.replace("_k", "ₖ")
            return _SPECIAL_SYMBOLS.get(symbol.name, symbol.name)
        layer = None if role.layer is None else str(role.layer)
        text, compound = self._name(role.kind, layer, tuple(map(str, role.indices)))
        return f"({text})" if compound else text

    def _print_Indexed(self, expr):
        kind = expr.base.name
        indices = [_index_text(i) for i in expr.indices]
        if kind in LAYERED_KINDS:
            layer, indices = indices[0], indices[1:]
        else:
            layer = None
        text, compound = self._name(kind, layer, indices)
        return f"({text})" if compound else text

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

    def _print_Function(self, expr):
        name = expr.func.__name__
        if name == "Delta":
            return "Δ" + self._print(expr.args[0])
        shown = _FUNCTION_NAMES.get(name, name)
        return f"{shown}({', '.join(self._print(a) for a in expr.args)})"

    def _print_Heaviside(self, expr):
        return f"H({self._print(expr.args[0])})"

    def _print_Max(self, expr):
        return f"max({', '.join(self._print(a) for a in expr.args)})"

    def _print_Min(self, expr):
        return f"min({', '.join(self._print(a) for a in expr.args)})"

    def _print_Sum(self, expr):
        body = self.parenthesize(expr.function, PRECEDENCE["Mul"], strict=True)
        bounds = []
        for index, low, high in expr.limits:
            low_text = f"{_index_text(index)}={_index_text(low)}"
            high_text = self._print(high)
            bounds.append(f"Σ{subscript(low_text)}{_bound(high_text)}")
        return " ".join(bounds) + " " + body

    def _print_Derivative(self, expr):
        inner = expr.expr
        variables = expr.variables
        if (
            isinstance(inner, sympy.Function)
            and len(variables) == 1
            and inner.args == (variables[0],)
        ):
            return f"{self._print_Function(inner).split('(')[0]}′({self._print(variables[0])})"
        top = self._print(expr.expr)
        bottom = "".join(
            "∂" + self._print(v) for v, count in expr.variable_count for _ in range(count)
        )
        return f"∂{top}/{bottom}"

    def _print_Equality(self, expr):
        return f"{self._print(expr.lhs)} = {self._print(expr.rhs)}"

    def _print_Transpose(self, expr):
        inner = self._print(expr.arg)
        if not inner.isalpha() and not inner.endswith("ᵀ"):
            inner = f"({inner})"
        return inner + "ᵀ"

    def _print_MatMul(self, expr):
        coefficient, matrices = expr.as_coeff_mmul()
        if coefficient == -1:
            return "-" + self._print(sympy.MatMul(*matrices.args))
        return "·".join(self.parenthesize(a, precedence(expr), strict=True) for a in expr.args)

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
