"""The network specification: validated once, at the edge.

Command-line strings become a :class:`NetworkSpec` here or an
:class:`~derive.support.errors.InputError` with one clear sentence; everything behind
this module may assume a valid spec.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy

from derive.spec import registry
from derive.support.errors import InputError, quote
from derive.support.language import ENGLISH, Language

MAX_LAYERS = 100
"""The kernel's check that a name is not built from the variable it is
differentiated by makes one pass over the layers per layer, so the
index-form proof grows with the square of the depth: the main job takes
19 s at depth 100, 41 s at 150 and did not finish in minutes at 500 (2-core
machine, with progress shown).  Deeper networks teach nothing the general
theorem (``derive prove --general``, every depth) does not."""
MAX_WIDTH = 1024
DEFAULT_INPUTS = 2
DEFAULT_HIDDEN = 3
DEFAULT_OUTPUTS = 2


@dataclass(frozen=True)
class NetworkSpec:
    """A fully connected network: widths n_0..n_L, one activation per weight
    layer 1..L, a loss over the n_L outputs, and biases on or off."""

    widths: tuple[int, ...]
    activations: tuple[registry.Activation, ...]
    loss: registry.Loss
    bias: bool = True
    targets_sum_to_one: bool = False
    """The declared hypothesis Σ_j y_j = 1 for every sample (one-hot or
    probability targets): under it the ce output rule δ^L_j = a^L_j Σ_k y_k − y_j
    is printed as a^L_j − y_j.  The proofs name it where they use it."""

    def __post_init__(self):
        if len(self.widths) < 2 or len(self.activations) != len(self.widths) - 1:
            raise InputError("a spec needs widths n_0..n_L and one activation per layer")
        _check_outputs(self)

    @property
    def depth(self) -> int:
        """L, the number of weight layers."""
        return len(self.widths) - 1

    @property
    def parameter_count(self) -> int:
        weights = sum(self.widths[l] * self.widths[l - 1] for l in range(1, self.depth + 1))
        return weights + (sum(self.widths[1:]) if self.bias else 0)

    def activation(self, layer: int) -> registry.Activation:
        return self.activations[layer - 1]

    def describe(self, bias_word: str = "biases", lang: Language = ENGLISH) -> str:
        """One line in language ``lang`` (the terminal's is English);
        ``bias_word`` is what the notation calls the biases
        (:attr:`derive.notation.naming.Notation.bias_word`)."""
        say = lang.gettext
        names = [a.name for a in self.activations]
        acts = names[0] if len(set(names)) == 1 else ", ".join(names)
        word = say("thresholds") if bias_word == "thresholds" else say("biases")
        bias = say("with %(word)s", word=word) if self.bias else say("no %(word)s", word=word)
        targets = say(", targets summing to 1") if self.targets_sum_to_one else ""
        return say(
            "L = %(depth)s %(layers)s, widths %(widths)s, activation %(activations)s, "
            "loss %(loss)s%(targets)s, %(bias)s",
            depth=self.depth,
            layers=lang.ngettext("layer", "layers", self.depth),
            widths="-".join(map(str, self.widths)),
            activations=acts,
            loss=self.loss.name,
            targets=targets,
            bias=bias,
        )

    @property
    def normalised_output(self) -> bool:
        """Whether the output layer is normalised (softmax): its δ needs the
        whole Jacobian ∂a^L_k/∂z^L_j, not one slope per unit."""
        return self.activations[-1].normalised


def constant_loss(spec: NetworkSpec) -> str | None:
    """Why the loss cannot train this network, where it cannot: over a
    softmax output, a loss c·ŷ + g(y) adds up to c + Σ g(y), a constant,
    since the outputs sum to 1, and every gradient is 0 (a custom loss
    may be such, e.g. ``yhat``); else None."""
    if not spec.activations[-1].normalised:
        return None
    slope = sympy.diff(spec.loss.term, registry.YHAT)
    if slope.has(registry.YHAT) or slope.has(registry.Y):
        return None
    return (
        f"loss {spec.loss.name} is linear in ŷ, and the softmax outputs sum to 1, so E is "
        f"the same for every parameter: every gradient is 0 and training does nothing"
    )


def _check_outputs(spec: NetworkSpec) -> None:
    """What the output layer and the loss must agree on: softmax only as the
    output layer and over two or more units, ``ce`` only over softmax, ``bce``
    never over it, and the targets' hypothesis only where it means something."""
    for layer, activation in enumerate(spec.activations[:-1], start=1):
        if activation.normalised:
            example = ",".join([registry.DEFAULT_ACTIVATION] * (spec.depth - 1) + [activation.name])
            raise InputError(
                f"{activation.name} normalises a whole layer into probabilities, so it can "
                f"only be the output layer (layer {spec.depth}), not layer {layer}: give one "
                f"activation per layer, e.g. --activation {example}"
            )
    output = spec.activations[-1]
    if output.normalised and spec.widths[-1] == 1:
        raise InputError(
            f"{output.name} over 1 output unit is the constant 1 (every gradient is 0): "
            f"give 2 or more outputs, or use sigmoid with bce for one yes/no output"
        )
    if spec.loss.needs_simplex and not output.normalised:
        raise InputError(
            f"loss {spec.loss.name} compares a probability distribution with the targets; "
            f"the output activation {output.name} does not give one: make the last "
            f"activation softmax (e.g. --activation sigmoid,softmax)"
        )
    if output.normalised and spec.loss.needs_unit_interval and not spec.loss.needs_simplex:
        raise InputError(
            f"loss {spec.loss.name} treats each output as an independent probability, but "
            f"{output.name} outputs depend on each other and sum to 1: use --loss ce"
        )
    if spec.targets_sum_to_one and not spec.loss.needs_simplex:
        raise InputError(
            f"--targets-sum-to-1 simplifies the output rule of the built-in loss ce only; "
            f"loss {spec.loss.name} does not use it (--loss ce is −Σ y ln ŷ)"
        )


def _positive_int(text: str, what: str, limit: int) -> int:
    text = text.strip()
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise InputError(f"{what} must be a whole number, got {quote(text, 20)}")
    if len(text.lstrip("+-0")) > 9:
        raise InputError(f"{what} {quote(text, 12)} is too large (at most {limit})")
    value = int(text)
    if value < 1:
        raise InputError(f"{what} must be at least 1, got {value}")
    if value > limit:
        raise InputError(f"{what} {value} is too large (at most {limit})")
    return value


def default_widths(depth: int) -> tuple[int, ...]:
    return (DEFAULT_INPUTS,) + (DEFAULT_HIDDEN,) * (depth - 1) + (DEFAULT_OUTPUTS,)


def parse_widths(text: str, depth: int | None) -> tuple[int, ...]:
    """Widths n_0..n_L from "2,3,1"; ``depth``, when given, fixes their number."""
    parts = text.split(",")
    widths = tuple(_positive_int(p, "every width", MAX_WIDTH) for p in parts)
    if depth is not None and len(widths) != depth + 1:
        raise InputError(
            f"--widths needs {depth + 1} numbers n_0..n_{depth} for --layers {depth}, "
            f"got {len(widths)}"
        )
    if len(widths) < 2:
        raise InputError("--widths needs at least two numbers (inputs and outputs)")
    return widths


def parse_activations(text: str | None, depth: int) -> tuple[registry.Activation, ...]:
    """One activation for every layer, or a comma-separated list, one per layer.

    A custom expression may itself contain commas (``max(x, 0)``), so the text
    is split only when every piece is a known name or when the whole does not
    parse as one expression.
    """
    if text is None:
        return (registry.ACTIVATIONS[registry.DEFAULT_ACTIVATION],) * depth
    pieces = [p.strip() for p in _top_level_split(text)]
    if len(pieces) == 1:
        return (registry.activation(text),) * depth
    if len(pieces) != depth:
        raise InputError(
            f"--activation lists {len(pieces)} activations but the network has {depth} layers"
        )
    return tuple(registry.activation(p) for p in pieces)


def _top_level_split(text: str) -> list[str]:
    """Split on commas outside parentheses: 'max(x, 0),relu' is two pieces."""
    pieces, depth, start = [], 0, 0
    for position, character in enumerate(text):
        if character == "(":
            depth += 1
        elif character == ")":
            depth -= 1
        elif character == "," and depth == 0:
            pieces.append(text[start:position])
            start = position + 1
    pieces.append(text[start:])
    return pieces


def _text(value, what: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int)) for v in value):
        return ",".join(map(str, value))
    raise InputError(f"{what} must be text, a whole number or a list, not {type(value).__name__}")


