"""Theorem (c): the δ recursion for every depth and every width at once.

Widths are symbols n_l, units are index letters, sums run to symbolic
bounds; the activation is the generic f (derivative f') and the loss a
generic ℓ(ŷ, y), so the result holds for every differentiable choice.
SymPy differentiates sums of indexed terms into Kronecker deltas, which the
kernel collapses under 1 ≤ j ≤ n_l.  Two principles are assumed and named:

* the multivariable chain rule for a symbolic number of variables
  (∂E/∂u = Σ_k ∂E/∂v_k · ∂v_k/∂u), which SymPy cannot state for a symbolic
  count of arguments;
* downward induction over the layers: the base case at the output layer and
  the step l+1 → l give the recursion at every layer l = L−1, …, 1.

The conclusions are compared with the index-form rules the program prints
(:func:`derive.derivation.indexed.rules`) for a network with the generic activation.
"""

from __future__ import annotations

import sympy

from derive.derivation import indexed
from derive.derivation.indexed import LAYER, J, K, a, b, delta, n, w, y, z
from derive.model.network import Network
from derive.spec import registry
from derive.spec.network import NetworkSpec
from proofs.kernel import Kernel
from proofs.statements import GENERAL, GENERAL_SOFTMAX, STATEMENTS
from proofs.theorem import TheoremOutcome, checked

ELL = sympy.Function("ell")
"""A generic per-output loss ℓ(ŷ, y)."""

I = sympy.Symbol("i", integer=True, positive=True)
T = sympy.Symbol("t", integer=True, positive=True)

CHAIN_RULE = "multivariable chain rule for a symbolic number of variables"
INDUCTION = "downward induction over the layers l = L−1, …, 1"
CHAIN_RULE_WHY = (
    "∂E/∂u = Σ_i ∂E/∂v_i ∂v_i/∂u where E depends on u only through v_1..v_n: "
    "z^l through z^{l+1}, and w^l, b^l through z^l"
)


def generic_network(depth: int = 3, softmax: bool = False) -> Network:
    """A network whose rules carry the generic activation and loss, with a
    softmax output layer where asked."""
    loss = registry.Loss("ell", ELL(registry.YHAT, registry.Y))
    widths = (2,) * (depth + 1)
    activations = (registry.GENERIC_ACTIVATION,) * depth
    if softmax:
        activations = activations[:-1] + (registry.ACTIVATIONS["softmax"],)
    return Network(NetworkSpec(widths, activations, loss))


def _read(expr: sympy.Expr, outputs: dict) -> sympy.Expr:
    """``expr`` with each output a^L_u read as its value, inside the sums over
    the outputs too (``subs`` leaves a sum's own index alone), derivatives
    by a^L_u becoming derivatives at the value (SymPy's Subs)."""
    inside = expr.replace(
        lambda node: isinstance(node, sympy.Sum),
        lambda node: sympy.Sum(node.function.subs(outputs), *node.limits),
    )
    return inside.subs(outputs)


def _within(index, bound):
    return [sympy.Q.le(1, index), sympy.Q.le(index, bound)]


