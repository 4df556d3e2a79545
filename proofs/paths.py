"""Theorem (d), the explanation: for L = 3 the chain rule is a sum over
paths, and grouping the paths by their first edge is the δ recursion.

A path from weight w¹_jk to the loss runs x_k → unit j of layer 1 → unit h
of layer 2 → output o.  Its term is the product of the local derivatives
along it:  x_k · f₁'(z¹_j) · w²_hj · f₂'(z²_h) · w³_oh · f₃'(z³_o) · ∂ℓ/∂a³_o.
With the units j, k symbolic and the sums unevaluated (the network as the
kernel's per-layer definitions, :func:`proofs.index_form.define_network`),
the kernel derives ∂E/∂w¹_jk by the finite chain rule, layer by layer, as
x_k f₁'(z¹_j) Σ_h w²_hj [f₂'(z²_h) Σ_o w³_oh ∂ℓ/∂a³_o f₃'(z³_o)] — the paths
grouped by their first edge j → h — and checks (1) that this is the double
sum over paths (linearity of finite sums) and (2) that it is x_k δ¹_j, the
step the seed calls "从而可以推导出".  Every weight w¹_jk at once, at a
cost that does not grow with the widths; the sum shown for w¹₁₁ is the
theorem at j = k = 1 with its sums written out by the kernel.
"""

from __future__ import annotations

import math

import sympy

from derive.derivation import indexed
from derive.derivation.gradients import Derivation
from derive.derivation.indexed import E, J, K, a, delta, w, y, z
from derive.support.errors import InputError
from proofs.index_form import R, define_network, derivative_down, written_out
from proofs.kernel import Kernel, ProofError
from proofs.network import UNIT
from proofs.statements import PATHS, STATEMENTS
from proofs.theorem import TheoremOutcome, checked

NAME = PATHS
STATEMENT = STATEMENTS[NAME]

SHOWN_PATHS_LIMIT = 64
"""Up to this many paths the sum for w¹₁₁ is also written out, term by term,
and compared with the one the report and write-up print."""

SECONDS_LIMIT = 5.0
"""A part of the theorem whose estimated cost (:func:`cost`) is above this is
not attempted, and the reason is reported: the main job stays in seconds."""
SECONDS_PER_TERM = 0.6e-3
"""Calibrated on one quiet core (widths 2,8,8,n₃, bce, custom activations
whose path products expand to 36 to 3 000 terms): comparing the sum written
out took 0.39–0.53 ms per expanded term and path, the theorem for symbolic
units 0.55–0.58 ms per term of one path; this constant errs on the slow side."""
UNIT_PART_WEIGHT = 1
"""The symbolic-unit comparison costs about as much as this many written-out paths."""


def _terms(expr: sympy.Expr) -> int:
    """Additive terms of ``expr`` with its products and whole powers multiplied
    out, like terms not collected: counted on the tree, so that the estimate
    of an expansion never performs it.  Function applications and
    reciprocals count as one term, as the kernel's algebra treats them."""
    if expr.is_Add:
        return sum(_terms(arg) for arg in expr.args)
    if expr.is_Mul:
        return math.prod(_terms(arg) for arg in expr.args)
    if expr.is_Pow and expr.exp.is_Integer and expr.exp > 1:
        return _terms(expr.base) ** int(expr.exp)
    return 1


def path_terms(network) -> int:
    """Terms of one path's product f₁'·f₂'·f₃'·∂ℓ/∂ŷ multiplied out: the kernel's
    algebra expands it, so it is the product of the factors' term counts
    (3·2·2·3 = 36 for x·σ(x), x/(1+|x|), σ and bce; 3 000 for three
    three-term activations whose derivatives have ten terms each)."""
    spec = network.spec
    counts = [_terms(spec.activation(layer).derivative) for layer in (1, 2, 3)]
    return math.prod(counts) * _terms(spec.loss.derivative)


def cost(network) -> tuple[float, float]:
    """Estimated seconds of (the theorem for symbolic units, the comparison
    of the sum written out for w¹₁₁, 0 where it is not written out)."""
    per_path = SECONDS_PER_TERM * path_terms(network)
    shown = network.width(2) * network.width(3)
    return UNIT_PART_WEIGHT * per_path, per_path * shown if shown <= SHOWN_PATHS_LIMIT else 0.0


NORMALISED_OUTPUT = (
    "a softmax output is not one path per output unit: each a^L_k depends on every "
    "z^L_j, so the paths branch through the whole output layer; the index-form and "
    "per-unit theorems cover every weight"
)


def feasible(network) -> str | None:
    """None, or why the theorem is not attempted (its symbolic-unit part
    alone would take longer than :data:`SECONDS_LIMIT`)."""
    if network.spec.normalised_output:
        return NORMALISED_OUTPUT
    units, _ = cost(network)
    if units > SECONDS_LIMIT:
        return (
            f"estimated {units:.3g} s > {SECONDS_LIMIT:g} s (each path's product "
            f"f₁'·f₂'·f₃'·∂ℓ/∂ŷ multiplies out to {path_terms(network):,} terms)"
        )
    return None


def writes_out(network) -> str | None:
    """None where the sum for w¹₁₁ is written out and compared, or why not."""
    paths = network.width(2) * network.width(3)
    if paths > SHOWN_PATHS_LIMIT:
        return f"{paths} paths > {SHOWN_PATHS_LIMIT}"
    _, shown = cost(network)
    if shown > SECONDS_LIMIT:
        return (
            f"estimated {shown:.3g} s > {SECONDS_LIMIT:g} s ({paths} paths of "
            f"{path_terms(network):,} terms each)"
        )
    return None


