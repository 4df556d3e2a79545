"""The symbols every stage names a network's quantities with, in index form.

``w[l, j, k]`` is w^l_jk, ``delta[l + 1, k]`` is δ^{l+1}_k, ``n[l]`` the width
of layer l, and ``a[0, k]`` the input x_k.  This module imports SymPy only,
so the certificate checker (:mod:`proofs.replay`) reads the same names the
proofs wrote, without loading the pipeline that wrote them.
"""

from __future__ import annotations

import sympy

LAYER = sympy.Symbol("l", integer=True, positive=True)
J = sympy.Symbol("j", integer=True, positive=True)
K = sympy.Symbol("k", integer=True, positive=True)
E = sympy.Symbol("E")

w = sympy.IndexedBase("w", real=True)
b = sympy.IndexedBase("b", real=True)
z = sympy.IndexedBase("z", real=True)
a = sympy.IndexedBase("a", real=True)
y = sympy.IndexedBase("y", real=True)
delta = sympy.IndexedBase("delta", real=True)
s = sympy.IndexedBase("s", real=True)
"""A unit's weighted sum before its threshold (α_h, β_j in the watermelon
book, which names it apart from z = s − θ)."""
n = sympy.IndexedBase("n")


def targets_total(width) -> sympy.Sum:
    """Σ_{k=1}^{width} y_k: 1 for every sample under ``--targets-sum-to-1``,
    the one hypothesis a proof may name (:data:`proofs.network.TARGETS_SUM_TO_ONE`)."""
    return sympy.Sum(y[K], (K, 1, width))


LAYERED_KINDS = ("w", "b", "z", "a", "delta", "n")
"""The kinds whose first index is the layer (w[l, j, k]); x and y have none."""

# -- scalar names --------------------------------------------------------------------------------
# The model's one symbol per number is named ``w2_1_3`` (w²₁₃: layer 2, unit 1,
# input 3), ``b2_1``, ``z2_1``, ``a2_1``, ``delta2_1``, ``x_1``, ``y_1``.  These
# strings are written into derivation.json and read by the proofs, so they are
# formed here and read back here, nowhere else.

SCALAR_INDEXED = {"w": w, "b": b, "z": z, "a": a, "delta": delta}
"""The layered kinds a scalar name can carry, and their index-form bases."""

_SCALAR_INDEX_COUNT = {"w": 2, "b": 1, "z": 1, "a": 1, "delta": 1, "x": 1, "y": 1}


def scalar_name(kind: str, layer: int | None, indices: tuple[int, ...]) -> str:
    """The model's name for one number: the kind, the layer (none for x and
    y), then the 1-based unit indices, each after an underscore."""
    return f"{kind}{'' if layer is None else layer}_" + "_".join(map(str, indices))


def scalar_quantity(name: str) -> sympy.Indexed | None:
    """The index-form quantity :func:`scalar_name` names: ``w3_1_2`` is
    w[3, 1, 2], ``x_2`` the input a[0, 2], ``delta2_1`` δ[2, 1]; None for any
    name it would not have written (zero or leading-zero numbers, wrong index
    counts, other letters)."""
    head, _, rest = name.partition("_")
    kind = head.rstrip("0123456789")
    layer_text = head[len(kind) :]
    parts = rest.split("_") if rest else []
    numbers = [layer_text, *parts] if layer_text else parts
    if not all(p.isdigit() and p.isascii() and p[0] != "0" for p in numbers):
        return None
    if _SCALAR_INDEX_COUNT.get(kind) != len(parts) or (kind in ("x", "y")) == bool(layer_text):
        return None
    values = [int(p) for p in numbers]
    if kind == "x":
        return a[0, values[0]]
    if kind == "y":
        return y[values[0]]
    return SCALAR_INDEXED[kind][tuple(values)]
