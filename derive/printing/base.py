"""What the printers share: what a node of the model means and which name it
gets, decided once; each concrete printer adds only its syntax.

SymPy's printers dispatch on the class of a node (``_print_<Class>``), and
derive's three (:mod:`.unicode`, :mod:`.latex`, :mod:`.numpy`) sit on three
different SymPy printers (``StrPrinter``, ``LatexPrinter``, ``NumPyPrinter``).
The shared decisions therefore live in mixins placed before the SymPy class
in each printer's bases, the way SymPy's own ``CodePrinter`` subclasses
share ``_print_Function`` and differ only in their tables:

- :class:`RegistryPrinter` (all three): a function registered in
  :mod:`derive.spec.functions` prints from its entry, ahead of any form SymPy
  has for it; the printer says only which table it reads and how it writes
  a call.
- :class:`NotationPrinter` (the report and derivation.tex): a symbol, an
  indexed quantity or a matrix of the model is named by the notation
  (:mod:`derive.notation`); a derivative of f at its own variable is f′, any
  other a ∂-fraction; the increment Δ, sums, equations, transposes and
  matrix products are laid out the same way.  The printer says how a name,
  a group, a call, a fraction, a sum sign and a transpose are written.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy

from derive.model.network import Role
from derive.notation.naming import Name, Notation
from derive.notation.quantities import LAYERED_KINDS
from derive.spec import functions

_MODEL_KINDS = frozenset(LAYERED_KINDS) | {"x", "y", "s"}
"""Indexed kinds the notation names; any other (E_k of a batch, p_i of the
gradient) prints as its label with its indices."""

_NOTATION_LAYERED = frozenset(LAYERED_KINDS) | {"s"}
"""Indexed kinds whose first index is the layer (s: the watermelon book's α, β)."""


class RegistryPrinter:
    """A registered function prints from its registry entry.

    A concrete printer gives :meth:`_function_form` (its column of the
    registry) and, where it is not Python's, its call syntax (:meth:`_call`)."""

    def _function_form(self, expr: sympy.Function) -> tuple[str, tuple] | None:
        """(callee, arguments written with :data:`functions.ARG`) for ``expr``'s
        class, or None where the registry gives this printer no form."""
        raise NotImplementedError

    def _call(self, callee: str, arguments, **kwargs) -> str:
        """``callee`` applied to ``arguments`` (SymPy expressions), as Python
        and plain text write it."""
        return f"{callee}({', '.join(self._argument(a) for a in arguments)})"

    def _argument(self, expr) -> str:
        """A function's argument as printed inside its call's parentheses."""
        return self._print(expr)

    def _print(self, expr, **kwargs):
        """Ahead of SymPy's own form (erf as math.erf, θ for Heaviside): a form
        names the function's first argument (Heaviside's second, its value at
        0, is for the code printer's own method)."""
        form = self._function_form(expr) if isinstance(expr, sympy.Function) else None
        if form is None:
            return super()._print(expr, **kwargs)
        callee, arguments = form
        argument = expr.args[0]
        shown = [sympy.sympify(a).xreplace({functions.ARG: argument}) for a in arguments]
        return self._call(callee, shown, **kwargs)


class NotationPrinter(RegistryPrinter):
    """Names the model's quantities through a notation; the syntax is the
    concrete printer's (the methods below that raise NotImplementedError,
    and the class attributes)."""

    names: Mapping[str, str]
    """The registry's display-name column this printer reads (SymPy class name → name)."""
    INCREMENT = "Δ"
    """What precedes a parameter to make its increment (Δw)."""
    TRANSPOSE = "ᵀ"
    MATMUL = "·"
    """Between the factors of a matrix product."""

    def _as_ordered_terms(self, expr, order=None):
        """A sum's terms, positive ones first, as books write them: y − ŷ,
        1 − a, a − y, never −ŷ + y (SymPy's own order otherwise); the
        terminal and derivation.tex alike."""
        terms = list(super()._as_ordered_terms(expr, order=order))
        return sorted(terms, key=lambda term: term.could_extract_minus_sign())  # stable

    def __init__(self, notation: Notation, roles: dict[sympy.Symbol, Role] | None = None, *args):
        super().__init__(*args)
        self.notation = notation
        self.roles = roles or {}

    def _argument(self, expr) -> str:
        """A compound name (β_j − θ_j) brings its own parentheses; inside a
        call it needs no second pair: σ(β_j − θ_j), not σ((β_j − θ_j))."""
        text = self._print(expr)
        opening, closing = self._group("\0").split("\0")
        named = isinstance(expr, (sympy.Indexed, sympy.Symbol))  # a name, by index or per unit
        if named and text.startswith(opening) and text.endswith(closing):
            return text[len(opening) : len(text) - len(closing)]
        return text

    # -- syntax, given by each printer ----------------------------------------------------------

    def _name_text(self, name: Name) -> str:
        raise NotImplementedError

    def _group(self, text: str) -> str:
        """``text`` in parentheses."""
        raise NotImplementedError

    def _index(self, index) -> str:
        """An index as a subscript shows it."""
        raise NotImplementedError

    def _subscripted(self, label: str, indices: str) -> str:
        raise NotImplementedError

    def _loss(self) -> str:
        """The loss as the notation names it (E, E_k)."""
        raise NotImplementedError

    def _plain_symbol(self, symbol: sympy.Symbol, style: str) -> str:
        """A symbol the model does not name (η, an index letter)."""
        raise NotImplementedError

    def _unnamed_function(self, expr, exp=None) -> str:
        """A function the registry gives no name."""
        raise NotImplementedError

    def _unnamed_head(self, expr) -> str:
        """The name of such a function, as its derivative f′ shows it."""
        raise NotImplementedError

    def _prime(self, head: str, variable: str) -> str:
        raise NotImplementedError

    def _partial_fraction(self, top: str, bottom: list[str]) -> str:
        """∂top over ∂ each of ``bottom``."""
        raise NotImplementedError

    def _sum_sign(self, index, low, high) -> str:
        raise NotImplementedError

    def _sum_body(self, expr) -> str:
        raise NotImplementedError

    def _transpose_needs_group(self, inner: str) -> bool:
        raise NotImplementedError

    def _matmul_level(self, expr) -> int:
        """The precedence a factor of ``expr`` is parenthesised against."""
        raise NotImplementedError

    # -- meaning, shared ------------------------------------------------------------------------

    def _function_form(self, expr):
        name = self.names.get(type(expr).__name__)
        return None if name is None else (name, (functions.ARG,))

    def _quantity(self, kind: str, layer: str | None, indices) -> str:
        """The notation's name of a quantity; a compound one (α_h − γ_h) grouped."""
        name = self.notation.name_of(kind, layer, tuple(indices))
        text = self._name_text(name)
        return self._group(text) if name.compound else text

    def _print_Symbol(self, symbol, style="plain"):
        role = self.roles.get(symbol)
        if role is not None:
            layer = None if role.layer is None else str(role.layer)
            return self._quantity(role.kind, layer, tuple(map(str, role.indices)))
        if symbol.name == "E":
            return self._loss()
        return self._plain_symbol(symbol, style)

    def _print_Indexed(self, expr):
        kind = expr.base.name
        indices = [self._index(i) for i in expr.indices]
        if kind not in _MODEL_KINDS:
            return self._subscripted(expr.base.label.name, ",".join(indices))
        layer = None
        if kind in _NOTATION_LAYERED:
            layer, indices = indices[0], indices[1:]
        return self._quantity(kind, layer, indices)

    def _print_Function(self, expr, exp=None):
        """Reached only by a function the registry gives no name: the
        increment Δw, or one SymPy or the printer names."""
        if expr.func.__name__ == "Delta":
            return self.INCREMENT + self._print(expr.args[0])
        return self._unnamed_function(expr, exp)

    def _print_Derivative(self, expr):
        """f′(u) for the derivative of f at its own variable, else ∂E/∂w."""
        inner = expr.expr
        variables = expr.variables
        if (
            isinstance(inner, sympy.Function)
            and len(variables) == 1
            and inner.args == (variables[0],)
        ):
            form = self._function_form(inner)
            head = self._unnamed_head(inner) if form is None else form[0]
            return self._prime(head, self._print(variables[0]))
        bottom = [self._print(v) for v, count in expr.variable_count for _ in range(count)]
        return self._partial_fraction(self._print(inner), bottom)

    def _print_KroneckerDelta(self, expr, exp=None):
        """[j = k], Iverson's bracket: δ_jk would read as the δ of backpropagation."""
        left, right = (self._print(a) for a in expr.args)
        text = f"[{left} = {right}]"
        return text if exp is None else f"{text}^{{{exp}}}"

    def _print_Sum(self, expr):
        signs = [self._sum_sign(index, low, high) for index, low, high in expr.limits]
        return " ".join([*signs, self._sum_body(expr.function)])

    def _print_Equality(self, expr):
        return f"{self._print(expr.lhs)} = {self._print(expr.rhs)}"

    def _print_Transpose(self, expr):
        inner = self._print(expr.arg)
        if self._transpose_needs_group(inner):
            inner = self._group(inner)
        return inner + self.TRANSPOSE

    def _print_MatMul(self, expr):
        coefficient, matrices = expr.as_coeff_mmul()
        if coefficient == -1:
            return "-" + self._print(sympy.MatMul(*matrices.args))
        level = self._matmul_level(expr)
        return self.MATMUL.join(self.parenthesize(a, level, strict=True) for a in expr.args)