class GeneralProof:
    """Theorem (c), or with ``softmax`` the same for a softmax output layer."""

    def __init__(self, kernel: Kernel | None = None, depth: int = 3, softmax: bool = False):
        self.kernel = kernel or Kernel()
        self.softmax = softmax
        self.network = generic_network(depth, softmax)
        self.program = {rule.name: rule.equation for rule in indexed.rules(self.network)}

    def output_layer(self) -> sympy.Expr:
        """∂/∂z^L_j Σ_k ℓ(f(z^L_k), y_k) = ∂₁ℓ(a^L_j, y_j)·f'(z^L_j)."""
        if self.softmax:
            return self.softmax_output()
        kernel, depth = self.kernel, self.network.depth
        loss = sympy.Sum(ELL(registry.f(z[depth, K]), y[K]), (K, 1, n[depth]))
        derivative = kernel.differentiate(loss, z[depth, J], _within(J, n[depth]))
        outputs = kernel.symmetry(kernel.define(a[depth, J], registry.f(z[depth, J])))
        named = kernel.rewrite(derivative, outputs)
        return kernel.equal_by_algebra(named, self.program["output delta"].rhs)

    def softmax_output(self) -> sympy.Expr:
        """∂/∂z^L_j Σ_k ℓ(e^{z^L_k} / Σ_t e^{z^L_t}, y_k) = the printed softmax
        rule a^L_j (∂₁ℓ(a^L_j, y_j) − Σ_k a^L_k ∂₁ℓ(a^L_k, y_k)) with every
        a^L_u read as e^{z^L_u} / Σ_t e^{z^L_t}, the width n_L symbolic:
        SymPy's derivative (the quotient rule, its Kronecker deltas
        collapsed under 1 ≤ j ≤ n_L) and the rule, each sum over the outputs
        split by linearity, compared with each sum as a whole.  (The units
        a^L_j and a^L_k cannot both be defined: j may equal k.)"""
        kernel, depth = self.kernel, self.network.depth
        normaliser = sympy.Sum(sympy.exp(z[depth, T]), (T, 1, n[depth]))
        outputs = {a[depth, u]: sympy.exp(z[depth, u]) / normaliser for u in (J, K)}
        loss = sympy.Sum(ELL(outputs[a[depth, K]], y[K]), (K, 1, n[depth]))
        derivative = kernel.differentiate(loss, z[depth, J], _within(J, n[depth]))
        derivative = self._split(derivative, normaliser)
        program = _read(self.program["output delta"].rhs, outputs)
        reading = self._split(kernel.reflexivity(program), normaliser)
        return kernel.transitivity(
            kernel.equal_by_algebra(derivative, reading.rhs), kernel.symmetry(reading)
        )

    def _split(self, fact, normaliser):
        """``fact`` with each sum on its right but the normaliser split by linearity."""
        for total in sorted(fact.rhs.atoms(sympy.Sum), key=sympy.default_sort_key):
            if total != normaliser:
                pieces = self.kernel.linear_sum(total)
                if pieces.rhs != total:
                    fact = self.kernel.rewrite(fact, pieces)
        return fact

    def hidden_step(self):
        """Step l+1 → l: with δ^{l+1}_i = ∂E/∂z^{l+1}_i (the hypothesis),
        ∂E/∂z^l_j = f'(z^l_j) Σ_i w^{l+1}_ij δ^{l+1}_i."""
        kernel = self.kernel
        conditions = _within(J, n[LAYER])
        above = (
            sympy.Sum(w[LAYER + 1, I, K] * registry.f(z[LAYER, K]), (K, 1, n[LAYER]))
            + b[LAYER + 1, I]
        )
        local = kernel.differentiate(above, z[LAYER, J], conditions)
        chain = kernel.assume(
            CHAIN_RULE,
            sympy.Derivative(indexed.E, z[LAYER, J]),
            sympy.Sum(delta[LAYER + 1, I] * local.lhs, (I, 1, n[LAYER + 1])),
            CHAIN_RULE_WHY,
        )
        step = kernel.rewrite(chain, local)
        target = self.program["hidden delta"].rhs.xreplace({K: I})
        return kernel.equal_by_algebra(step, target)

    def weight_and_bias(self):
        """∂E/∂w^l_jk = δ^l_j a^{l−1}_k and ∂E/∂b^l_j = δ^l_j."""
        kernel = self.kernel
        inner = sympy.Symbol("r", integer=True, positive=True)
        unit = sympy.Sum(w[LAYER, I, inner] * a[LAYER - 1, inner], (inner, 1, n[LAYER - 1]))
        unit = unit + b[LAYER, I]
        facts = []
        for parameter, rule, extra in (
            (w[LAYER, J, K], "weight gradient", _within(K, n[LAYER - 1])),
            (b[LAYER, J], "bias gradient", []),
        ):
            conditions = _within(J, n[LAYER]) + extra
            local = kernel.differentiate(unit, parameter, conditions)
            chain = kernel.assume(
                CHAIN_RULE,
                sympy.Derivative(indexed.E, parameter),
                sympy.Sum(delta[LAYER, I] * local.lhs, (I, 1, n[LAYER])),
                CHAIN_RULE_WHY,
                conditions,
            )
            step = kernel.rewrite(chain, local)
            facts.append(kernel.equal_by_algebra(step, self.program[rule].rhs))
        return facts

    def run(self) -> TheoremOutcome:
        def body(facts):
            facts.append(self.output_layer())
            facts.append(self.hidden_step())
            self.kernel.assume(
                INDUCTION,
                delta[LAYER, J],
                delta[LAYER, J],
                "the base case and the step l+1 → l give every layer",
            )
            facts.extend(self.weight_and_bias())

        name = GENERAL_SOFTMAX if self.softmax else GENERAL
        return checked(name, STATEMENTS[name], body)


def prove_general(kernel: Kernel | None = None, softmax: bool = False) -> TheoremOutcome:
    return GeneralProof(kernel, softmax=softmax).run()
