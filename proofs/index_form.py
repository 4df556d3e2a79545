"""Theorem (b) for networks of any size: the index-form rules the program
prints, proved layer by layer with the units symbolic and every sum left
unevaluated, so that a layer of 784 units costs what a layer of 8 does.

The scalar proof (:mod:`proofs.per_unit`) checks one formula per unit and
per weight, which is what a network of a few hundred parameters needs; a
network of 100 layers of 64 units has 400 000 weights, and the program
states its gradients as four index-form rules (:func:`derive.derivation.indexed.rules`)
instead.  This proof checks those rules directly.

The kernel is given the network as one definition per layer and quantity,
for every unit at once, with the widths concrete:

  E := Σ_{k=1}^{n_L} ℓ(a^L_k, y_k),   a^l_k := f_l(z^l_k),
  z^l_k := Σ_{i=1}^{n_{l−1}} w^l_ki a^{l−1}_i ± b^l_k,   δ^l_k := ∂E/∂z^l_k.

Each rule at each layer is then two or three steps of the kernel's finite
chain rule (:meth:`proofs.kernel.Kernel.chain_rule`), whose side condition
— E is built from u only through v_1 … v_m — the kernel checks against
these definitions:

* output: ∂E/∂z^L_j = ∂E/∂a^L_j · f'(z^L_j), and ∂E/∂a^L_j = ℓ'(a^L_j, y_j)
  from E's definition;
* hidden: ∂E/∂z^l_j = ∂E/∂a^l_j · f'(z^l_j) and
  ∂E/∂a^l_j = Σ_{k=1}^{n_{l+1}} ∂E/∂z^{l+1}_k · w^{l+1}_kj, so
  δ^l_j = f'(z^l_j) Σ_i w^{l+1}_ij δ^{l+1}_i;
* weights and biases: ∂E/∂w^l_jk = Σ_r δ^l_r [r = j] a^{l−1}_k = δ^l_j a^{l−1}_k,
  and ∂E/∂b^l_j = ±δ^l_j.

Kronecker deltas collapse under 1 ≤ j ≤ n_l; the sums Σ_k stay sums, and
the last step compares each with the printed rule taking each sum as a
whole.  No step is assumed.
"""

from __future__ import annotations

import sympy

from derive.derivation import indexed
from derive.derivation.indexed import E, J, K, Rule, a, b, w, z
from derive.model.network import Network
from derive.spec import registry
from derive.support.progress import QUIET, Progress
from proofs import network, softmax
from proofs.kernel import Fact, Kernel, ProofError
from proofs.network import UNIT
from proofs.statements import INDEX_FORM, STATEMENTS
from proofs.theorem import TheoremOutcome, checked

R = sympy.Symbol("r", integer=True, positive=True)

STATEMENT = STATEMENTS[INDEX_FORM]


def _within(index, bound):
    return [sympy.Q.le(1, index), sympy.Q.le(index, bound)]


def define_network(kernel: Kernel, net: Network) -> tuple[dict[int, Fact], dict[int, Fact]]:
    """``net`` as the kernel's definitions (:func:`proofs.network.define_network`)."""
    spec = net.spec
    return network.define_network(
        kernel, spec.widths, spec.activations, spec.loss, spec.bias, net.bias_sign
    )


def layer_down(kernel: Kernel, net: Network, layer: int, unit, index) -> Fact:
    """⊢ ∂E/∂z^layer_unit = f'(z^layer_unit) Σ_index w^{layer+1}_{index,unit} ∂E/∂z^{layer+1}_index
    (the finite chain rule through a^layer, then through z^{layer+1}), or at
    the output layer ∂E/∂z^L_unit = ∂ℓ/∂a^L_unit f_L'(z^L_unit)."""
    within = [sympy.Q.le(1, unit), sympy.Q.le(unit, net.width(layer))]
    through = kernel.chain_rule(E, z[layer, unit], a[layer, UNIT], R, within)
    if layer == net.depth:
        return kernel.rewrite(through, kernel.partial(E, a[layer, unit], within))
    upward = kernel.chain_rule(E, a[layer, unit], z[layer + 1, UNIT], index, within)
    return kernel.rewrite(through, upward)


