"""A proof for every depth and every width, from the general theorem.

With symbolic sizes a grid of networks is evidence, not proof.  A claim in
the layer notation that states a rule of backpropagation in index form can
be proved for all sizes at once: both sides are written with symbolic
layer and unit letters, widths n[l] and depth L (SymPy ``Indexed``, sums
unevaluated to symbolic bounds), and reduced to one normal form by

* the general theorem (:mod:`proofs.general`, which the kernel proves for a
  generic activation f and loss ℓ, for every depth and width, and compares
  with the program's index-form rules, :func:`derive.derivation.indexed.rules`):
  δ^L_j = ℓ'(a^L_j, y_j) f'(z^L_j),
  δ^l_j = f'(z^l_j) Σ_i w^{l+1}_ij δ^{l+1}_i for 1 ≤ l ≤ L − 1,
  ∂E/∂w^l_jk = δ^l_j a^{l−1}_k, ∂E/∂b^l_j = ±δ^l_j; the rules are read
  from :func:`derive.derivation.indexed.rules` for the network's own f and ℓ (an
  instance of the generic ones);
* the definitions: a^l_j = f(z^l_j) for l ≥ 1, ∂E/∂z = δ, Δp = −η ∂E/∂p,
  E = Σ_j ℓ(a^L_j, y_j).

A δ is rewritten only where the claim's index ranges make the rule apply
(the hidden rule where every value of the layer is at most L − 1).  The
two normal forms are then compared by exact algebra, each sum, its
constant factors pulled out and its letter renamed, one atom: equal forms
prove the claim for every size; anything else (a claim outside this
fragment, or a false one) is left to the grid, which decides or refutes it.
"""

from __future__ import annotations

import functools

import sympy

from derive.claims.exponential import is_zero_through_exponentials
from derive.claims.reading import Reading
from derive.claims.syntax import (
    Add,
    Call,
    Constant,
    Derivative,
    Index,
    Neg,
    Number,
    Ref,
    Sum,
    Update,
    children,
)
from derive.derivation import indexed
from derive.notation.quantities import LAYER, J, K, a, b, delta, n, w, y, z
from proofs.kernel.algebra import is_zero

DEPTH = sympy.Symbol("L", integer=True, positive=True)
ETA = sympy.Symbol("eta", positive=True)


class Unsupported(Exception):
    """The claim is outside the fragment this proof handles."""


@functools.cache
def general_theorem_holds(softmax: bool = False) -> bool:
    """The kernel's proof of the rules used here (with a softmax output
    layer where asked), run once per process."""
    from proofs.general import prove_general

    return bool(prove_general(softmax=softmax).holds)


TARGETS_HYPOTHESIS = "Σ_k y_k = 1"
"""The hypothesis --targets-sum-to-1 declares, as a proof's rules name it."""


def prove(claim, meaning) -> list[str] | None:
    """The rules used if ``claim`` holds for every depth and width (the
    network of ``meaning``, of depth 2 or more, gives the activation, loss,
    bias sign and rules), else None."""
    spec = meaning.spec
    hidden = spec.activations[:-1] if spec.normalised_output else spec.activations
    if not meaning.names.scheme.any_layer or len({f.name for f in hidden}) != 1:
        return None
    if spec.depth < 2:
        return None
    try:
        form = _NormalForm(claim, meaning)
        left, right = form.side(claim.lhs), form.side(claim.rhs)
    except (Unsupported, KeyError, TypeError, ValueError):
        return None
    try:
        zero = _vanishes(left - right)
        if not zero and spec.targets_sum_to_one:
            zero = _vanishes(_targets_read_as_one(left - right))
            form.used.add(TARGETS_HYPOTHESIS)
    except (OverflowError, RecursionError, ValueError, TypeError):
        return None
    if not zero or not general_theorem_holds(spec.normalised_output):
        return None
    return sorted(form.used)


