"""The names the generated trainer gives the model's quantities.

Within one layer's code, the index-form quantities are NumPy arrays with
fixed names (``z``, ``a``, ``a_below``, ``delta``, ``weight``, ...) that the
trainer template's layer functions take as arguments; the printer replaces
each quantity by its array, so the names are the template's contract and are
declared here, next to the quantities' other names.
"""

from __future__ import annotations

import sympy

from derive.notation.quantities import J, K, a, b, delta, w, y, z


def array_names(layer: int) -> dict[sympy.Indexed, str]:
    """Each index-form quantity that layer ``layer``'s code reads, and the
    array holding it (either index order of a weight: w_jk and w_kj)."""
    return {
        z[layer, J]: "z",
        a[layer, J]: "a",
        a[layer, K]: "a",
        a[layer - 1, K]: "a_below",
        y[J]: "y",
        delta[layer, J]: "delta",
        delta[layer + 1, K]: "delta_above",
        w[layer + 1, K, J]: "weight_above",
        w[layer + 1, J, K]: "weight_above",
        w[layer, J, K]: "weight",
        w[layer, K, J]: "weight",
        b[layer, J]: "bias",
    }
