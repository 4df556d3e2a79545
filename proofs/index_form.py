"""Theorem (b) for networks of any size: the index-form rules the program
prints, proved layer by layer with the units left symbolic.

The scalar proof (:mod:`proofs.layered`) checks one formula per unit and
per weight, which is what a network of a few hundred parameters needs; a
network of 100 layers of 64 units has 400 000 weights, and the program
states its gradients as four index-form rules (:func:`derive.indexed.rules`)
instead.  This proof checks those rules directly.

For each layer *shape* (the widths on both sides, the activation, the
bias) one lemma is proved with the layer λ and the units j, k left as
symbols and the widths concrete — sums such as Σ_{i=1}^{64} w^{λ+1}_{ki}
f(z^λ_i) stay unevaluated, so a lemma costs O(width) steps, not O(width²)
per unit:

* hidden step: for an arbitrary G of n_{λ+1} variables, with
  z^{λ+1}_k := Σ_i w^{λ+1}_{ki} f(z^λ_i) + b^{λ+1}_k and
  δ^{λ+1}_k := (∂_k G)(z^{λ+1}),
  ∂/∂z^λ_j G(z^{λ+1}) = f'(z^λ_j) Σ_k w^{λ+1}_{kj} δ^{λ+1}_k  for 1 ≤ j ≤ n_λ;
* weights and biases: for an arbitrary H of n_λ variables, with
  δ^λ_k := (∂_k H)(z^λ),  ∂/∂w^λ_{jk} H(z^λ) = δ^λ_j a^{λ−1}_k  and
  ∂/∂b^λ_j H(z^λ) = ±δ^λ_j;
* base case, at the output layer: ∂/∂z^L_j Σ_k ℓ(f(z^L_k), y_k).

SymPy supplies the chain rule for the concrete number of arguments of G;
the Kronecker deltas of differentiating a sum collapse under 1 ≤ j ≤ n.
Each lemma ends on the program's rule with λ in place of the layer, and
instantiating λ := l gives the rule at every layer of that shape.  E is
G_{l+1}(z^{l+1}) by the network's definition, so the left-hand side at
layer l is ∂E/∂z^l_j = δ^l_j, and the rules hold at every layer.
"""

from __future__ import annotations

import sympy

from derive import indexed, registry
from derive.indexed import LAYER, J, K, Rule, a, b, delta, n, w, y, z
from derive.model import Network
from proofs.kernel import Fact, Kernel, ProofError
from proofs.layered import Verdict, _partial, checked
from proofs.progress import QUIET, Progress

I = sympy.Symbol("i", integer=True, positive=True)
R = sympy.Symbol("r", integer=True, positive=True)

GRADIENT = {
    "weight gradient": sympy.IndexedBase("dEdw", real=True),
    "bias gradient": sympy.IndexedBase("dEdb", real=True),
}
"""Names for ∂E/∂w^λ_jk and ∂E/∂b^λ_j in the lemmas."""

STATEMENT = (
    "the index-form rules above, at every layer each is stated for "
    "(units symbolic; one lemma per layer shape, instantiated per layer)"
)