class _NormalForm(Reading):
    def __init__(self, claim, meaning):
        self.meaning = meaning
        self.activation = meaning.spec.activations[0]
        """The hidden layers' (every layer's, for an elementwise output)."""
        self.output_activation = meaning.spec.activations[-1]
        self.normaliser = sympy.Dummy("t", integer=True)
        self.loss = meaning.spec.loss
        self.rules = {rule.name: rule.equation for rule in indexed.rules(meaning.network)}
        self.letters: dict[str, sympy.Symbol] = {}
        self.bounds = _layer_bounds(claim, meaning.names)
        self.used: set[str] = set()

    # -- indices ---------------------------------------------------------------

    def letter(self, name: str) -> sympy.Symbol:
        if name not in self.letters:
            self.letters[name] = sympy.Symbol(f"_{name}", integer=True)
        return self.letters[name]

    def index(self, index: Index) -> sympy.Expr:
        if index.base is None:
            return sympy.Integer(index.offset)
        size = self.meaning.names.sizes.get(index.base)
        if size is not None:
            if not size.depth:
                raise Unsupported("a width as an index")
            return DEPTH + index.offset
        return self.letter(index.base) + index.offset

    def layer_from(self, index: Index) -> tuple[int, int] | None:
        """(lowest, highest − L) of a layer index over the claim's ranges:
        l + 1 with 1 ≤ l ≤ L − 1 gives (2, 0); None where unknown."""
        if index.base is None:
            return None
        size = self.meaning.names.sizes.get(index.base)
        if size is not None:
            return (1 + index.offset, index.offset) if size.depth else None
        low, high = self.bounds.get(index.base, (0, 0))
        return low + index.offset, high + index.offset

    # -- the sides ---------------------------------------------------------------

    def side(self, node) -> sympy.Expr:
        return self.read(node)

    def unknown(self, node) -> sympy.Expr:
        raise Unsupported(type(node).__name__)

    def read_Constant(self, node: Constant) -> sympy.Expr:
        return self.meaning.value(node, {})

    def read_Ref(self, node: Ref) -> sympy.Expr:
        return self.ref(node)

    def read_Derivative(self, node: Derivative) -> sympy.Expr:
        if node.numerator is not None:
            raise Unsupported("a local derivative")
        return self.gradient(node.of)

    def read_Update(self, node: Update) -> sympy.Expr:
        self.used.add("Δp = −η ∂E/∂p")
        return -ETA * self.gradient(node.of)

    def read_Call(self, node: Call) -> sympy.Expr:
        return self.meaning.call(node.function, self.read(node.arguments[0]))

    def read_Sum(self, node: Sum) -> sympy.Expr:
        return self.sum(node)

    def sum(self, node: Sum) -> sympy.Expr:
        letter = self.letter(node.letter)
        if node.lower is None:
            lower, upper = sympy.Integer(1), self.unit_bound(node.body, node.letter)
        else:
            lower, upper = self.bound(node.lower), self.bound(node.upper)
        return sympy.Sum(self.side(node.body), (letter, lower, upper))

    def bound(self, node) -> sympy.Expr:
        if isinstance(node, Number) and node.value.denominator == 1:
            return sympy.Integer(node.value.numerator)
        if isinstance(node, Ref):
            size = self.meaning.names.sizes.get(node.name)
            if size is None:
                raise Unsupported("a Σ bound")
            return DEPTH if size.depth else n[self.index(node.layer)]
        if isinstance(node, Add):
            return sympy.Add(*(self.bound(t) for t in node.terms))
        if isinstance(node, Neg):
            return -self.bound(node.operand)
        raise Unsupported("a Σ bound")

    def unit_bound(self, body, letter: str) -> sympy.Expr:
        """The width every term of ``body`` indexed by ``letter`` runs to."""
        found = set()
        for ref in _refs(body):
            quantity = self.meaning.names.quantities.get(ref.name)
            if ref.layer is not None and ref.layer.base == letter:
                raise Unsupported("a Σ over layers")
            for position, index in enumerate(ref.indices):
                if index.base != letter:
                    continue
                if index.offset or quantity is None:
                    raise Unsupported("a shifted unit index")
                found.add(self.width_of(ref, quantity, quantity.order[position]))
        if len(found) != 1:
            raise Unsupported("a Σ whose terms run to different widths")
        return found.pop()

    def width_of(self, ref: Ref, quantity, model_position: int) -> sympy.Expr:
        if quantity.kind == "x":
            return n[0]
        if quantity.kind == "y":
            return n[DEPTH]
        layer = self.index(ref.layer)
        return n[layer - 1] if quantity.kind == "w" and model_position == 1 else n[layer]

    def units(self, ref: Ref, quantity) -> list:
        model = [None] * len(ref.indices)
        for position, index in enumerate(ref.indices):
            model[quantity.order[position]] = self.index(index)
        return model

    def ref(self, ref: Ref) -> sympy.Expr:
        names = self.meaning.names
        if ref.name == "eta":
            return ETA
        size = names.sizes.get(ref.name)
        if size is not None:
            return DEPTH if size.depth else n[self.index(ref.layer)]
        quantity = names.quantities[ref.name]
        kind = quantity.kind
        if kind == "loss":
            self.used.add("E = Σ_j ℓ(a^L_j, y_j)")
            unit = sympy.Dummy("u", integer=True)
            term = self.loss.at(self.output(unit), y[unit])
            return sympy.Sum(term, (unit, 1, n[DEPTH]))
        units = self.units(ref, quantity)
        if kind == "x":
            return a[0, units[0]]
        if kind == "y":
            return y[units[0]]
        layer = self.index(ref.layer)
        if kind == "w":
            return w[layer, units[0], units[1]]
        if kind == "b":
            return b[layer, units[0]]
        if kind == "z":
            return z[layer, units[0]]
        if kind == "a":
            known = self.layer_from(ref.layer)
            output = ref.layer.base in names.sizes and ref.layer.offset == 0
            if output and self.output_activation.normalised:
                return self.output(units[0])
            hidden = known is not None and known[1] <= -1
            if known is not None and known[0] >= 1 and (hidden or not self.normalised):
                self.used.add("a^l = f(z^l)")
                return self.activation.at(z[layer, units[0]])
            return a[layer, units[0]]
        if kind == "delta":
            return self.delta(ref.layer, units[0])
        raise Unsupported(kind)

    @property
    def normalised(self) -> bool:
        return self.output_activation.normalised

    def output(self, unit) -> sympy.Expr:
        """a^L_unit: f(z^L_unit), or e^{z^L_unit} / Σ_t e^{z^L_t} for softmax."""
        if self.normalised:
            self.used.add("a^L_j = e^{z^L_j} / Σ_t e^{z^L_t}")
            t = self.normaliser
            return self.output_activation.unit_value(z[DEPTH, unit], z[DEPTH, t], t, n[DEPTH])
        return self.activation.at(z[DEPTH, unit])

    def delta(self, index: Index, unit) -> sympy.Expr:
        """δ by the general theorem where its rule applies, else an atom."""
        layer = self.index(index)
        known = self.layer_from(index)
        if known is None:
            return delta[layer, unit]
        _, high = known
        if high <= -1:  # and ≥ 1, as every δ the claim mentions exists
            self.used.add("hidden δ")
            k = sympy.Dummy("k", integer=True)
            rhs = self.rule("hidden delta", layer, unit, k)
            above = self.delta(Index(index.base, index.offset + 1), k)
            return rhs.xreplace({delta[layer + 1, k]: above})
        if index.base in self.meaning.names.sizes and index.offset == 0:
            self.used.add("output δ")
            return self.rule("output delta", DEPTH, unit)
        return delta[layer, unit]

    def rule(self, name: str, layer, unit, other=None) -> sympy.Expr:
        """The right side of the program's rule ``name`` at ``layer``, ``unit``
        (and ``other`` for k), each activation a^l (l ≥ 1 here) as f(z^l)."""
        rhs = self.rules[name].rhs
        depth = self.meaning.depth
        if name == "output delta":  # stated at the network's own depth
            rhs = rhs.replace(
                lambda e: isinstance(e, sympy.Indexed) and e.indices[0] == depth,
                lambda e: e.base[(LAYER, *e.indices[1:])],
            )
        if name == "output delta" and self.normalised and other is None:
            other = sympy.Dummy("k", integer=True)  # the rule's own Σ_k over the outputs
        rhs = rhs.xreplace({LAYER: layer, J: unit, **({K: other} if other is not None else {})})
        if name == "output delta" and self.normalised:
            return rhs.replace(
                lambda e: isinstance(e, sympy.Indexed) and e.base == a and e.indices[0] == layer,
                lambda e: self.output(e.indices[1]),
            )
        return rhs.replace(
            lambda e: isinstance(e, sympy.Indexed) and e.base == a and e.indices[0] == layer,
            lambda e: self.activation.at(z[e.indices]),
        )

    def gradient(self, ref: Ref) -> sympy.Expr:
        """∂E/∂(ref) for a parameter, a pre-activation or an output a^L_j."""
        quantity = self.meaning.names.quantities[ref.name]
        output = quantity.kind == "a" and ref.layer.base in self.meaning.names.sizes
        if quantity.kind not in ("w", "b", "z") and not (output and ref.layer.offset == 0):
            raise Unsupported("∂E by this quantity")
        units = self.units(ref, quantity)
        if quantity.kind == "a":  # E = Σ_k ℓ(a^L_k, y_k), differentiated by a^L_j
            self.used.add("∂E/∂a^L_j = ℓ'(a^L_j, y_j)")
            return self.loss.derivative_at(self.output(units[0]), y[units[0]])
        if quantity.kind == "z":
            self.used.add("δ = ∂E/∂z")
            return self.delta(ref.layer, units[0])
        layer = self.index(ref.layer)
        if quantity.kind == "b":
            rule = self.rules["bias gradient"].rhs.xreplace({LAYER: layer, J: units[0]})
        else:
            rule = self.rules["weight gradient"].rhs.xreplace(
                {LAYER: layer, J: units[0], K: units[1]}
            )
            below = Ref("a", Index(ref.layer.base, ref.layer.offset - 1), (ref.indices[1],))
            rule = rule.xreplace({a[layer - 1, units[1]]: self.ref(below)})
        self.used.add("bias gradient" if quantity.kind == "b" else "weight gradient")
        return rule.xreplace({delta[layer, units[0]]: self.delta(ref.layer, units[0])})


