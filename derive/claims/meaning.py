"""What a parsed claim means for one concrete network.

Every name is replaced by its definition in the model — ŷ, b, α, β, a, z by
the forward pass, δ (and the book's g = −δ², e = −δ¹) by δ^l_j = ∂E/∂z^l_j,
∂E/∂(·) by differentiating the loss, Δθ by −η ∂E/∂θ — so a claim becomes two
SymPy expressions of the inputs, targets, parameters and η that are equal
exactly when the claim is true.  The true side is computed from definitions
only, never from the δ recursion the claim may be stating.

Index letters not bound by a Σ are free; :meth:`Meaning.bindings` lists every
assignment of them for which each term of the claim exists (a layer letter
in ``delta[l+1]`` stops at L − 1), and the claim must hold for all of them.
"""

from __future__ import annotations

import itertools
from functools import cached_property

import sympy

from derive.claims import limits, numeric
from derive.claims.names import Names
from derive.claims.reading import Reading
from derive.claims.syntax import (
    Add,
    Call,
    Constant,
    Derivative,
    Div,
    Index,
    Neg,
    Pow,
    Ref,
    Sum,
    Update,
    children,
    ref_text,
    unparse,
)
from derive.model.network import Network, Role
from derive.notation.spellings import Quantity
from derive.spec import functions, registry
from derive.spec.network import NetworkSpec
from derive.support.errors import InputError
from proofs.kernel.algebra import replace_nodes
from proofs.kernel.differentiation import differentiate

ETA = sympy.Symbol("eta", positive=True)
MAX_EXP_ARGUMENT = 69
"""exp, sinh, cosh of a number at most e^69 ≈ 10^30, the bound on every constant."""


class Missing(Exception):
    """The claim mentions a quantity that does not exist for these sizes (a Σ
    bound past the layer's width): the claim is false, not malformed."""


