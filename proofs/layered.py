"""Theorem (b): for one concrete network, the δ recursion is ∂E/∂z, layer by
layer, at a cost linear in depth.

Write E as a function of the pre-activations of layer l: E = G_l(z^l).  By
the network's definition G_L(z) = Σ_j ℓ(f_L(z_j), y_j) and, for l < L,
G_l(z) = G_{l+1}(ζ(z)) with ζ_k(z) = Σ_j w^{l+1}_kj f_l(z_j) + b^{l+1}_k, and
δ^l_j is by definition ∂G_l/∂z_j at z^l.  So

* base case: differentiate G_L directly;
* step l+1 → l: for an *arbitrary* function G of n_{l+1} variables,
  ∂/∂z_j G(ζ(z)) = f_l'(z_j) Σ_k w_kj (∂_k G)(ζ(z));  with G := G_{l+1} and
  (∂_k G)(z^{l+1}) = δ^{l+1}_k this is the recursion;
* weights and biases: for an arbitrary H of n_l variables,
  ∂/∂w_jk H(Wa + b) = (∂_j H)(Wa + b)·a_k and ∂/∂b_j H(Wa + b) = (∂_j H)(…).

Each lemma is proved once per layer shape (widths, activation) for unit 1
and instantiated, by renaming and permuting units, for every unit of every
layer of that shape.  Each instance is then compared with the formula the
program uses (:class:`derive.gradients.Derivation`), so a wrong formula in
the program is caught here, layer by layer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import sympy

from derive.gradients import Derivation
from proofs.kernel import Fact, Kernel, ProofError
from proofs.progress import QUIET, Progress


@dataclass
class Verdict:
    """The outcome of one theorem."""

    name: str
    statement: str
    holds: bool
    seconds: float
    checks: int
    failure: str | None = None
    facts: list[Fact] = field(default_factory=list, repr=False)


def checked(name: str, statement: str, body) -> Verdict:
    """Run ``body(facts)``, which appends kernel facts, into a timed verdict;
    a refused step makes the verdict fail with the kernel's reason."""
    started = time.perf_counter()
    facts: list[Fact] = []
    try:
        body(facts)
    except ProofError as error:
        return Verdict(
            name, statement, False, time.perf_counter() - started, len(facts), str(error), facts
        )
    return Verdict(name, statement, True, time.perf_counter() - started, len(facts), None, facts)


def _partial(function, point, index: int) -> sympy.Expr:
    """(∂_index function)(point), in the form SymPy's chain rule produces:
    Subs(Derivative(G(…, ξ, …), ξ), ξ, point[index]) — kept as a Subs even
    where the point is a symbol, so renamed instances match it."""
    xi = sympy.Dummy("xi")
    arguments = list(point)
    arguments[index - 1] = xi
    return sympy.Subs(sympy.Derivative(function(*arguments), xi), xi, point[index - 1])