def _vanishes(difference: sympy.Expr) -> bool:
    """Zero by exact algebra, each sum in canonical form one atom."""
    difference = _summed_as_atoms(difference)
    return is_zero(difference) or is_zero_through_exponentials(difference)


def _targets_read_as_one(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with every Σ_k y_k over the output layer read as 1: the
    hypothesis --targets-sum-to-1 declares (used only where declared)."""
    return expr.replace(
        lambda node: (
            isinstance(node, sympy.Sum)
            and len(node.limits) == 1
            and node.limits[0][1:] == (1, n[DEPTH])
            and node.function == y[node.limits[0][0]]
        ),
        lambda node: sympy.S.One,
    )


def _layer_bounds(claim, names) -> dict[str, tuple[int, int]]:
    """For each layer letter, (lowest value, highest value − L) for which
    every term using it exists: δ[l+1] gives l ≤ L − 1, a[l−1] l ≥ 1."""
    bounds: dict[str, tuple[int, int]] = {}
    for ref in _refs(claim.lhs, claim.rhs):
        quantity = names.quantities.get(ref.name)
        index = ref.layer
        if quantity is None or index is None or index.base is None:
            continue
        if index.base in names.sizes:
            continue
        lowest = 0 if quantity.kind == "a" else 1
        low, high = bounds.get(index.base, (0, 0))
        bounds[index.base] = (max(low, lowest - index.offset), min(high, -index.offset))
    return bounds


def _refs(*nodes):
    for node in nodes:
        if isinstance(node, Ref):
            yield node
        elif isinstance(node, (Derivative, Update)):
            yield node.of
            if isinstance(node, Derivative) and node.numerator is not None:
                yield node.numerator
        else:
            yield from _refs(*children(node))


def _summed_as_atoms(expr: sympy.Expr) -> sympy.Expr:
    """Each sum in a canonical form (its letter renamed by nesting depth, its
    body expanded, split over its terms, factors free of the letter pulled
    out), then one symbol per distinct sum: equal sums, the same symbol."""
    atoms: dict = {}

    def canonical(node, depth: int):
        if isinstance(node, sympy.Sum):
            (letter, lower, upper), body = node.limits[0], node.function
            fresh = sympy.Symbol(f"_s{depth}", integer=True)
            body = sympy.expand(canonical(body.xreplace({letter: fresh}), depth + 1))
            total = sympy.S.Zero
            for term in sympy.Add.make_args(body):
                outside, inside = term.as_independent(fresh, as_Add=False)
                key = sympy.Sum(inside, (fresh, lower, upper))
                atom = atoms.setdefault(key, sympy.Dummy(f"sum{len(atoms)}"))
                total += outside * atom
            return total
        if not node.args:
            return node
        return node.func(*(canonical(arg, depth) for arg in node.args))

    return canonical(expr, 0)
