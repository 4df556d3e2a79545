"""The numbered equations of a derivation, shared by every output.

The trainer's comments and the LaTeX write-up cite equations by these
numbers, so a reader can go from a line of code to the step that justifies
it.  The numbering is the order a derivation is read in.
"""

from __future__ import annotations

EQUATIONS: tuple[tuple[str, str], ...] = (
    ("forward", "pre-activation z^l = W^l a^{l-1} + b^l"),
    ("activation", "activation a^l = f_l(z^l)"),
    ("loss", "per-sample loss E = sum_j l(yhat_j, y_j)"),
    ("update", "gradient-descent update p <- p - eta dE/dp"),
    ("stopping rule", "stop when the gradient norm ||grad Ebar|| < epsilon"),
    ("output delta", "output-layer delta^L"),
    ("hidden delta", "hidden-layer recursion delta^l from delta^{l+1}"),
    ("weight gradient", "dE/dW^l = delta^l (a^{l-1})^T"),
    ("bias gradient", "dE/db^l = delta^l"),
)

NUMBERS = {key: number for number, (key, _) in enumerate(EQUATIONS, start=1)}


def number(key: str) -> int:
    """The equation number of ``key`` (1-based)."""
    return NUMBERS[key]


def cite(key: str) -> str:
    """``eq. (n)``, as code comments cite it."""
    return f"eq. ({NUMBERS[key]})"