H = sympy.Symbol("h", integer=True, positive=True)
O = sympy.Symbol("o", integer=True, positive=True)


def path_sum(derivation: Derivation, unit: int, source: int) -> sympy.Expr:
    """Σ over paths of the products of local derivatives, in layer symbols."""
    net = derivation.network
    if net.depth != 3:
        raise InputError(f"the sum over paths is shown for --layers 3, not {net.depth}")
    slope = lambda layer, u: derivation.activation_derivative(layer, u, through_output=False)  # noqa: E731
    terms = []
    for h in range(1, net.width(2) + 1):
        for o in range(1, net.width(3) + 1):
            terms.append(
                sympy.Mul(
                    net.a[0][source - 1],
                    slope(1, unit),
                    net.weights[2][h - 1][unit - 1],
                    slope(2, h),
                    net.weights[3][o - 1][h - 1],
                    slope(3, o),
                    derivation.loss_derivative(o),
                )
            )
    return sympy.Add(*terms)


def grouped_by_first_edge(
    derivation: Derivation, unit: int, source: int, named: bool = False
) -> sympy.Expr:
    """x_k f₁'(z¹_j) Σ_h w²_hj [f₂'(z²_h) Σ_o w³_oh δ³_o], δ³_o written out, or
    (``named``) left as the symbols δ³_o that the output rule defines."""
    net = derivation.network
    slope = lambda layer, u: derivation.activation_derivative(layer, u, through_output=False)  # noqa: E731
    delta3 = [derivation.loss_derivative(o) * slope(3, o) for o in range(1, net.width(3) + 1)]
    if named:
        delta3 = list(net.delta[3])
    inner = [
        slope(2, h)
        * sympy.Add(*(net.weights[3][o][h - 1] * delta3[o] for o in range(net.width(3))))
        for h in range(1, net.width(2) + 1)
    ]
    outer = sympy.Add(*(net.weights[2][h][unit - 1] * inner[h] for h in range(net.width(2))))
    return net.a[0][source - 1] * slope(1, unit) * outer


def indexed_path_sum(network) -> sympy.Expr:
    """Σ_h Σ_o of the path products for w¹_jk, units symbolic."""
    spec = network.spec
    slope = lambda layer, unit: spec.activation(layer).derivative_at(z[layer, unit])  # noqa: E731
    product = (
        a[0, K]
        * slope(1, J)
        * w[2, H, J]
        * slope(2, H)
        * w[3, O, H]
        * slope(3, O)
        * spec.loss.derivative_at(a[3, O], y[O])
    )
    return sympy.Sum(sympy.Sum(product, (O, 1, network.width(3))), (H, 1, network.width(2)))


def _scalar(net, expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with integer units, in the model's scalar symbols (w2_1_3 …)."""
    return expr.replace(
        lambda node: isinstance(node, sympy.Indexed), lambda node: indexed.scalar(net, node)
    )


def prove_paths(derivation: Derivation, kernel: Kernel | None = None) -> TheoremOutcome:
    kernel = kernel or Kernel()
    net = derivation.network

    def body(facts):
        if net.depth != 3:
            raise ProofError("paths", f"the sum over paths is proved for L = 3, not {net.depth}")
        _, deltas = define_network(kernel, net)
        n0, n1 = net.width(0), net.width(1)
        within = [sympy.Q.le(1, J), sympy.Q.le(J, n1), sympy.Q.le(1, K), sympy.Q.le(K, n0)]
        # ∂E/∂w¹_jk = x_k ∂E/∂z¹_j, then down through the layers, unit by unit.
        weight = kernel.chain_rule(E, w[1, J, K], z[1, UNIT], R, within)
        grouped = kernel.rewrite(weight, derivative_down(kernel, net, 1, J, {2: H, 3: O}))
        paths = kernel.equal_by_algebra(grouped, indexed_path_sum(net))
        facts.append(paths)
        # Grouped by the first edge it is x_k δ¹_j.
        named = kernel.rewrite(weight, kernel.symmetry(kernel.instantiate(deltas[1], {UNIT: J})))
        facts.append(kernel.equal_by_algebra(named, a[0, K] * delta[1, J]))
        # The sum shown for w¹₁₁ is this theorem at j = k = 1, written out.
        if writes_out(net) is not None:
            return
        shown = written_out(kernel, kernel.instantiate(paths, {J: 1, K: 1}))
        facts.append(kernel.algebra(_scalar(net, shown.rhs), path_sum(derivation, 1, 1)))
        # … and grouped, it is the program's own recursion for w¹₁₁, its δ's
        # substituted layer by layer.
        grouped_shown = written_out(kernel, kernel.instantiate(grouped, {J: 1, K: 1}))
        program = derivation.gradient(net.weights[1][0][0]).delta_form
        for layer in (1, 2, 3):
            program = program.xreplace(
                {
                    net.delta[layer][u - 1]: derivation.delta_definition(
                        layer, u, through_output=False
                    )
                    for u in range(1, net.width(layer) + 1)
                }
            )
        facts.append(kernel.algebra(_scalar(net, grouped_shown.rhs), program))

    return checked(NAME, STATEMENT, body)