class Meaning(Reading):
    """A claim's terms as SymPy expressions for one architecture."""

    def __init__(self, spec: NetworkSpec, names: Names, bias_sign: int):
        self.spec = spec
        self.names = names
        self.network = Network(spec, bias_sign=bias_sign)
        self._parameter_derivatives: dict = {}
        self._loss_from: dict = {}
        self._node_derivatives: dict = {}
        self.terms = 0
        self.written: list = []
        """Each function application and power the claim writes, as
        :meth:`value` met them: SymPy may cancel one away (log(u) − log(u)),
        but a claim about real numbers needs each to be real."""

    @property
    def depth(self) -> int:
        return self.spec.depth

    def width(self, layer: int) -> int:
        return self.spec.widths[layer]

    # -- ranges ----------------------------------------------------------------

    def layer_range(self, quantity: Quantity) -> range:
        if quantity.layer is not None:
            return range(quantity.layer, quantity.layer + 1)
        if quantity.kind in ("x", "y"):
            return range(0, 1)
        lowest = 0 if quantity.kind == "a" else 1
        return range(lowest, self.depth + 1)

    def unit_ranges(self, quantity: Quantity, layer: int) -> tuple[range, ...]:
        """Ranges of the written unit indices of ``quantity`` in ``layer``."""
        if quantity.kind == "x":
            model = (self.width(0),)
        elif quantity.kind == "y":
            model = (self.width(self.depth),)
        elif quantity.kind == "w":
            model = (self.width(layer), self.width(layer - 1))
        else:
            model = (self.width(layer),)
        return tuple(range(1, model[position] + 1) for position in quantity.order)

    def index_value(self, index: Index, env: dict) -> int:
        if index.base is None:
            return index.offset
        size = self.names.sizes.get(index.base)
        if size is not None:
            if size.depth:
                return self.depth + index.offset
            if size.layer is None:
                raise InputError(f"{index.base} needs a layer index, n[l], not as an index")
            return self.width(size.layer) + index.offset
        return env[index.base] + index.offset

    def locate(self, ref: Ref, env: dict):
        """(quantity, layer, unit indices) of ``ref``, or Missing."""
        quantity = self.names.quantities[ref.name]
        layer = quantity.layer
        if ref.layer is not None:
            layer = self.index_value(ref.layer, env)
            if layer not in self.layer_range(quantity):
                bounds = self.layer_range(quantity)
                raise Missing(
                    f"{ref_text(ref)} needs layer {layer}, but layers run "
                    f"{bounds.start}..{bounds.stop - 1} (L = {self.depth})"
                )
        elif quantity.kind in ("x", "y"):
            layer = 0 if quantity.kind == "x" else self.depth
        units = tuple(self.index_value(i, env) for i in ref.indices)
        for unit, allowed in zip(units, self.unit_ranges(quantity, layer), strict=True):
            if unit not in allowed:
                raise Missing(
                    f"{_described(ref, layer, units)} does not exist: the index {unit} is "
                    f"outside 1..{allowed.stop - 1} for widths {_widths(self.spec)}"
                )
        return quantity, layer, units

    # -- free letters ----------------------------------------------------------

    def bindings(self, claim_sides, free: list[str]) -> list[dict]:
        """Every assignment of the free letters for which each term exists."""
        layer_letters = set()
        for side in claim_sides:
            for ref, _ in _refs_with_bound(side, frozenset()):
                if ref.layer is not None and ref.layer.base is not None:
                    layer_letters.add(ref.layer.base)
        widest = max(self.spec.widths)
        candidates = [
            range(0, self.depth + 1) if letter in layer_letters else range(1, widest + 1)
            for letter in free
        ]
        result = []
        for values in itertools.product(*candidates):
            env = dict(zip(free, values, strict=True))
            if all(
                self.exists(ref, bound, env)
                for side in claim_sides
                for ref, bound in _refs_with_bound(side, frozenset())
            ):
                result.append(env)
        return result

    def exists(self, ref: Ref, bound: frozenset, env: dict) -> bool:
        """False when a position of ``ref`` that uses no Σ letter is out of range."""

        def free_of_sums(index):
            return index is None or index.base is None or index.base not in bound

        if ref.name in self.names.sizes:
            if ref.layer is None or not free_of_sums(ref.layer):
                return True
            return 0 <= self.index_value(ref.layer, env) <= self.depth
        if ref.name == "eta":
            return True
        quantity = self.names.quantities[ref.name]
        if quantity.kind == "loss":
            return True
        if not free_of_sums(ref.layer):
            return True
        layer = quantity.layer
        if ref.layer is not None:
            layer = self.index_value(ref.layer, env)
            if layer not in self.layer_range(quantity):
                return False
        elif quantity.kind in ("x", "y"):
            layer = 0 if quantity.kind == "x" else self.depth
        ranges = self.unit_ranges(quantity, layer)
        return all(
            self.index_value(index, env) in allowed
            for index, allowed in zip(ref.indices, ranges, strict=True)
            if free_of_sums(index)
        )

    # -- values ----------------------------------------------------------------

    def value(self, node, env: dict) -> sympy.Expr:
        """``node`` in the network's symbols, its letters at ``env``'s values."""
        return self.read(node, env)

    def read_Ref(self, node: Ref, env: dict) -> sympy.Expr:
        return self.ref_value(node, env)

    def read_Constant(self, node: Constant, env: dict) -> sympy.Expr:
        return _CONSTANTS[node.name]

    def read_Derivative(self, node: Derivative, env: dict) -> sympy.Expr:
        if node.numerator is None:
            return self.derivative(node.of, env)
        return self.local_derivative(node.numerator, node.of, env)

    def read_Update(self, node: Update, env: dict) -> sympy.Expr:
        return -ETA * self.derivative(node.of, env)

    def read_Call(self, node: Call, env: dict) -> sympy.Expr:
        argument = self.value(node.arguments[0], env)
        if not numeric.symbols(argument):
            _bounded(node, argument)
        return self._written(_real(node, self.call(node.function, argument)))

    def read_Div(self, node: Div, env: dict) -> sympy.Expr:
        denominator = self.value(node.denominator, env)
        if denominator == 0:
            raise InputError("division by zero in the claim")
        return self.value(node.numerator, env) / denominator

    def read_Pow(self, node: Pow, env: dict) -> sympy.Expr:
        base, exponent = self.value(node.base, env), self.value(node.exponent, env)
        if base == 0 and exponent.is_number and exponent.is_negative:
            raise InputError("division by zero in the claim (0 to a negative power)")
        return self._written(_real(node, sympy.Pow(base, exponent)))

    def read_Sum(self, node: Sum, env: dict) -> sympy.Expr:
        return self.sum(node, env)

    def _written(self, value: sympy.Expr) -> sympy.Expr:
        if numeric.symbols(value):
            self.written.append(value)
        return value

    def integer(self, node, env: dict) -> int:
        """A Σ bound: numbers, sizes and letters with + and −."""
        value = limits.constant(node)
        if value is not None and value.denominator == 1:
            return int(value)
        if isinstance(node, Ref) and node.name in self.names.sizes:
            return int(self.ref_value(node, env))
        if isinstance(node, Add):
            return sum(self.integer(t, env) for t in node.terms)
        if isinstance(node, Neg):
            return -self.integer(node.operand, env)
        raise InputError("a Σ bound must be a whole number, a size (such as l or n[l]) or a sum")

    def sum(self, node: Sum, env: dict) -> sympy.Expr:
        if node.lower is None and node.upper is None:
            values = self.letter_range(node.body, node.letter, env)
        else:
            lower = 1 if node.lower is None else self.integer(node.lower, env)
            upper = self.integer(node.upper, env)
            values = range(lower, upper + 1)
        self.terms += len(values)
        if self.terms > limits.MAX_SUM_TERMS:
            raise InputError(f"the claim's sums have more than {limits.MAX_SUM_TERMS} terms")
        return sympy.Add(*(self.value(node.body, {**env, node.letter: v}) for v in values))

    def letter_range(self, body, letter: str, env: dict) -> range:
        """The values of a Σ letter written without bounds: those for which
        every term of the body that uses it exists."""
        widest = max(self.spec.widths)
        values = [
            value
            for value in range(0, max(widest, self.depth) + 1)
            if all(
                self.exists(ref, bound - {letter}, {**env, letter: value})
                for ref, bound in _refs_with_bound(body, frozenset({letter}))
            )
        ]
        if not values:
            raise Missing(f"the Σ over {letter} has no values for widths {_widths(self.spec)}")
        return range(values[0], values[-1] + 1)

    def call(self, function: str, argument: sympy.Expr) -> sympy.Expr:
        if function in ("f", "fprime"):
            activation = self.activation()
            if function == "f":
                return activation.at(argument)
            return activation.derivative_at(argument)
        if function.endswith("'"):
            named = _FUNCTIONS[function[:-1]]
            return sympy.diff(named(registry.X), registry.X).xreplace({registry.X: argument})
        return _FUNCTIONS[function](argument)

    def activation(self) -> registry.Activation:
        kinds = {a.name for a in self.spec.activations}
        if len(kinds) > 1:
            raise InputError(
                "f is ambiguous: the layers have different activations "
                f"({', '.join(sorted(kinds))}); write the function by name"
            )
        activation = self.spec.activations[0]
        if activation.normalised:
            raise InputError(
                f"f is {activation.name}, which is not a function of one unit "
                "(a_j = exp(z_j) / Σ_k exp(z_k)): write a[L][j], or "
                "exp(z[L][j])/Sum(exp(z[L][k]), k)"
            )
        return activation

    def ref_value(self, ref: Ref, env: dict) -> sympy.Expr:
        if ref.name == "eta":
            return ETA
        size = self.names.sizes.get(ref.name)
        if size is not None:
            if size.depth:
                return sympy.Integer(self.depth)
            layer = size.layer if size.layer is not None else self.index_value(ref.layer, env)
            if not 0 <= layer <= self.depth:
                raise Missing(f"{ref_text(ref)} needs layer {layer} (L = {self.depth})")
            return sympy.Integer(self.width(layer))
        if self.names.quantities[ref.name].kind == "loss":
            return self.network.loss_expanded
        quantity, layer, units = self.locate(ref, env)
        model = _model_indices(quantity, units)
        kind = quantity.kind
        if kind == "x" or (kind == "a" and layer == 0):
            return self.network.x[model[0] - 1]
        if kind == "y":
            return self.network.y[model[0] - 1]
        if kind == "w":
            return self.network.weights[layer][model[0] - 1][model[1] - 1]
        if kind == "b":
            return self.bias(layer, model[0])
        z_values, a_values = self.network.forward_expanded
        if kind == "a":
            return a_values[layer][model[0] - 1]
        if kind == "z":
            return z_values[layer][model[0] - 1]
        if kind == "s":
            return self.weighted_sum(layer, model[0])
        if kind == "delta":
            return quantity.sign * self.node_derivative("z", layer, model[0])
        raise TypeError(f"unknown kind {kind}")

    def bias(self, layer: int, unit: int) -> sympy.Symbol:
        if not self.spec.bias:
            raise InputError("the network has no biases or thresholds (--no-bias)")
        return self.network.biases[layer][unit - 1]

    def weighted_sum(self, layer: int, unit: int) -> sympy.Expr:
        """α_h or β_j: z without its threshold."""
        z_values, _ = self.network.forward_expanded
        value = z_values[layer][unit - 1]
        if self.spec.bias:
            value -= self.network.bias_sign * self.network.biases[layer][unit - 1]
        return value

    # -- derivatives, from definitions ----------------------------------------

    def derivative(self, ref: Ref, env: dict) -> sympy.Expr:
        """∂E/∂(ref)."""
        return self.local_derivative(None, ref, env)

    def local_derivative(self, numerator: Ref | None, ref: Ref, env: dict) -> sympy.Expr:
        """∂(numerator)/∂(ref), numerator None for E: by a parameter, the
        derivative of the expanded numerator; by a unit's value, the
        numerator written from that unit's layer upward, with the layer's
        units as the variables (the others below held fixed)."""
        quantity, layer, units = self.locate(ref, env)
        model = _model_indices(quantity, units)
        if quantity.kind in ("w", "b"):
            if quantity.kind == "w":
                parameter = self.network.weights[layer][model[0] - 1][model[1] - 1]
            else:
                parameter = self.bias(layer, model[0])
            top = self.network.loss_expanded if numerator is None else self.value(numerator, env)
            key = (parameter, top)
            known = self._parameter_derivatives.get(key)
            if known is None:
                known = differentiate(top, parameter)
                self._parameter_derivatives[key] = known
            return known
        kind = {"s": "z", "x": "a"}.get(quantity.kind, quantity.kind)
        key = (kind, layer, model[0], None if numerator is None else self._node(numerator, env))
        known = self._node_derivatives.get(key)
        if known is None:
            variables, values = self.values_from(kind, layer)
            top = values["E"] if numerator is None else values.get(self._node(numerator, env))
            if top is None:  # below the variable's layer: it does not depend on it
                known = sympy.S.Zero
            else:
                derivative = differentiate(top, variables[model[0] - 1])
                known = replace_nodes(derivative, self.network.expansion)
            self._node_derivatives[key] = known
        return known

    def _node(self, ref: Ref, env: dict) -> tuple:
        """(kind, layer, unit) of a unit's value; s (α, β) counts as z, whose
        derivatives it shares."""
        quantity, layer, units = self.locate(ref, env)
        model = _model_indices(quantity, units)
        kind = {"s": "z", "x": "a"}.get(quantity.kind, quantity.kind)
        return (kind, layer, model[0])

    def node_derivative(self, kind: str, layer: int, unit: int) -> sympy.Expr:
        """∂E/∂a^l_j or ∂E/∂z^l_j."""
        key = (kind, layer, unit, None)
        known = self._node_derivatives.get(key)
        if known is None:
            variables, values = self.values_from(kind, layer)
            derivative = differentiate(values["E"], variables[unit - 1])
            known = replace_nodes(derivative, self.network.expansion)
            self._node_derivatives[key] = known
        return known

    def values_from(self, kind: str, layer: int):
        """The layer's units as variables and every value above them: z and a
        of each unit of the layers up to L (keyed (kind, layer, unit)) and E."""
        key = (kind, layer)
        if key not in self._loss_from:
            network = self.network
            variables = network.z[layer] if kind == "z" else network.a[layer]
            values: dict = {}
            if kind == "z":
                activation = self.spec.activation(layer)
                outputs = activation.layer_values(variables)
                values.update({("z", layer, j): z for j, z in enumerate(variables, 1)})
            else:
                outputs = variables
            values.update({("a", layer, j): a for j, a in enumerate(outputs, 1)})
            for upper in range(layer + 1, self.depth + 1):
                below = dict(zip(network.a[upper - 1], outputs, strict=True))
                activation = self.spec.activation(upper)
                inputs = tuple(
                    replace_nodes(network.pre_activation(upper, j), below)
                    for j in range(1, self.width(upper) + 1)
                )
                outputs = activation.layer_values(inputs)
                values.update({("z", upper, j): z for j, z in enumerate(inputs, 1)})
                values.update({("a", upper, j): a for j, a in enumerate(outputs, 1)})
            values["E"] = self.spec.loss.total(outputs, network.y)
            self._loss_from[key] = (variables, values)
        return self._loss_from[key]

    # -- names for counterexamples --------------------------------------------

    @cached_property
    def symbol_names(self) -> dict:
        """Plain-syntax names of the model's symbols, as the claim writes them."""
        result = {ETA: "eta"}
        for symbol, role in self.network.roles.items():
            name = self._plain_name(role)
            if name is not None:
                result[symbol] = name
        return result

    def _plain_name(self, role: Role) -> str | None:
        for quantity in self.names.quantities.values():
            if quantity.kind != role.kind or quantity.name == "W":
                continue
            if quantity.layer is not None and quantity.layer != role.layer:
                continue
            written = [0] * len(quantity.order)
            for position, model_position in enumerate(quantity.order):
                written[position] = role.indices[model_position]
            indices = "[" + ",".join(map(str, written)) + "]"
            if quantity.layered:
                return f"{quantity.name}[{role.layer}]{indices}"
            return f"{quantity.name}{indices}"
        return None


