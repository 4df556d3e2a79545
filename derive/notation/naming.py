"""Notations: how each quantity of the one model is named.

A notation maps a quantity — its kind, its layer and its unit indices, which
may be numbers or index letters — to a display name in Unicode or LaTeX.  It
never changes the mathematics, with one exception that is the notation's own
convention and is therefore declared here: the watermelon book subtracts
thresholds (z = Wa − θ) and names the negated δ's (g_j = −δ²_j,
e_h = −δ¹_h).  :attr:`Notation.bias_sign` and :attr:`Notation.delta_sign`
carry those conventions to the model and to the printed formulas.
"""

from __future__ import annotations

from dataclasses import dataclass

from derive.notation.spellings import LAYER, LAYER_SIZES, XIGUA, XIGUA_SIZES, Quantity, Size
from derive.support.errors import InputError, did_you_mean, quote

_SUPERSCRIPT = str.maketrans("0123456789+-=()lnL", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ˡⁿᴸ")
_SUBSCRIPT = str.maketrans("0123456789+-=()aehijklmnopstx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚₛₜₓ")
_SUPERSCRIPT_CHARS = set("0123456789+-=()lnL")
_SUBSCRIPT_CHARS = set("0123456789+-=()aehijklmnopstx")


def superscript(text: str) -> str:
    """Unicode superscript where every character has one, else ``^(text)``."""
    if set(text) <= _SUPERSCRIPT_CHARS:
        return text.translate(_SUPERSCRIPT)
    return f"^({text})"


def subscript(text: str) -> str:
    """Unicode subscript where every character has one, else ``_(text)``."""
    if set(text) <= _SUBSCRIPT_CHARS:
        return text.translate(_SUBSCRIPT)
    return f"_({text})"


def _join(indices: tuple[str, ...]) -> str:
    """Single-character indices run together (jk); longer ones get commas."""
    if all(len(i) == 1 for i in indices):
        return "".join(indices)
    return ",".join(indices)


@dataclass(frozen=True)
class Name:
    """A quantity's name: a base letter, an optional layer, unit indices."""

    unicode_base: str
    latex_base: str
    indices: tuple[str, ...] = ()
    layer: str | None = None
    compound: bool = False
    """True when the name is an expression (α_h − γ_h) that needs parentheses
    inside a product."""

    def unicode(self) -> str:
        text = self.unicode_base
        if self.layer is not None:
            text += superscript(self.layer)
        if self.indices:
            text += subscript(_join(self.indices))
        return text

    def latex(self) -> str:
        text = self.latex_base
        if self.layer is not None:
            text += "^{" + self.layer + "}"
        if self.indices:
            text += "_{" + _join(self.indices) + "}"
        return text


class Notation:
    """Base class: a named convention for the network's quantities."""

    name = ""
    bias_sign = 1
    delta_sign = 1
    loss_name = "E"
    bias_word = "biases"
    """What the notation calls the bias parameters (the watermelon book: thresholds)."""
    any_layer = True
    """Whether the notation writes a rule for any layer l (the index and
    matrix forms); the watermelon book writes each layer's rule by itself."""
    unit_letters: dict[int, str] | None = None
    """Index letter for the units of each layer, where the notation fixes them
    (the watermelon book: i inputs, h hidden, j outputs); None keeps j, k."""

    width_letters: tuple[str, ...] | None = None
    """The letter of each layer's width, where the notation gives every width
    a letter of its own (the watermelon book: d inputs, q hidden, l outputs);
    None: n_l.  A walkthrough then keeps the widths as letters, and a claim's
    messages name them so."""
    sample_letter = "s"
    """The index of a sample in the batch's mean loss (the book: E_k, sample k)."""
    other_output_letter = "k"
    """The index of a softmax output's sums over the output layer, Σ_k e^{z_k},
    beside the unit j; the book's k is the sample, so it uses t."""
    output_spelling = "a"
    """The claim name that LaTeX's \\hat{y} stands for: the output's own name
    where the notation has one (yhat), else the activations a."""

    depths: frozenset[int] | None = None
    """The depths (--layers) the notation names, where it names only some;
    None: any depth.  Declared here once: the CLI and ``derive check`` ask
    :meth:`check_depth`, and a claim's symbolic sizes range over these."""
    networks = ""
    """What the networks of :attr:`depths` are called, for the error."""
    described = ""
    """The notation in a few words and names, for a message that points a
    learner to it ("the watermelon book's names (v_ih, w_hj, g_j, e_h)")."""
    spellings: dict[str, Quantity] = {}
    """The quantities a claim names in this notation, by plain-syntax name."""
    size_spellings: dict[str, Size] = {}
    """The sizes (widths, depth) a claim names."""
    foreign_spellings: frozenset[str] = frozenset()
    """Names of the other notation, refused with a message that says so."""

    @property
    def names_weighted_sums(self) -> bool:
        """Whether the notation names a unit's weighted sum apart from its
        threshold (α_h, β_j): its chains of derivatives run through those
        sums, not through z = α_h − γ_h."""
        return any(q.kind == "s" for q in self.spellings.values())

    def error_spellings(self) -> str:
        """How a claim writes the errors (the δ's, or the book's g and e),
        for messages: ``g[j], e[h]``."""
        return ", ".join(q.example[0] for q in self.spellings.values() if q.kind == "delta")

    def widths_text(self) -> str:
        """The network's widths, as a message lists them: ``d,q,l`` or ``n0..nL``."""
        return ",".join(self.width_letters) if self.width_letters else "n0..nL"

    def check_depth(self, depth: int) -> None:
        """Raise InputError where the notation cannot name a network of this depth."""
        if self.depths is not None and depth not in self.depths:
            allowed = ", ".join(f"--layers {d}" for d in sorted(self.depths))
            others = [
                other
                for other in NOTATIONS.values()
                if other.depths is None or depth in other.depths
            ]
            pointer = (
                f"; {others[0].described} names it: --notation {others[0].name}" if others else ""
            )
            raise InputError(
                f"--notation {self.name} names {self.networks} only ({allowed}), "
                f"not --layers {depth}{pointer}"
            )

    def name_of(self, kind: str, layer: str | None, indices: tuple[str, ...]) -> Name:
        raise NotImplementedError


class LayerNotation(Notation):
    """w^l_jk, b^l_j, z^l_j, a^l_j, δ^l_j for a network of any depth."""

    name = "layer"
    described = "the layer notation (w^l_jk, delta^l_j, for any depth)"
    spellings = LAYER
    size_spellings = LAYER_SIZES
    foreign_spellings = frozenset({"yhat", "alpha", "beta", "v", "gamma", "theta", "g", "e"})
    _BASES = {
        "x": ("x", "x"),
        "y": ("y", "y"),
        "w": ("w", "w"),
        "b": ("b", "b"),
        "z": ("z", "z"),
        "a": ("a", "a"),
        "delta": ("δ", r"\delta"),
    }

    def name_of(self, kind, layer, indices):
        if kind == "n":
            return Name("n", "n", (layer,))
        if kind == "a" and layer == "0":
            kind, layer = "x", None
        unicode_base, latex_base = self._BASES[kind]
        return Name(unicode_base, latex_base, tuple(indices), layer)


class XiguaNotation(Notation):
    """The watermelon book's names for one hidden layer (§5.3 of Zhou's
    *Machine Learning*): inputs x_i, v_ih, thresholds γ_h and θ_j, hidden
    outputs b_h, w_hj, outputs ŷ_j, and g_j = −δ²_j, e_h = −δ¹_h."""

    name = "xigua"
    bias_sign = -1
    delta_sign = -1
    loss_name = "E_k"
    bias_word = "thresholds"
    any_layer = False
    unit_letters = {0: "i", 1: "h", 2: "j"}
    width_letters = ("d", "q", "l")
    sample_letter = "k"
    other_output_letter = "t"
    output_spelling = "yhat"
    depths = frozenset({2})
    networks = "the one-hidden-layer network"
    described = "the watermelon book's names (v_ih, w_hj, gamma_h, theta_j, g_j, e_h)"
    spellings = XIGUA
    size_spellings = XIGUA_SIZES
    foreign_spellings = frozenset({"a", "z", "delta", "n", "L"})

    _BASES = {
        ("w", 1): ("v", "v"),
        ("w", 2): ("w", "w"),
        ("b", 1): ("γ", r"\gamma"),
        ("b", 2): ("θ", r"\theta"),
        ("s", 1): ("α", r"\alpha"),
        ("s", 2): ("β", r"\beta"),
        ("a", 1): ("b", "b"),
        ("a", 2): ("ŷ", r"\hat{y}"),
        ("delta", 1): ("e", "e"),
        ("delta", 2): ("g", "g"),
    }
    """(kind, layer) → Unicode and LaTeX letter; a weight w_hj is written
    from unit h to unit j, its indices the other way round."""

    def name_of(self, kind, layer, indices):
        indices = tuple(indices)
        level = None if layer is None else int(layer) if str(layer).isdigit() else None
        if kind == "x" or (kind == "a" and level == 0):
            return Name("x", "x", indices)
        if kind == "y":
            return Name("y", "y", indices)
        if kind == "n":
            sizes = {str(number): letter for number, letter in enumerate(self.width_letters)}
            size = sizes.get(str(layer), "n")
            return Name(size, size)
        if kind == "z" and ("s", level) in self._BASES:
            # the threshold is subtracted: z is α_h − γ (β_j − θ), one name
            sum_unicode, sum_latex = self._BASES["s", level]
            threshold_unicode, threshold_latex = self._BASES["b", level]
            return Name(
                sum_unicode + subscript(_join(indices)) + " − " + threshold_unicode,
                sum_latex + "_{" + _join(indices) + "} - " + threshold_latex,
                indices,
                compound=True,
            )
        if (kind, level) not in self._BASES:
            raise ValueError(f"xigua notation has no name for {kind} in layer {layer}")
        unicode_base, latex_base = self._BASES[kind, level]
        return Name(unicode_base, latex_base, indices[::-1] if kind == "w" else indices)


NOTATIONS = {notation.name: notation for notation in (LayerNotation(), XiguaNotation())}


def notation(name: str) -> Notation:
    try:
        return NOTATIONS[name]
    except KeyError:
        known = ", ".join(NOTATIONS)
        raise InputError(
            f"unknown notation {quote(name)}{did_you_mean(name, NOTATIONS)} (known: {known})"
        ) from None
