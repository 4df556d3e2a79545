"""Theorem (d), the explanation: for L = 3 the expanded chain rule is a sum
over paths, and grouping the paths by their first edge is the δ recursion.

A path from weight w¹_jk to the loss runs x_k → unit j of layer 1 → unit h
of layer 2 → output o.  Its term is the product of the local derivatives
along it:  x_k · f₁'(z¹_j) · w²_hj · f₂'(z²_h) · w³_oh · f₃'(z³_o) · ∂ℓ/∂a³_o.
The kernel checks (1) that the derivative of the fully expanded loss is the
sum of these terms, and (2) that the sum regrouped by the first edge j → h,
x_k f₁'(z¹_j) Σ_h w²_hj [f₂'(z²_h) Σ_o w³_oh δ³_o], is x_k δ¹_j with the
δ's the program computes — the step the seed calls "从而可以推导出".
"""

from __future__ import annotations

import sympy

from derive.errors import InputError
from derive.gradients import Derivation
from proofs.kernel import Kernel
from proofs.layered import Verdict, checked

NAME = "sum over paths (L = 3)"
STATEMENT = (
    "L = 3: ∂E/∂w¹_jk is the sum over paths j → h → o of x_k f'(z¹_j) w²_hj f'(z²_h) "
    "w³_oh f'(z³_o) ∂ℓ/∂a³_o; grouped by the first edge j → h it is x_k δ¹_j"
)


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


def prove_paths(derivation: Derivation, kernel: Kernel | None = None) -> Verdict:
    kernel = kernel or Kernel()
    net = derivation.network

    def body(facts):
        for unit in range(1, net.width(1) + 1):
            for source in range(1, net.width(0) + 1):
                weight = net.weights[1][unit - 1][source - 1]
                paths = path_sum(derivation, unit, source)
                derivative = kernel.differentiate(net.loss_expanded, weight, shared=True)
                facts.append(
                    kernel.equal_by_algebra(
                        derivative,
                        paths.xreplace(net.expansion),
                        opaque=net.pre_activations_expanded,
                    )
                )
                grouped = kernel.algebra(paths, grouped_by_first_edge(derivation, unit, source))
                # The program's own recursion, δ's substituted layer by layer.
                program = derivation.gradient(weight).delta_form
                for layer in (1, 2, 3):
                    program = program.xreplace(
                        {
                            net.delta[layer][u - 1]: derivation.delta_definition(
                                layer, u, through_output=False
                            )
                            for u in range(1, net.width(layer) + 1)
                        }
                    )
                facts.append(kernel.equal_by_algebra(grouped, program))

    return checked(NAME, STATEMENT, body)