_FUNCTIONS = functions.CLAIM_MEANINGS
_CONSTANTS = {"pi": sympy.pi}


def _bounded(node: Call, argument: sympy.Expr) -> None:
    """A tower of constants (cosh(cosh(69))) is refused where it passes
    10^30, judged by its value at bounded precision, never by SymPy."""
    entry = functions.BY_NAME.get(node.function.removesuffix("'"))  # exp' grows as exp
    if entry is not None and entry.exponential_growth:
        value = numeric.constant(argument)
        if value is not None and abs(value) > MAX_EXP_ARGUMENT:
            raise InputError(
                f"{unparse(node)} is out of range (the argument is at most {MAX_EXP_ARGUMENT})"
            )


def _real(node, value: sympy.Expr) -> sympy.Expr:
    """``value`` of ``node``; a constant must be a finite real number, or
    the claim holds at no real point (log(-1) is iπ: exp(log(-1)) = −1 is
    an identity of complex numbers only)."""
    if not numeric.symbols(value) and numeric.constant(value) is None:
        raise InputError(f"{unparse(node)} is not a real number (or out of range)")
    return value


def _model_indices(quantity: Quantity, units: tuple[int, ...]) -> tuple[int, ...]:
    model = [0] * len(units)
    for position, model_position in enumerate(quantity.order):
        model[model_position] = units[position]
    return tuple(model)


def _described(ref: Ref, layer: int, units) -> str:
    if ref.layer is not None:
        return f"{ref.name}[{layer}][{','.join(map(str, units))}]"
    return f"{ref.name}[{','.join(map(str, units))}]"


def _widths(spec: NetworkSpec) -> str:
    return ",".join(map(str, spec.widths))


def _refs_with_bound(node, bound: frozenset):
    """Each Ref with the Σ letters bound where it stands."""
    if isinstance(node, Ref):
        yield node, bound
        return
    if isinstance(node, Sum):
        for limit in (node.lower, node.upper):
            if limit is not None:
                yield from _refs_with_bound(limit, bound)
        yield from _refs_with_bound(node.body, bound | {node.letter})
        return
    for child in children(node):
        yield from _refs_with_bound(child, bound)
