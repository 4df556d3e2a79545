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
n = sympy.IndexedBase("n")