def derivative_down(
    kernel: Kernel, net: Network, layer: int, unit, letters: dict, output=None
) -> Fact:
    """:func:`layer_down` for every layer m from ``layer`` to the output, each
    ∂E/∂z^{m+1} replaced by the next layer's fact, the sum over the units of
    layer m indexed by ``letters[m]``.  The network must be defined in
    ``kernel`` (:func:`define_network`).  Each layer is proved at a free unit
    and instantiated at the letter of the sum it sits in.  ``output(unit)``,
    where given, is the output layer's fact ⊢ ∂E/∂z^L_unit = … (a softmax
    output's lemma, which :func:`layer_down` does not give)."""
    if layer == net.depth and output is not None:
        return output(unit)
    step = layer_down(kernel, net, layer, unit, letters.get(layer + 1))
    if layer == net.depth:
        return step
    free = sympy.Dummy("unit", integer=True, positive=True)
    above = derivative_down(kernel, net, layer + 1, free, letters, output)
    return kernel.rewrite(step, kernel.instantiate(above, {free: letters[layer + 1]}))


def written_out(kernel: Kernel, fact: Fact) -> Fact:
    """``fact`` with every sum on its right written out, outermost first, by
    the kernel's (elementary) sum expansion."""
    while True:
        sums = [node for node in sympy.preorder_traversal(fact.rhs) if isinstance(node, sympy.Sum)]
        if not sums:
            return fact
        fact = kernel.rewrite(fact, kernel.expand_sum(sums[0]))


class NetworkFacts:
    """The network defined in one kernel (:func:`define_network`), and the
    fact each rule rests on at a layer, for a symbolic unit j (and k),
    proved once and shared by the theorems that read it:

    * output:  δ^L_j = ∂ℓ/∂a^L_j · f_L'(z^L_j);
    * hidden:  δ^l_j = f_l'(z^l_j) Σ_{k=1}^{n_{l+1}} w^{l+1}_kj δ^{l+1}_k;
    * weight:  ∂E/∂w^l_jk = δ^l_j a^{l−1}_k;   bias:  ∂E/∂b^l_j = ±δ^l_j.

    Derivatives of f are SymPy's, at z (not yet written through the output);
    the index-form proof reads them in the program's printed form, the
    per-unit proof (:mod:`proofs.per_unit`) instantiates them at every unit."""

    def __init__(self, kernel: Kernel, network: Network):
        self.kernel = kernel
        self.network = network
        self.forward, self.deltas = define_network(kernel, network)
        self._proved: dict[tuple, Fact] = {}

    def delta(self, layer: int, unit) -> Fact:
        """⊢ δ^layer_unit = ∂E/∂z^layer_unit (the definition, at ``unit``)."""
        return self.kernel.instantiate(self.deltas[layer], {UNIT: unit})

    def named(self, fact: Fact, layer: int, unit) -> Fact:
        """``fact`` with ∂E/∂z^layer_unit written δ^layer_unit."""
        return self.kernel.rewrite(fact, self.kernel.symmetry(self.delta(layer, unit)))

    def rule(self, name: str, layer: int) -> Fact:
        """The fact behind the rule ``name`` at ``layer`` (see the class)."""
        key = (name, layer)
        if key not in self._proved:
            self._proved[key] = self._prove(name, layer)
        return self._proved[key]

    def _prove(self, name: str, layer: int) -> Fact:
        net, kernel = self.network, self.kernel
        if name == "output delta" and net.spec.normalised_output:
            return self.softmax_lemma(layer, K)
        if name == "output delta":
            derivative = layer_down(kernel, net, layer, J, None)
            return kernel.transitivity(self.delta(layer, J), derivative)
        if name == "hidden delta":
            derivative = self.named(layer_down(kernel, net, layer, J, K), layer + 1, K)
            return kernel.transitivity(self.delta(layer, J), derivative)
        rows, columns = net.width(layer), net.width(layer - 1)
        if name == "weight gradient":
            parameter, conditions = w[layer, J, K], _within(J, rows) + _within(K, columns)
        elif name == "bias gradient":
            parameter, conditions = b[layer, J], _within(J, rows)
        else:
            raise ProofError("rule", f"unknown rule {name!r}")
        derivative = kernel.chain_rule(E, parameter, z[layer, UNIT], R, conditions)
        return self.named(derivative, layer, J)

    def softmax_lemma(self, layer: int, index) -> Fact:
        """The softmax output lemma, units symbolic and every sum unevaluated:
        δ^L_j = Σ_k ∂ℓ/∂a^L_k · a^L_k ([k = j] − a^L_j), summed over ``index``
        (k for the rules; another letter where k names something else).

        The finite chain rule through the whole output layer gives
        δ^L_j = Σ_k ℓ'(a_k, y_k) ∂a_k/∂z_j, with ∂a_k/∂z_j SymPy's derivative of
        the definition a_k = e^{z_k} / Σ_t e^{z_t}: the quotient rule, whose
        second term is there for every k ≠ j.  Both sides are then read
        through that definition and compared body by body."""
        net, kernel = self.network, self.kernel
        width = net.width(layer)
        within_j = _within(J, width)
        through = kernel.chain_rule(E, z[layer, J], a[layer, UNIT], index, within_j)
        slope = kernel.partial(E, a[layer, index], _within(index, width))
        chain = kernel.transitivity(self.delta(layer, J), kernel.rewrite(through, slope))
        forward = [kernel.instantiate(self.forward[layer], {UNIT: unit}) for unit in (index, J)]
        lemma = indexed.jacobian_sum(net.spec, width, layer).xreplace({K: index})
        reading = kernel.rewrite_all(kernel.reflexivity(lemma), forward)
        chain = kernel.rewrite_all(chain, forward[:1])
        return kernel.transitivity(
            kernel.equal_by_algebra(chain, reading.rhs), kernel.symmetry(reading)
        )


