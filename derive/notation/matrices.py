"""The matrix form's quantities: their stored names and how they print.

The names (``W3``, ``delta3``, ``a2``, ``D3``, ``dE/dW3``, ``dE/db3``,
``grad_E``) are what derivation.json stores (its codec keeps plain matrix
symbols), so they are formed here, read back only here by the exact inverse
of that forming, and printed from here: the printers ask this module for a
symbol's Unicode and LaTeX forms.
"""

from __future__ import annotations

import sympy

from derive.notation.naming import superscript

_NAMES = {
    "W": "W{}",
    "delta": "delta{}",
    "a": "a{}",
    "D": "D{}",
    "J": "J{}",
    "dW": "dE/dW{}",
    "db": "dE/db{}",
    "grad": "grad_E",
}
"""The stored name of each kind; ``grad`` (∇E = ∂E/∂a^L) has no layer."""

_UNICODE = {"W": "W", "delta": "δ", "a": "a", "D": "D", "J": "J", "dW": "∂E/∂W", "db": "∂E/∂b"}
_LATEX = {"W": "W", "delta": r"\delta", "a": "a", "D": "D", "J": "J"}


def matrix(kind: str, layer: int, rows, cols) -> sympy.MatrixSymbol:
    """The matrix quantity of ``kind`` (W, delta, a, D, J, dW, db, grad) at
    ``layer``; J^L = diag(a^L) − a^L (a^L)ᵀ is a softmax layer's Jacobian."""
    return sympy.MatrixSymbol(_NAMES[kind].format(layer), rows, cols)


def matrix_quantity(symbol: sympy.MatrixSymbol) -> tuple[str, int | None] | None:
    """(kind, layer) of a symbol :func:`matrix` made, the exact inverse of its
    names (``grad_E`` has no layer); None for any other matrix symbol."""
    name = symbol.name
    for kind, template in _NAMES.items():
        prefix = template.removesuffix("{}")
        if template == prefix:
            if name == template:
                return kind, None
            continue
        layer = name.removeprefix(prefix)
        if name.startswith(prefix) and layer.isdigit() and layer.isascii():
            if layer == str(int(layer)):
                return kind, int(layer)
    return None


def unicode(symbol: sympy.MatrixSymbol) -> str | None:
    """∇E, x for a⁰, else the base with the layer as a superscript (δ³,
    ∂E/∂W²); None where :func:`matrix` did not make the symbol."""
    found = matrix_quantity(symbol)
    if found is None:
        return None
    kind, layer = found
    if kind == "grad":
        return "∇E"
    if kind == "a" and layer == 0:
        return "x"
    return _UNICODE[kind] + superscript(str(layer))


def latex(symbol: sympy.MatrixSymbol, loss_name: str) -> str | None:
    """As :func:`unicode`, in LaTeX, the loss named ``loss_name`` (E or E_k)."""
    found = matrix_quantity(symbol)
    if found is None:
        return None
    kind, layer = found
    if kind == "grad":
        return r"\nabla " + loss_name
    if kind == "a" and layer == 0:
        return "x"
    if kind in ("dW", "db"):
        return rf"\frac{{\partial {loss_name}}}{{\partial {kind[1]}^{{{layer}}}}}"
    return f"{_LATEX[kind]}^{{{layer}}}"