class LayeredProof:
    """Proves the recursion of ``derivation`` layer by layer."""

    def __init__(
        self, derivation: Derivation, kernel: Kernel | None = None, progress: Progress = QUIET
    ):
        self.derivation = derivation
        self.progress = progress
        self.network = derivation.network
        self.kernel = kernel or Kernel()
        self._lemmas: dict[tuple, tuple[Fact, dict]] = {}
        self._at = ""  # the formula being checked, for failure messages
        self._uppers = {l: sympy.Function(f"G{l}") for l in range(1, self.network.depth + 2)}

    # -- lemmas, one per shape -----------------------------------------------

    def _hidden_lemma(self, layer: int) -> tuple[Fact, dict]:
        """∂/∂ζ₁ G(Σ_j W_kj f(ζ_j) + s·B_k) = f'(ζ₁) Σ_k W_k1 (∂_k G)(…) for the
        shape of ``layer`` (its width, the width above, its activation)."""
        net = self.network
        below, above = net.width(layer), net.width(layer + 1)
        activation = net.spec.activation(layer)
        key = ("hidden", below, above, activation.name)
        if key in self._lemmas:
            return self._lemmas[key]
        zeta = sympy.symbols(f"zeta1:{below + 1}", real=True)
        weights = [sympy.symbols(f"W{k}_1:{below + 1}", real=True) for k in range(1, above + 1)]
        biases = sympy.symbols(f"B1:{above + 1}", real=True)
        G = sympy.Function("G")
        point = [
            sympy.Add(*(weights[k][j] * activation.at(zeta[j]) for j in range(below)))
            + (net.bias_sign * biases[k] if net.spec.bias else 0)
            for k in range(above)
        ]
        derivative = self.kernel.differentiate(G(*point), zeta[0])
        claim = activation.derivative_at(zeta[0]) * sympy.Add(
            *(weights[k][0] * _partial(G, point, k + 1) for k in range(above))
        )
        lemma = self.kernel.equal_by_algebra(derivative, claim)
        names = {"zeta": zeta, "W": weights, "B": biases, "G": G}
        self._lemmas[key] = (lemma, names)
        return lemma, names

    def _weight_lemma(self, layer: int) -> tuple[Fact, dict]:
        """∂/∂W₁₁ H(Σ_k W_jk A_k + s·B_j) = (∂₁H)(…)·A₁ and ∂/∂B₁ H(…) = s·(∂₁H)(…)."""
        net = self.network
        rows, columns = net.width(layer), net.width(layer - 1)
        key = ("weight", rows, columns)
        if key in self._lemmas:
            return self._lemmas[key]
        inputs = sympy.symbols(f"A1:{columns + 1}", real=True)
        weights = [sympy.symbols(f"V{j}_1:{columns + 1}", real=True) for j in range(1, rows + 1)]
        biases = sympy.symbols(f"C1:{rows + 1}", real=True)
        H = sympy.Function("H")
        point = [
            sympy.Add(*(weights[j][k] * inputs[k] for k in range(columns)))
            + (net.bias_sign * biases[j] if net.spec.bias else 0)
            for j in range(rows)
        ]
        derivative = self.kernel.differentiate(H(*point), weights[0][0])
        lemma = self.kernel.equal_by_algebra(derivative, _partial(H, point, 1) * inputs[0])
        names = {"A": inputs, "V": weights, "C": biases, "H": H}
        if net.spec.bias:
            bias_derivative = self.kernel.differentiate(H(*point), biases[0])
            names["bias_lemma"] = self.kernel.equal_by_algebra(
                bias_derivative, net.bias_sign * _partial(H, point, 1)
            )
        self._lemmas[key] = (lemma, names)
        return lemma, names

    # -- instances -------------------------------------------------------------

    def _delta_definitions(self, layer: int) -> list[Fact]:
        """(∂_k G_l)(z^l) = δ^l_k: the definition of δ as ∂E/∂z, read backwards."""
        net = self.network
        point = net.z[layer]
        return [
            self.kernel.symmetry(
                self.kernel.define(net.delta[layer][k], _partial(self._uppers[layer], point, k + 1))
            )
            for k in range(net.width(layer))
        ]

    def _activation_definitions(self, layer: int) -> list[Fact]:
        """a^l_j = f_l(z^l_j): the forward pass (none for the inputs x)."""
        net = self.network
        if layer == 0:
            return []
        return [
            self.kernel.define(net.a[layer][j], net.activation(layer, j + 1))
            for j in range(net.width(layer))
        ]

    def _composed_input(self, layer: int, unit: int) -> sympy.Expr:
        """a^{l}_j as the layer below sees it: f_l(z^l_j), or x_j for l = 0.
        Keeping f(z) (not a) in the composed forward pass keeps every node
        of an instance intact for renaming."""
        net = self.network
        return net.x[unit] if layer == 0 else net.activation(layer, unit + 1)

    def _rename(self, fact: Fact, *groups: list[Fact]) -> Fact:
        for group in groups:
            fact = self.kernel.rewrite_all(fact, group)
        return fact

    def _forward_definitions(self, layer: int) -> list[Fact]:
        """Σ_j w^l_kj f_{l−1}(z^{l−1}_j) + b^l_k = z^l_k: the forward pass, read
        backwards."""
        net = self.network
        composed = {
            net.a[layer - 1][j]: self._composed_input(layer - 1, j)
            for j in range(net.width(layer - 1))
        }
        return [
            self.kernel.symmetry(
                self.kernel.define(
                    net.z[layer][k], net.pre_activation(layer, k + 1).xreplace(composed)
                )
            )
            for k in range(net.width(layer))
        ]

    def output_layer(self) -> Verdict:
        net = self.network
        depth = net.depth

        def body(facts):
            activation_defs = {
                net.a[depth][j]: net.spec.activation(depth).at(net.z[depth][j])
                for j in range(net.width(depth))
            }
            top = net.spec.loss.total(list(activation_defs.values()), net.y)
            for j in range(net.width(depth)):
                self._at = f"δ{depth}_{j + 1}"
                derivative = self.kernel.differentiate(top, net.z[depth][j])
                program = self.derivation.delta_definition(depth, j + 1, through_output=False)
                # a^L_j = f_L(z^L_j) is the forward pass: the program's formula
                # is read with it.
                facts.append(
                    self.kernel.equal_by_algebra(derivative, program.xreplace(activation_defs))
                )

        return self._checked("output layer", body)

    def hidden_layers(self) -> Verdict:
        net = self.network

        def body(facts):
            for layer in range(net.depth - 1, 0, -1):
                lemma, names = self._hidden_lemma(layer)
                renaming = (
                    self._forward_definitions(layer + 1),
                    self._delta_definitions(layer + 1),
                )
                self.progress.update("hidden layers", net.depth - layer, net.depth - 1)
                for j in range(net.width(layer)):
                    self._at = f"δ{layer}_{j + 1}"
                    program = self.derivation.delta_definition(layer, j + 1, through_output=False)
                    mapping = self._hidden_mapping(layer, j, names)
                    facts.append(self._instance(lemma, mapping, renaming, program))

        return self._checked("hidden layers", body)

    def parameters(self) -> Verdict:
        net = self.network

        def body(facts):
            for layer in range(1, net.depth + 1):
                lemma, names = self._weight_lemma(layer)
                renaming = (self._forward_definitions(layer), self._delta_definitions(layer))
                inputs = self._activation_definitions(layer - 1)
                self.progress.update("weights and biases", layer - 1, net.depth)
                for j in range(net.width(layer)):
                    for k in range(net.width(layer - 1)):
                        weight = net.weights[layer][j][k]
                        self._at = f"∂E/∂{weight}"
                        program = self.derivation.gradient(weight).delta_form
                        mapping = self._weight_mapping(layer, j, k, names)
                        facts.append(self._instance(lemma, mapping, renaming, program, inputs))
                    if net.spec.bias:
                        bias = net.biases[layer][j]
                        self._at = f"∂E/∂{bias}"
                        program = self.derivation.gradient(bias).delta_form
                        mapping = self._weight_mapping(layer, j, 0, names)
                        facts.append(
                            self._instance(names["bias_lemma"], mapping, renaming, program)
                        )

        return self._checked("weights and biases", body)

    def run(self) -> list[Verdict]:
        verdicts = [self.output_layer()]
        if self.network.depth > 1:
            verdicts.append(self.hidden_layers())
        verdicts.append(self.parameters())
        self.progress.close()
        return verdicts

    # -- helpers -----------------------------------------------------------------

    def _matches(self, fact: Fact, program: sympy.Expr, renaming=()) -> Fact:
        """lhs = the program's formula, from ``fact`` whose right-hand side is
        the formula with ``renaming`` (definitions such as a = f(z)) applied:
        the formula is rewritten the same way and compared structurally, or
        failing that by algebra."""
        if fact.rhs == program:
            return fact
        if renaming:
            renamed = self.kernel.rewrite_all(self.kernel.reflexivity(program), renaming)
            if fact.rhs == renamed.rhs:
                return self.kernel.transitivity(fact, self.kernel.symmetry(renamed))
        return self.kernel.equal_by_algebra(fact, program)

    def _hidden_mapping(self, layer: int, unit: int, names: dict) -> dict:
        net = self.network
        order = _swap(net.width(layer), unit)
        mapping = {names["G"]: self._uppers[layer + 1]}
        for i, target in enumerate(order):
            mapping[names["zeta"][i]] = net.z[layer][target]
            for k in range(net.width(layer + 1)):
                mapping[names["W"][k][i]] = net.weights[layer + 1][k][target]
        for k in range(net.width(layer + 1)):
            if net.spec.bias:
                mapping[names["B"][k]] = net.biases[layer + 1][k]
        return mapping

    def _weight_mapping(self, layer: int, unit: int, column: int, names: dict) -> dict:
        net = self.network
        rows = _swap(net.width(layer), unit)
        columns = _swap(net.width(layer - 1), column)
        # Permuting the rows permutes H's arguments: H becomes G_l with its
        # arguments put back in the network's order.
        arguments = sympy.symbols(f"u1:{len(rows) + 1}")
        upper = self._uppers[layer]
        mapping = {names["H"]: sympy.Lambda(arguments, upper(*(arguments[r] for r in rows)))}
        for c, target in enumerate(columns):
            mapping[names["A"][c]] = self._composed_input(layer - 1, target)
        for r, row in enumerate(rows):
            for c, column_target in enumerate(columns):
                mapping[names["V"][r][c]] = net.weights[layer][row][column_target]
            if net.spec.bias:
                mapping[names["C"][r]] = net.biases[layer][row]
        return mapping

    def _instance(self, lemma, mapping, renaming, program, program_renaming=()) -> Fact:
        """The lemma instantiated by ``mapping``, renamed into the network's
        names, and matched with the program's formula."""
        instance = self.kernel.instantiate(lemma, mapping)
        return self._matches(self._rename(instance, *renaming), program, program_renaming)

    def _checked(self, name: str, body) -> Verdict:
        verdict = checked(name, STATEMENTS[name], body)
        if verdict.failure:
            verdict.failure = f"{self._at}: {verdict.failure}"
        return verdict


STATEMENTS = {
    "output layer": "δ^L_j = ∂E/∂z^L_j = ∂ℓ/∂ŷ(a^L_j, y_j)·f_L'(z^L_j)",
    "hidden layers": "δ^l_j = ∂E/∂z^l_j = f_l'(z^l_j) Σ_k w^{l+1}_kj δ^{l+1}_k",
    "weights and biases": "∂E/∂w^l_jk = δ^l_j a^{l−1}_k, ∂E/∂b^l_j = ±δ^l_j (− for thresholds)",
}


def _swap(size: int, unit: int) -> list[int]:
    """The permutation of 0..size−1 that exchanges 0 and ``unit``."""
    order = list(range(size))
    order[0], order[unit] = order[unit], order[0]
    return order