def _within(index, bound):
    return [sympy.Q.le(1, index), sympy.Q.le(index, bound)]


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
        self._lemmas: dict[tuple, tuple[Fact, sympy.Symbol]] = {}
        self._at = ""

    # -- lemmas ------------------------------------------------------------------

    def _layer_symbol(self):
        """A fresh λ per lemma, so each lemma's definitions name new things."""
        return sympy.Dummy("l", integer=True, positive=True)

    def _program(self, rule: Rule, layer, widths: dict) -> sympy.Expr:
        """The rule's right-hand side at ``layer`` (a number or λ), sums bounded
        by the concrete widths."""
        return rule.equation.rhs.xreplace({LAYER: layer}).xreplace(widths)

    def _slope_fact(self, layer: int, point) -> list[Fact]:
        """f'(z) = g(f(z)) where the program writes f' through the output a = f(z)
        (σ' = σ(1 − σ), relu' = H(a), softplus' = 1 − e^{−a}), proved once per
        activation and instantiated at ``point``."""
        activation = self.network.spec.activation(layer)
        through_output = activation.derivative_from_output(activation.expr)
        if through_output is None:
            return []
        key = ("slope", activation.name)
        if key not in self._lemmas:
            self._lemmas[key] = self.kernel.simplification(
                activation.derivative, through_output, _DEFINITIONS
            )
        return [self.kernel.instantiate(self._lemmas[key], {registry.X: point})]

    def _matches(self, fact: Fact, program: sympy.Expr, activations: list[Fact], slopes=()) -> Fact:
        """fact.lhs = ``program``, where the program's a = f(z) is read with the
        forward pass (``activations``) and f'(z) in ``fact`` is written through
        the output where the program does so (``slopes``)."""
        kernel = self.kernel
        if slopes:
            fact = kernel.rewrite_all(fact, slopes)
        reading = kernel.reflexivity(program)
        if activations:
            reading = kernel.rewrite_all(reading, activations)
        return kernel.transitivity(
            kernel.equal_by_algebra(fact, reading.rhs), kernel.symmetry(reading)
        )

    def _named_points(self, fact: Fact, function, layer, pre_activations) -> Fact:
        """Name the partials of ``function``: the pre-activations ζ_k become
        z^layer_k (the forward pass), then (∂_k function)(z^layer) becomes
        δ^layer_k (the definition of δ as ∂E/∂z^layer_k)."""
        kernel = self.kernel
        width = len(pre_activations)
        point = [z[layer, k] for k in range(1, width + 1)]
        forward = [
            kernel.symmetry(kernel.define(z[layer, k], pre_activations[k - 1]))
            for k in range(1, width + 1)
        ]
        deltas = [
            kernel.symmetry(kernel.define(delta[layer, k], _partial(function, point, k)))
            for k in range(1, width + 1)
        ]
        return kernel.rewrite_all(kernel.rewrite_all(fact, forward), deltas)

    def _output_lemma(self, rule: Rule) -> Fact:
        net, kernel = self.network, self.kernel
        depth, width = net.depth, net.width(net.depth)
        activation = net.spec.activation(depth)
        total = sympy.Sum(net.spec.loss.at(activation.at(z[depth, K]), y[K]), (K, 1, width))
        derivative = kernel.differentiate(total, z[depth, J], _within(J, width))
        # With one output the sum has one term, and its derivative is stated at
        # unit 1, not at j: read the rule there too.
        unit = J if width > 1 else sympy.Integer(1)
        outputs = [kernel.define(a[depth, unit], activation.at(z[depth, unit]))]
        slopes = self._slope_fact(depth, z[depth, unit])
        program = self._program(rule, depth, {}).xreplace({J: unit})
        return self._matches(derivative, program, outputs, slopes)

    def _hidden_lemma(self, rule: Rule, layer: int) -> tuple[Fact, sympy.Symbol]:
        net, kernel = self.network, self.kernel
        below, above = net.width(layer), net.width(layer + 1)
        activation = net.spec.activation(layer)
        key = ("hidden", below, above, activation.name, id(rule))
        if key in self._lemmas:
            return self._lemmas[key]
        lam = self._layer_symbol()
        G = _fresh_function("G", key)
        pre_activations = [
            sympy.Sum(w[lam + 1, k, I] * activation.at(z[lam, I]), (I, 1, below))
            + (net.bias_sign * b[lam + 1, k] if net.spec.bias else 0)
            for k in range(1, above + 1)
        ]
        derivative = kernel.differentiate(G(*pre_activations), z[lam, J], _within(J, below))
        named = self._named_points(derivative, G, lam + 1, pre_activations)
        outputs = [kernel.define(a[lam, J], activation.at(z[lam, J]))]
        slopes = self._slope_fact(layer, z[lam, J])
        program = self._program(rule, lam, {n[lam + 1]: above})
        matched = self._matches(named, program, outputs, slopes)
        # δ^λ_j is ∂E/∂z^λ_j, and E = G(z^{λ+1}): the left-hand side by name.
        named_lhs = kernel.define(delta[lam, J], matched.lhs)
        self._lemmas[key] = (kernel.transitivity(named_lhs, matched), lam)
        return self._lemmas[key]

    def _parameter_lemma(self, rule: Rule, layer: int) -> tuple[Fact, sympy.Symbol]:
        net, kernel = self.network, self.kernel
        rows, columns = net.width(layer), net.width(layer - 1)
        key = (rule.name, rows, columns, id(rule))
        if key in self._lemmas:
            return self._lemmas[key]
        lam = self._layer_symbol()
        H = _fresh_function("H", key)
        pre_activations = [
            sympy.Sum(w[lam, k, I] * a[lam - 1, I], (I, 1, columns))
            + (net.bias_sign * b[lam, k] if net.spec.bias else 0)
            for k in range(1, rows + 1)
        ]
        if rule.name == "weight gradient":
            parameter, conditions = w[lam, J, K], _within(J, rows) + _within(K, columns)
        else:
            parameter, conditions = b[lam, J], _within(J, rows)
        derivative = kernel.differentiate(H(*pre_activations), parameter, conditions)
        named = self._named_points(derivative, H, lam, pre_activations)
        # The chain rule gives Σ_r [r = j]·t_r written out, one term per unit:
        # that is the sum Σ_{r=1}^{n} [r = j]·t_r, which is t_j for 1 ≤ j ≤ n.
        program = self._program(rule, lam, {})
        summand = sympy.KroneckerDelta(R, J) * program.xreplace({J: R})
        folded = kernel.symmetry(kernel.expand_sum(sympy.Sum(summand, (R, 1, rows))))
        as_sum = kernel.transitivity(kernel.equal_by_algebra(named, folded.lhs), folded)
        matched = kernel.equal_by_algebra(as_sum, program)
        # ∂E/∂p with E = H(z^λ), by name, so instances stay small.
        name = GRADIENT[rule.name][parameter.indices]
        self._lemmas[key] = (kernel.transitivity(kernel.define(name, matched.lhs), matched), lam)
        return self._lemmas[key]

    # -- the rules at every layer ------------------------------------------------------

    def _at_layer(self, lemma: Fact, lam, rule: Rule, layer: int, widths: dict) -> Fact:
        instance = self.kernel.instantiate(lemma, {lam: layer})
        lhs = rule.equation.lhs.xreplace({LAYER: layer})
        named = GRADIENT[rule.name][lhs.variables[0].indices] if rule.name in GRADIENT else lhs
        if instance.lhs != named or instance.rhs != self._program(rule, layer, widths):
            raise ProofError("rule", f"the lemma does not give the {rule.name} rule here")
        return instance

    def _covered(self) -> None:
        """Each rule must be stated for exactly the layers it applies to."""
        depth = self.network.depth
        expected = {
            "output delta": {depth},
            "hidden delta": set(range(1, depth)),
            "weight gradient": set(range(1, depth + 1)),
            "bias gradient": set(range(1, depth + 1)) if self.network.spec.bias else set(),
        }
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

    def run(self) -> Verdict:
        net = self.network

        def body(facts):
            self._at = "rules"
            self._covered()
            steps = sum(len(rule.layers) for rule in self.rules)
            done = 0
            for rule in self.rules:
                for layer in rule.layers:
                    self._at = f"{rule.name}, layer {layer}"
                    self.progress.update("index-form rules", done, steps)
                    done += 1
                    if rule.name == "output delta":
                        facts.append(self._output_lemma(rule))
                        continue
                    if rule.name == "hidden delta":
                        lemma, lam = self._hidden_lemma(rule, layer)
                        widths = {n[layer + 1]: net.width(layer + 1)}
                    else:
                        lemma, lam = self._parameter_lemma(rule, layer)
                        widths = {}
                    facts.append(self._at_layer(lemma, lam, rule, layer, widths))
            self.progress.close()

        verdict = checked("index-form rules", STATEMENT, body)
        if verdict.failure:
            verdict.failure = f"{self._at}: {verdict.failure}"
        return verdict


def _fresh_function(letter: str, key: tuple):
    """An undefined function named for its lemma: the lemma's definitions pin
    it, so no other proof on the same kernel may use the name."""
    return sympy.Function(f"{letter}_index_" + "_".join(str(part) for part in key[:4]))


_DEFINITIONS = {
    entry.expr.func: sympy.Lambda(registry.X, entry.definition)
    for entry in registry.ACTIVATIONS.values()
    if entry.definition is not None
}
"""The named activations written out (σ(x) = 1/(1 + e^−x), …)."""


def prove_index_form(network: Network, kernel=None, progress=QUIET, rules=None) -> Verdict:
    return IndexFormProof(network, rules, kernel, progress).run()
