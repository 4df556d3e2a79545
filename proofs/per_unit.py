"""Theorem (b) unit by unit: every scalar formula the program states — the
recursion of each δ^l_j and ∂E/∂p of each weight and bias — is a kernel
fact about the program's own symbols.

The index-form facts (:class:`proofs.index_form.NetworkFacts`) hold for a
symbolic unit j (and k) of each layer, proved by the finite chain rule from
the network's per-layer definitions:

* δ^L_j = ∂ℓ/∂a^L_j · f_L'(z^L_j),
* δ^l_j = f_l'(z^l_j) Σ_i w^{l+1}_ij δ^{l+1}_i,
* ∂E/∂w^l_jk = δ^l_j a^{l−1}_k and ∂E/∂b^l_j = ±δ^l_j.

Each is instantiated at every unit, its sum over the layer above written out
by the kernel's sum expansion, and compared with the program's formula
(:class:`derive.derivation.gradients.Derivation`) read in the indexed names.  The
reading goes through the kernel too: each model symbol is a definition of
the quantity it names (z2_1 := z[2, 1], x1 := a[0, 1]), so the conclusion
δ2_1 = (the program's formula) is a fact about the program's symbols, and a
wrong formula is refused here, unit by unit.  Nothing is proved per unit
that grows with the width: the cost is one instance per formula, linear in
the number of parameters.
"""

from __future__ import annotations

import sympy

from derive.derivation.gradients import Derivation
from derive.derivation.indexed import J, K
from derive.notation.quantities import scalar_quantity
from derive.support.progress import QUIET, Progress
from proofs.index_form import NetworkFacts, written_out
from proofs.kernel import Fact, Kernel
from proofs.statements import HIDDEN_LAYERS, OUTPUT_LAYER, PARAMETERS
from proofs.statements import STATEMENTS as ALL
from proofs.theorem import TheoremOutcome, checked


class PerUnitProof:
    """Proves the per-unit formulas of ``derivation``.  ``facts``, where given,
    are the index-form proof's (the same kernel): each fact is proved once."""

    def __init__(
        self,
        derivation: Derivation,
        kernel: Kernel | None = None,
        progress: Progress = QUIET,
        facts: NetworkFacts | None = None,
    ):
        self.derivation = derivation
        self.network = derivation.network
        self.facts = facts
        self.kernel = facts.kernel if facts is not None else (kernel or Kernel())
        self.progress = progress
        self._names: dict[sympy.Symbol, Fact] = {}
        self._at = ""  # the formula being checked, for failure messages

    # -- the program's names, as definitions ----------------------------------------

    def _name(self, symbol: sympy.Symbol) -> Fact:
        """⊢ symbol = the indexed quantity it names: a definition of a fresh name."""
        if symbol not in self._names:
            self._names[symbol] = self.kernel.define(symbol, scalar_quantity(symbol.name))
        return self._names[symbol]

    def _read(self, formula: sympy.Expr) -> Fact:
        """⊢ formula = the same formula in the indexed names."""
        net = self.network
        # The model makes its symbols on first use: make them all, so that
        # every symbol of the network has its role.
        net.x, net.y, net.z, net.a, net.delta, net.weights, net.biases  # noqa: B018
        symbols = sorted((s for s in formula.free_symbols if s in net.roles), key=str)
        names = [self._name(s) for s in symbols]  # defined before any fact mentions them
        fact = self.kernel.reflexivity(formula)
        return self.kernel.rewrite_all(fact, names) if names else fact

    # -- one formula -------------------------------------------------------------------

    def _instance(self, rule: str, layer: int, mapping: dict) -> Fact:
        """The index-form fact behind ``rule`` at ``layer``, at the units of
        ``mapping``, its sums written out."""
        if self.facts is None:
            self.facts = NetworkFacts(self.kernel, self.network)
        fact = self.kernel.instantiate(self.facts.rule(rule, layer), mapping)
        return written_out(self.kernel, fact)

    def _matches(self, instance: Fact, formula: sympy.Expr) -> Fact:
        """instance.lhs = ``formula``: the same expression once read in the
        indexed names, or failing that equal by algebra."""
        reading = self._read(formula)
        if instance.rhs != reading.rhs:
            instance = self.kernel.equal_by_algebra(instance, reading.rhs)
        return self.kernel.transitivity(instance, self.kernel.symmetry(reading))

    def _delta(self, layer: int, unit: int) -> Fact:
        """⊢ δ^layer_unit (the program's symbol) = its formula in the program."""
        net = self.network
        self._at = f"δ{layer}_{unit}"
        rule = "output delta" if layer == net.depth else "hidden delta"
        instance = self._instance(rule, layer, {J: unit})
        formula = self.derivation.delta_definition(layer, unit, through_output=False)
        fact = self._matches(instance, formula)
        return self.kernel.transitivity(self._name(net.delta[layer][unit - 1]), fact)

    def _gradient(self, parameter: sympy.Symbol) -> Fact:
        """⊢ ∂E/∂p = the program's formula for ∂E/∂p."""
        role = self.network.roles[parameter]
        self._at = f"∂E/∂{parameter}"
        if role.kind == "w":
            unit, column = role.indices
            instance = self._instance("weight gradient", role.layer, {J: unit, K: column})
        else:
            instance = self._instance("bias gradient", role.layer, {J: role.indices[0]})
        return self._matches(instance, self.derivation.gradient(parameter).delta_form)

    # -- the theorems ---------------------------------------------------------------------

    def output_layer(self) -> TheoremOutcome:
        net = self.network

        def body(facts):
            for unit in range(1, net.width(net.depth) + 1):
                facts.append(self._delta(net.depth, unit))

        return self._checked("output layer", body)

    def hidden_layers(self) -> TheoremOutcome:
        net = self.network

        def body(facts):
            for layer in range(net.depth - 1, 0, -1):
                self.progress.update("hidden layers", net.depth - layer, net.depth - 1)
                for unit in range(1, net.width(layer) + 1):
                    facts.append(self._delta(layer, unit))

        return self._checked("hidden layers", body)

    def parameters(self) -> TheoremOutcome:
        net = self.network

        def body(facts):
            for layer in range(1, net.depth + 1):
                self.progress.update("weights and biases", layer - 1, net.depth)
                for parameter in net.parameters(layer):
                    facts.append(self._gradient(parameter))

        return self._checked("weights and biases", body)

    def run(self) -> list[TheoremOutcome]:
        outcomes = [self.output_layer()]
        if self.network.depth > 1:
            outcomes.append(self.hidden_layers())
        outcomes.append(self.parameters())
        self.progress.close()
        return outcomes

    def _checked(self, name: str, body) -> TheoremOutcome:
        outcome = checked(name, STATEMENTS[name], body)
        if outcome.failure:
            outcome.failure = f"{self._at}: {outcome.failure}"
        return outcome


STATEMENTS = {name: ALL[name] for name in (OUTPUT_LAYER, HIDDEN_LAYERS, PARAMETERS)}