def parse_spec(
    layers: str | None = None,
    widths: str | None = None,
    activation: str | None = None,
    loss: str | None = None,
    bias: bool = True,
    targets_sum_to_one: bool = False,
) -> NetworkSpec:
    """Build a spec from command-line text; ``None`` means the default.
    From Python, numbers and lists are accepted too: ``parse_spec(3, [2, 3, 3, 1])``."""
    layers = None if layers is None else _text(layers, "layers")
    widths = None if widths is None else _text(widths, "widths")
    activation = None if activation is None else _text(activation, "activation")
    loss = None if loss is None else _text(loss, "loss")
    depth = _positive_int(layers, "--layers", MAX_LAYERS) if layers is not None else None
    if widths is None:
        width_tuple = default_widths(depth if depth is not None else 2)
    else:
        width_tuple = parse_widths(widths, depth)
    depth = len(width_tuple) - 1
    if depth > MAX_LAYERS:
        raise InputError(f"--widths describes {depth} layers (at most {MAX_LAYERS})")
    return NetworkSpec(
        widths=width_tuple,
        activations=parse_activations(activation, depth),
        loss=registry.loss(loss) if loss is not None else registry.LOSSES[registry.DEFAULT_LOSS],
        bias=bias,
        targets_sum_to_one=targets_sum_to_one,
    )
