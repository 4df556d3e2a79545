"""The symbolic network: one model, every name a SymPy symbol.

The model holds two views of the same network:

* the **layered** view, with a symbol for every z^l_j and a^l_j, where each
  equation is local (z^l_j = Σ_k w^l_jk a^{l−1}_k + b^l_j, a^l_j = f_l(z^l_j),
  E = Σ_j ℓ(a^L_j, y_j));
* the **expanded** view, where those symbols are replaced by their
  definitions all the way down, so E is one expression of x, y and the
  parameters.  SymPy shares the repeated sub-expressions, so the expanded loss
  is a DAG whose size grows linearly with depth even though its tree (and
  anything that walks it path by path) grows exponentially.

Symbols are real and carry a :class:`Role` (kind, layer, unit indices) so that
a notation can name them without a second model.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy

from derive.notation.quantities import scalar_name
from derive.spec.network import NetworkSpec


@dataclass(frozen=True)
class Role:
    """What a symbol stands for: ``kind`` (x, y, w, b, z, a or delta), the layer
    (None for x and y) and the 1-based unit indices."""

    kind: str
    layer: int | None
    indices: tuple[int, ...]


class Network:
    """A fully connected network of any depth as SymPy symbols and equations.

    ``bias_sign`` is +1 for z = Wa + b and −1 for the watermelon book's
    thresholds, z = Wa − θ: the same model with the bias parameter's sign
    flipped, so both notations share every other symbol and equation.
    """

    def __init__(self, spec: NetworkSpec, bias_sign: int = 1):
        if bias_sign not in (1, -1):
            raise ValueError("bias_sign must be +1 or -1")
        self.spec = spec
        self.bias_sign = bias_sign
        self.roles: dict[sympy.Symbol, Role] = {}

    # Symbols are made on first use: a 100-layer, width-64 network has 400 000
    # weights, and the index-form derivation never needs them one by one.

    @cached_property
    def x(self) -> tuple[sympy.Symbol, ...]:
        return tuple(self._symbol("x", None, (k,)) for k in range(1, self.width(0) + 1))

    @cached_property
    def y(self) -> tuple[sympy.Symbol, ...]:
        return tuple(self._symbol("y", None, (j,)) for j in range(1, self.width(self.depth) + 1))

    @cached_property
    def weights(self) -> dict[int, tuple[tuple[sympy.Symbol, ...], ...]]:
        return {
            l: tuple(
                tuple(self._symbol("w", l, (j, k)) for k in range(1, self.width(l - 1) + 1))
                for j in range(1, self.width(l) + 1)
            )
            for l in range(1, self.depth + 1)
        }

    @cached_property
    def biases(self) -> dict[int, tuple[sympy.Symbol, ...]]:
        if not self.spec.bias:
            return {}
        return {l: self._unit_symbols("b", l) for l in range(1, self.depth + 1)}

    @cached_property
    def z(self) -> dict[int, tuple[sympy.Symbol, ...]]:
        return {l: self._unit_symbols("z", l) for l in range(1, self.depth + 1)}

    @cached_property
    def a(self) -> dict[int, tuple[sympy.Symbol, ...]]:
        return {0: self.x, **{l: self._unit_symbols("a", l) for l in range(1, self.depth + 1)}}

    @cached_property
    def delta(self) -> dict[int, tuple[sympy.Symbol, ...]]:
        return {l: self._unit_symbols("delta", l) for l in range(1, self.depth + 1)}

    def _symbol(self, kind: str, layer: int | None, indices: tuple[int, ...]) -> sympy.Symbol:
        role = Role(kind, layer, indices)
        symbol = sympy.Symbol(scalar_name(kind, layer, indices), real=True)
        self.roles[symbol] = role
        return symbol

    def _unit_symbols(self, kind: str, layer: int) -> tuple[sympy.Symbol, ...]:
        return tuple(self._symbol(kind, layer, (j,)) for j in range(1, self.spec.widths[layer] + 1))

    @property
    def depth(self) -> int:
        return self.spec.depth

    def width(self, layer: int) -> int:
        return self.spec.widths[layer]

    def parameters(self, layer: int | None = None) -> list[sympy.Symbol]:
        """Weights then biases, layer by layer (row-major within W^l)."""
        layers = range(1, self.depth + 1) if layer is None else (layer,)
        result = []
        for l in layers:
            result.extend(w for row in self.weights[l] for w in row)
            result.extend(self.biases.get(l, ()))
        return result

    # -- the layered view ------------------------------------------------------

    def pre_activation(self, layer: int, unit: int) -> sympy.Expr:
        """z^l_j = Σ_k w^l_jk a^{l−1}_k ± b^l_j, in terms of the layer below's symbols."""
        return self._affine(layer, unit, self.a[layer - 1])

    def activation(self, layer: int, unit: int) -> sympy.Expr:
        """a^l_j = f_l(z^l_j); for softmax e^{z^l_j} / Σ_k e^{z^l_k}."""
        return self.spec.activation(layer).layer_values(self.z[layer])[unit - 1]

    def loss_layered(self) -> sympy.Expr:
        """E = Σ_j ℓ(a^L_j, y_j) in terms of the output symbols."""
        return self.spec.loss.total(self.a[self.depth], self.y)

    def _affine(self, layer: int, unit: int, below) -> sympy.Expr:
        row = self.weights[layer][unit - 1]
        total = sympy.Add(*(w * a for w, a in zip(row, below, strict=True)))
        if self.spec.bias:
            total += self.bias_sign * self.biases[layer][unit - 1]
        return total

    # -- the expanded view -----------------------------------------------------

    @cached_property
    def forward_expanded(self) -> tuple[dict, dict]:
        """(z, a): for every layer, each unit's value as an expression of x and
        the parameters, built bottom-up so lower layers are shared, not copied."""
        z_values, a_values = {}, {0: self.x}
        for l in range(1, self.depth + 1):
            activation = self.spec.activation(l)
            z_values[l] = tuple(
                self._affine(l, j, a_values[l - 1]) for j in range(1, self.width(l) + 1)
            )
            a_values[l] = activation.layer_values(z_values[l])
        return z_values, a_values

    @cached_property
    def loss_expanded(self) -> sympy.Expr:
        """E as one expression of x, y and the parameters."""
        _, a_values = self.forward_expanded
        return self.spec.loss.total(a_values[self.depth], self.y)

    @cached_property
    def pre_activations_expanded(self) -> frozenset:
        """Every expanded z^l_j: sub-expressions that exact comparisons may
        treat as atoms (see :func:`proofs.kernel.algebra.is_zero`)."""
        z_values, _ = self.forward_expanded
        return frozenset(value for layer in z_values.values() for value in layer)

    @cached_property
    def expansion(self) -> dict[sympy.Symbol, sympy.Expr]:
        """The substitution that turns the layered view into the expanded one."""
        z_values, a_values = self.forward_expanded
        mapping = {}
        for l in range(1, self.depth + 1):
            mapping.update(zip(self.z[l], z_values[l], strict=True))
            mapping.update(zip(self.a[l], a_values[l], strict=True))
        return mapping
