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
The assumed equations, the one definition and the conclusions' left sides
are stated in :mod:`proofs.principles`, which ``python -m proofs verify``
reads too: a certificate's general theorem may assume exactly those.
"""

from __future__ import annotations

import sympy

from derive.derivation import indexed
from derive.derivation.indexed import LAYER, J, K, a, n, z
from derive.model.network import Network
from derive.spec import registry
from derive.spec.network import NetworkSpec
from proofs import principles
from proofs.kernel import Kernel
from proofs.principles import CHAIN_RULE, ELL, INDUCTION, OUTPUT, REASONS, within
from proofs.statements import GENERAL, GENERAL_SOFTMAX, STATEMENTS
from proofs.theorem import TheoremOutcome, checked

__all__ = ["CHAIN_RULE", "ELL", "INDUCTION", "GeneralProof", "generic_network", "prove_general"]


def generic_network(depth: int = OUTPUT, softmax: bool = False) -> Network:
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


class GeneralProof:
    """Theorem (c), or with ``softmax`` the same for a softmax output layer."""

    def __init__(self, kernel: Kernel | None = None, softmax: bool = False):
        self.kernel = kernel or Kernel()
        self.softmax = softmax
        self.network = generic_network(OUTPUT, softmax)
        self.program = {rule.name: rule.equation for rule in indexed.rules(self.network)}

    def output_layer(self) -> sympy.Expr:
        """∂/∂z^L_j Σ_k ℓ(f(z^L_k), y_k) = ∂₁ℓ(a^L_j, y_j)·f'(z^L_j)."""
        if self.softmax:
            return self.softmax_output()
        kernel = self.kernel
        derivative = kernel.differentiate(
            principles.output_loss(False), z[OUTPUT, J], within(J, n[OUTPUT])
        )
        ((name, value),) = principles.definitions(False)
        named = kernel.rewrite(derivative, kernel.symmetry(kernel.define(name, value)))
        return kernel.equal_by_algebra(named, self.program["output delta"].rhs)

    def softmax_output(self) -> sympy.Expr:
        """∂/∂z^L_j Σ_k ℓ(e^{z^L_k} / Σ_t e^{z^L_t}, y_k) = the printed softmax
        rule a^L_j (∂₁ℓ(a^L_j, y_j) − Σ_k a^L_k ∂₁ℓ(a^L_k, y_k)) with every
        a^L_u read as e^{z^L_u} / Σ_t e^{z^L_t}, the width n_L symbolic:
        SymPy's derivative (the quotient rule, its Kronecker deltas
        collapsed under 1 ≤ j ≤ n_L) and the rule, each sum over the outputs
        split by linearity, compared with each sum as a whole.  (The units
        a^L_j and a^L_k cannot both be defined: j may equal k.)"""
        kernel = self.kernel
        normaliser = principles.softmax_normaliser()
        outputs = {a[OUTPUT, u]: sympy.exp(z[OUTPUT, u]) / normaliser for u in (J, K)}
        loss = principles.output_loss(True)
        derivative = kernel.differentiate(loss, z[OUTPUT, J], within(J, n[OUTPUT]))
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

    def _chain(self, lhs, rhs, conditions, under):
        """The chain rule as assumed (:mod:`proofs.principles`), its inner
        derivative ∂z_i/∂u taken by the kernel under ``under``: Σ_i δ_i ∂z_i/∂u,
        computed."""
        chain = self.kernel.assume(CHAIN_RULE, lhs, rhs, REASONS[CHAIN_RULE], conditions)
        (inner,) = rhs.atoms(sympy.Derivative)
        local = self.kernel.differentiate(inner.expr, inner.variables[0], under)
        return self.kernel.rewrite(chain, local)

    def hidden_step(self):
        """Step l+1 → l: with δ^{l+1}_i = ∂E/∂z^{l+1}_i (the hypothesis),
        ∂E/∂z^l_j = f'(z^l_j) Σ_i w^{l+1}_ij δ^{l+1}_i.  (The chain rule holds
        for every j; its inner derivative is taken under 1 ≤ j ≤ n_l.)"""
        lhs, rhs, conditions = principles.hidden_chain_rule()
        step = self._chain(lhs, rhs, conditions, within(J, n[LAYER]))
        target = self.program["hidden delta"].rhs.xreplace({K: principles.I})
        return self.kernel.equal_by_algebra(step, target)

    def weight_and_bias(self):
        """∂E/∂w^l_jk = δ^l_j a^{l−1}_k and ∂E/∂b^l_j = δ^l_j."""
        facts = []
        for (lhs, rhs, conditions), rule in zip(
            principles.parameter_chain_rules(), ("weight gradient", "bias gradient"), strict=True
        ):
            step = self._chain(lhs, rhs, conditions, list(conditions))
            facts.append(self.kernel.equal_by_algebra(step, self.program[rule].rhs))
        return facts

    def run(self) -> TheoremOutcome:
        def body(facts):
            facts.append(self.output_layer())
            facts.append(self.hidden_step())
            lhs, rhs, _ = principles.induction()
            self.kernel.assume(INDUCTION, lhs, rhs, REASONS[INDUCTION])
            facts.extend(self.weight_and_bias())

        name = GENERAL_SOFTMAX if self.softmax else GENERAL
        outcome = checked(name, STATEMENTS[name], body)
        outcome.assumptions = tuple(self.kernel.assumed)
        return outcome


def prove_general(kernel: Kernel | None = None, softmax: bool = False) -> TheoremOutcome:
    return GeneralProof(kernel, softmax=softmax).run()
