"""How a claim spells each quantity, per notation: the plain-syntax name, the
model quantity it stands for (kind and layer, as in
:class:`derive.model.network.Role`), how many unit indices it takes and in
which order, and how it is written for messages.  Each :class:`Notation`
(:mod:`derive.notation.naming`) holds its table; the claim parsers look names
up in it through :mod:`derive.claims.names`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Quantity:
    """A nameable quantity.

    ``kind`` is the model's (x, y, a, z, w, b, delta) or ``s`` for the
    watermelon book's weighted sums α_h, β_j (z without its threshold).
    ``layer`` is fixed (xigua) or None when written as the first index
    (layer notation).  ``order`` maps written unit indices to the model's:
    the book writes v_ih for the weight the model calls w¹_hi.  ``sign`` is
    −1 for g and e, the negated δ's.
    """

    name: str
    kind: str
    layer: int | None
    units: int = 1
    order: tuple[int, ...] = (0,)
    sign: int = 1
    description: str = ""
    example: tuple[str, str] = ("", "")
    """How it is written, plain and LaTeX, for messages: ("w[h,j]", "w_{hj}")."""

    @property
    def layered(self) -> bool:
        return self.layer is None and self.kind not in ("x", "y", "loss")

    @property
    def is_parameter(self) -> bool:
        return self.kind in ("w", "b")


@dataclass(frozen=True)
class Size:
    """A width n_l (``layer`` fixed, or None when written ``n[l]``) or the depth L."""

    name: str
    layer: int | None
    depth: bool = False


XIGUA = {
    "x": Quantity("x", "x", None, description="input", example=("x[i]", "x_i")),
    "y": Quantity("y", "y", None, description="target", example=("y[j]", "y_j")),
    "yhat": Quantity("yhat", "a", 2, description="output", example=("yhat[j]", r"\hat{y}_j")),
    "b": Quantity("b", "a", 1, description="hidden output", example=("b[h]", "b_h")),
    "alpha": Quantity(
        "alpha", "s", 1, description="hidden input", example=("alpha[h]", r"\alpha_h")
    ),
    "beta": Quantity(
        "beta", "s", 2, description="output-layer input", example=("beta[j]", r"\beta_j")
    ),
    "v": Quantity(
        "v", "w", 1, 2, (1, 0), description="input-to-hidden weight", example=("v[i,h]", "v_{ih}")
    ),
    "w": Quantity(
        "w", "w", 2, 2, (1, 0), description="hidden-to-output weight", example=("w[h,j]", "w_{hj}")
    ),
    "gamma": Quantity(
        "gamma", "b", 1, description="hidden threshold", example=("gamma[h]", r"\gamma_h")
    ),
    "theta": Quantity(
        "theta", "b", 2, description="output threshold", example=("theta[j]", r"\theta_j")
    ),
    "g": Quantity(
        "g", "delta", 2, sign=-1, description="output gradient term", example=("g[j]", "g_j")
    ),
    "e": Quantity(
        "e", "delta", 1, sign=-1, description="hidden gradient term", example=("e[h]", "e_h")
    ),
    "E": Quantity("E", "loss", None, 0, (), description="loss", example=("E", "E_k")),
}
LAYER = {
    "x": Quantity("x", "x", None, description="input", example=("x[k]", "x_k")),
    "y": Quantity("y", "y", None, description="target", example=("y[j]", "y_j")),
    "a": Quantity("a", "a", None, description="activation", example=("a[l][j]", "a^{l}_{j}")),
    "z": Quantity("z", "z", None, description="pre-activation", example=("z[l][j]", "z^{l}_{j}")),
    "w": Quantity(
        "w", "w", None, 2, (0, 1), description="weight", example=("w[l][j,k]", "w^{l}_{jk}")
    ),
    "b": Quantity("b", "b", None, description="bias", example=("b[l][j]", "b^{l}_{j}")),
    "delta": Quantity(
        "delta", "delta", None, description="δ = ∂E/∂z", example=("delta[l][j]", r"\delta^{l}_{j}")
    ),
    "E": Quantity("E", "loss", None, 0, (), description="loss", example=("E", "E")),
}

XIGUA_SIZES = {"d": Size("d", 0), "q": Size("q", 1), "l": Size("l", 2)}
LAYER_SIZES = {"n": Size("n", None), "L": Size("L", None, depth=True)}