class IndexFormProof:
    """Proves ``rules`` (the program's by default) for ``network``."""

    def __init__(
        self,
        network: Network,
        rules: list[Rule] | None = None,
        kernel: Kernel | None = None,
        progress: Progress = QUIET,
    ):
        self.network = network
        self.rules = rules if rules is not None else indexed.rules(network)
        self.kernel = kernel or Kernel()
        self.progress = progress
        self.facts: NetworkFacts | None = None
        """The network's facts, once defined: the per-unit proof reads them."""
        self._slopes: dict[str, Fact] = {}
        self._at = ""

    # -- matching the printed rule ----------------------------------------------

    def _slope_fact(self, layer: int) -> list[Fact]:
        """f'(z) = g(f(z)) where the program writes f' through the output a = f(z)
        (σ' = σ(1 − σ), relu' = H(a), softplus' = 1 − e^{−a}), proved once per
        activation and instantiated at z^layer_j."""
        activation = self.network.spec.activation(layer)
        through_output = activation.derivative_from_output(activation.expr)
        if through_output is None or activation.derivative.is_Number:
            return []  # nothing to write through the output (identity: f' = 1)
        if activation.name not in self._slopes:
            self._slopes[activation.name] = self.kernel.simplification(
                activation.derivative, through_output
            )
        return [self.kernel.instantiate(self._slopes[activation.name], {registry.X: z[layer, J]})]

    def _matches(self, fact: Fact, program: sympy.Expr, layer: int | None = None) -> Fact:
        """fact.lhs = ``program``, where the program's a^layer_j is read with the
        forward pass and f'(z) in ``fact`` is written through the output
        where the program does so."""
        kernel = self.kernel
        reading = kernel.reflexivity(program)
        if layer is not None:
            slopes = self._slope_fact(layer)
            if slopes:
                fact = kernel.rewrite_all(fact, slopes)
            forward = kernel.instantiate(self.facts.forward[layer], {UNIT: J})
            if program.has(a[layer, J]):
                reading = kernel.rewrite(reading, forward)
            if fact.rhs.has(a[layer, J]):
                fact = kernel.rewrite(fact, forward)
        return kernel.transitivity(
            kernel.equal_by_algebra(fact, reading.rhs), kernel.symmetry(reading)
        )

    def _program(self, rule: Rule, layer: int) -> sympy.Expr:
        """The rule's right-hand side at ``layer``, sums bounded by the widths."""
        return network.rule_statement(rule.equation, layer, self.network.spec.widths)[1]

    # -- one rule at one layer -----------------------------------------------------

    def _softmax_rule(self, program: sympy.Expr, layer: int) -> Fact:
        """δ^L_j = the printed softmax rule: the lemma's sum split by linearity,
        [k = j] collapsed, then — only where the spec declares it — the
        hypothesis Σ_k y_k = 1, by name; the printed rule's own sums are split
        the same way, and the two sides compared with each sum as a whole."""
        kernel, spec = self.kernel, self.network.spec
        lemma = self.facts.rule("output delta", layer)
        if not spec.targets_sum_to_one:
            return softmax.split(kernel, lemma, program)
        exact = indexed.softmax_delta(spec, self.network.width(layer), layer, hypothesis=False)
        fact = softmax.split(kernel, lemma, exact)
        total, one = network.targets_hypothesis(spec.widths)
        hypothesis = kernel.assume(network.TARGETS_SUM_TO_ONE, total, one, network.TARGETS_REASON)
        if fact.rhs.has(total):
            fact = kernel.rewrite(fact, hypothesis)
        return kernel.equal_by_algebra(fact, program)

    def _rule_fact(self, rule: Rule, layer: int) -> Fact:
        if rule.name == "output delta" and self.network.spec.normalised_output:
            return self._softmax_rule(self._program(rule, layer), layer)
        fact = self.facts.rule(rule.name, layer)
        read_at = layer if rule.name in ("output delta", "hidden delta") else None
        return self._matches(fact, self._program(rule, layer), read_at)

    def _meaning(self, rule: Rule, layer: int) -> sympy.Expr:
        """What the rule's left-hand side names at ``layer``: δ^l_j, or the
        partial derivative ∂E/∂w^l_jk, ∂E/∂b^l_j it writes as dE/dw."""
        return network.rule_statement(rule.equation, layer, self.network.spec.widths)[0]

    def _rule_at(self, rule: Rule, layer: int) -> Fact:
        fact = self._rule_fact(rule, layer)
        if fact.lhs != self._meaning(rule, layer):
            raise ProofError("rule", f"the {rule.name} rule does not state {fact.lhs} here")
        return fact

    # -- the rules at every layer ------------------------------------------------------

    def _covered(self) -> None:
        """Each rule must be stated for exactly the layers it applies to."""
        expected = network.rule_layers(self.network.depth, self.network.spec.bias)
        stated: dict[str, list[int]] = {name: [] for name in expected}
        for rule in self.rules:
            if rule.name not in stated:
                raise ProofError("rule", f"unknown rule {rule.name!r}")
            stated[rule.name].extend(rule.layers)
        for name, layers in expected.items():
            if sorted(stated[name]) != sorted(layers):
                raise ProofError(
                    "rule",
                    f"the {name} rule is stated for layers {sorted(stated[name])}, "
                    f"not {sorted(layers)}",
                )

    def run(self) -> TheoremOutcome:
        def body(facts):
            self._at = "rules"
            self._covered()
            self.facts = NetworkFacts(self.kernel, self.network)
            steps = sum(len(rule.layers) for rule in self.rules)
            done = 0
            for rule in self.rules:
                for layer in rule.layers:
                    self._at = f"{rule.name}, layer {layer}"
                    self.progress.update("index-form rules", done, steps)
                    facts.append(self._rule_at(rule, layer))
                    done += 1
            self.progress.close()

        outcome = checked(INDEX_FORM, STATEMENT, body)
        if outcome.failure:
            outcome.failure = f"{self._at}: {outcome.failure}"
        return outcome
