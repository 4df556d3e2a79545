"""The book's network as one case of a network of any depth.

The watermelon book names the quantities of its one-hidden-layer network
one by one (v_ih, b_h, w_hj, g_j, e_h, θ_j, γ_h); the recursion for any
number of hidden layers needs a layer index, which only the layer notation
has.  This module gives both halves as SymPy expressions, for the terminal
report and derivation.tex alike:

* the dictionary: each book quantity and the same quantity in the layer
  notation (one expression, printed by each notation's printer; the book's
  errors carry its minus sign, g_j = −δ²_j);
* the rules of the theorem for every depth and width
  (:mod:`proofs.general`: generic activation f and loss ℓ, proved by the
  kernel with two named assumptions), with the output layer written L.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from derive.derivation import indexed
from derive.derivation.indexed import K, a, b, delta, w, z
from derive.model.network import Network
from derive.notation.naming import Notation
from derive.support.language import N_
from proofs.general import generic_network

DEPTH = sympy.Symbol("L", integer=True, positive=True)
H, I, J = (sympy.Symbol(letter, integer=True, positive=True) for letter in "hij")
LETTERS = ("h", "i", "j")
"""The unit letters an entry's meaning names as ``%(h)s`` fields, so that
each output sets them its way (italic $h$ in LaTeX, plain h in the terminal)."""


@dataclass(frozen=True)
class Entry:
    """One quantity: how the book writes it and how the layer notation does."""

    book: sympy.Expr
    layered: sympy.Expr
    meaning: str


def dictionary(network: Network, book: Notation) -> list[Entry]:
    """The book's quantities of a two-layer ``network`` in the layer notation:
    the book prints each Indexed quantity by its own name, so the same
    expression printed twice is the dictionary; its errors are the
    negated derivatives (the notation's sign)."""
    sign = book.delta_sign
    entries = [
        Entry(a[0, I], a[0, I], N_("input")),
        Entry(w[1, H, I], w[1, H, I], N_("weight, input %(i)s to hidden unit %(h)s")),
        Entry(z[1, H], z[1, H], N_("weighted input of hidden unit %(h)s less its threshold")),
        Entry(a[1, H], a[1, H], N_("output of hidden unit %(h)s")),
        Entry(w[2, J, H], w[2, J, H], N_("weight, hidden unit %(h)s to output %(j)s")),
        Entry(z[2, J], z[2, J], N_("weighted input of output %(j)s less its threshold")),
        Entry(a[2, J], a[2, J], N_("output %(j)s")),
        Entry(delta[2, J], sign * delta[2, J], N_("output error")),
        Entry(delta[1, H], sign * delta[1, H], N_("hidden error")),
    ]
    if network.spec.bias:
        flip = book.bias_sign  # the theorem adds biases: a subtracted threshold is b negated
        thresholds = [
            Entry(b[1, H], flip * b[1, H], N_("threshold of hidden unit %(h)s, the bias negated")),
            Entry(b[2, J], flip * b[2, J], N_("threshold of output %(j)s, the bias negated")),
        ]
        entries = entries[:3] + thresholds[:1] + entries[3:6] + thresholds[1:] + entries[6:]
    return entries


def general_rules(softmax: bool = False) -> list[sympy.Eq]:
    """The theorem for every depth and width, as :mod:`proofs.general` states
    and proves it: generic f and ℓ, the output layer L, biases added; with
    ``softmax`` the variant whose output rule is the softmax lemma's."""
    network = generic_network(softmax=softmax)
    result = []
    for rule in indexed.rules(network):
        equation = rule.equation
        if rule.name == "output delta":  # stated at the generic network's own depth
            equation = equation.replace(
                lambda node: (
                    isinstance(node, sympy.Indexed)
                    and node.indices
                    and node.indices[0] == network.depth
                ),
                lambda node: node.base[(DEPTH, *node.indices[1:])],
            )
        if rule.name == "hidden delta":  # the layer above's units: i (k is the layer below)
            equation = indexed.substituted(equation, {K: I})
        result.append(equation)
    return result
