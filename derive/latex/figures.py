"""Pictures of the network for derivation.tex, drawn in TikZ from the model.

The seed leans on two diagrams of the network; a learner follows a chain of
derivatives more easily on a picture than in a row of symbols.  Every label
here is a name the notation's LaTeX printer prints from the same indexed
symbols the formulas use (a^l_u, w^l_jk, b^l_j, or the book's x_i, b_h,
ŷ_j, v_ih, w_hj, γ_h, θ_j), so a figure and the text beside it never
disagree on a name.  Only the drawing is decided here: which units and
layers fit on the page, and which edges a chain of the text highlights.

- A layer wider than :data:`MAX_DRAWN` units is drawn as its first units, a
  "⋯" and its last unit, with its width written beside it.
- A network deeper than :data:`MAX_ROWS` layers is drawn with a "⋮" for the
  layers in between.
- A chain is drawn for its first units (j = k = 1), as the sum over paths
  is written for w¹₁₁: the weight's edge, its unit, and every edge on a path
  from that unit to the loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from derive.derivation.indexed import ABOVE, E, J, K, a, b, n, w
from derive.latex.layout import LatexWriter

MAX_DRAWN = 5
"""Units drawn per layer; a wider layer shows its first ones, "⋯" and its last."""

MAX_ROWS = 5
"""Layers drawn, input included; a deeper network gets a "⋮" in between."""

UNIT_SPACING = 1.9
ROW_SPACING = 1.55
PANEL_ROW_SPACING = 1.15
TEXT_WIDTH = 15.5
"""The page's text width in cm (A4, 2.5 cm margins), less a little room."""

STYLES = r"""[x=1cm, y=1cm,
  unit/.style={circle, draw, minimum size=9mm, inner sep=0pt, font=\small},
  loss/.style={rectangle, draw, rounded corners, minimum width=12mm, minimum height=7mm,
    font=\small},
  edge/.style={gray!55, thin},
  weight/.style={red!75!black, line width=1.6pt},
  chain/.style={orange!85!black, line width=0.9pt},
  first/.style={blue!70!black, line width=1.3pt},
  marked/.style={unit, draw=red!75!black, line width=1.2pt, fill=red!8},
  beside/.style={font=\scriptsize, inner sep=1pt},
  edgename/.style={font=\footnotesize, fill=white, inner sep=1pt},
  band/.style={font=\small, anchor=east, text=black!70}]"""


@dataclass(frozen=True)
class Figure:
    """One picture: its TikZ code, and the names its caption cites."""

    tikz: str
    names: dict = field(default_factory=dict)


def drawn_units(width: int) -> list[int | None]:
    """The units of a layer that are drawn, in order; None is the "⋯"."""
    if width <= MAX_DRAWN:
        return list(range(1, width + 1))
    return [*range(1, MAX_DRAWN - 1), None, width]


def drawn_layers(first: int, last: int) -> list[int | None]:
    """The layers from ``first`` to ``last`` that are drawn; None is the "⋮".
    The two lowest and the two highest are kept: a chain starts at the bottom
    and ends at the loss."""
    layers = list(range(first, last + 1))
    if len(layers) <= MAX_ROWS:
        return layers
    return [first, first + 1, first + 2, None, last - 1, last]


def _node(layer: int, unit: int) -> str:
    return f"u{layer}-{unit}"


class _Drawing:
    """A TikZ picture under construction: nodes, edges and labels as lines."""

    def __init__(self, writer: LatexWriter):
        self.writer = writer
        self.network = writer.network
        self.lines: list[str] = []

    def math(self, expr) -> str:
        return "$" + self.writer.math(expr) + "$"

    def unit_name(self, layer: int, unit: int) -> str:
        return self.math(a[layer, unit])

    def bias_name(self, layer: int, unit: int) -> str | None:
        if layer == 0 or not self.network.spec.bias:
            return None
        return self.math(b[layer, unit])

    def layer(
        self,
        layer: int,
        y: float,
        *,
        x0: float = 0.0,
        units: list[int | None] | None = None,
        marked=(),
        spacing: float = UNIT_SPACING,
        prefix: str = "",
    ) -> list[int]:
        """One row of units at height ``y``: the layer's drawn units, or
        ``units`` (a panel's few, unannotated).  Returns the units drawn as
        nodes, named ``prefix`` + :func:`_node`."""
        width = self.network.width(layer)
        whole = units is None
        slots = drawn_units(width) if whole else units
        placed = []
        for position, unit in enumerate(slots):
            x = x0 + (position - (len(slots) - 1) / 2) * spacing
            if unit is None:
                self.lines.append(rf"\node at ({x:.2f},{y:.2f}) {{$\cdots$}};")
                continue
            style = "marked" if unit in marked else "unit"
            bias = self.bias_name(layer, unit) if whole else None
            label = f", label={{[beside]right:{bias}}}" if bias else ""
            self.lines.append(
                rf"\node[{style}{label}] ({prefix}{_node(layer, unit)}) at ({x:.2f},{y:.2f}) "
                rf"{{{self.unit_name(layer, unit)}}};"
            )
            placed.append(unit)
        if whole and width > MAX_DRAWN:
            right = x0 + (len(slots) - 1) / 2 * spacing + 1.0
            self.lines.append(
                rf"\node[anchor=west, font=\small] at ({right:.2f},{y:.2f}) "
                rf"{{{self.math(sympy.Eq(n[layer], width))}}};"
            )
        return placed

    def edge(self, source: str, target: str, style: str = "edge", name: str = "") -> None:
        label = f" node[edgename, pos=0.5, left=1pt] {{{name}}}" if name else ""
        self.lines.append(rf"\draw[{style}] ({source}) --{label} ({target});")

    def loss(self, y: float, x: float = 0.0, node: str = "loss") -> None:
        self.lines.append(rf"\node[loss] ({node}) at ({x:.2f},{y:.2f}) {{{self.math(E)}}};")

    def tikz(self) -> str:
        return "\n".join([r"\begin{tikzpicture}" + STYLES, *self.lines, r"\end{tikzpicture}"])


def _weight_band_name(writer: LatexWriter, layer: int) -> sympy.Expr:
    """The weights between ``layer`` − 1 and ``layer`` with the notation's
    letters: w^l_jk, or the book's v_ih and w_hj."""
    letters = writer.notation.unit_letters
    if letters is None:
        j, k = J, K
    else:
        j, k = (sympy.Symbol(letters[m], integer=True, positive=True) for m in (layer, layer - 1))
    return w[layer, j, k]


def _network(writer: LatexWriter, layers, marked=None) -> tuple[_Drawing, list]:
    """The rows of ``layers`` and the loss above them; ``marked`` maps a
    layer to the units drawn highlighted.  Returns the drawing and the edges
    between consecutive drawn rows, bottom up, for the caller to draw."""
    drawing = _Drawing(writer)
    depth = writer.network.depth
    units: dict[int, list[int]] = {}
    for row, layer in enumerate(layers):
        y = row * ROW_SPACING
        if layer is None:
            drawing.lines.append(rf"\node at (0,{y:.2f}) {{$\vdots$}};")
            continue
        units[layer] = drawing.layer(layer, y, marked=(marked or {}).get(layer, ()))
        below = layers[row - 1] if row else None
        if below is not None:
            band = drawing.math(_weight_band_name(writer, layer))
            middle = y - ROW_SPACING / 2
            drawn = max(len(drawn_units(writer.network.width(m))) for m in (below, layer))
            left = -(drawn - 1) / 2 * UNIT_SPACING - 0.75
            drawing.lines.append(rf"\node[band] at ({left:.2f},{middle:.2f}) {{{band}}};")
    drawing.loss(len(layers) * ROW_SPACING)
    edges = []  # ((layer, unit), (layer, unit)), the loss as (depth + 1, 0), bottom up
    for lower, upper in zip(layers, layers[1:], strict=False):
        if lower is not None and upper is not None:
            edges += [((lower, s), (upper, t)) for s in units[lower] for t in units[upper]]
    if layers[-1] == depth:
        edges += [((depth, s), (depth + 1, 0)) for s in units[depth]]
    return drawing, edges


def _id(end: tuple[int, int], depth: int) -> str:
    layer, unit = end
    return "loss" if layer == depth + 1 else _node(layer, unit)


def network(writer: LatexWriter) -> Figure:
    """The whole network with its labelled units, weights and biases or
    thresholds, and the loss above the outputs (the book's Figure 5.7)."""
    depth = writer.network.depth
    drawing, edges = _network(writer, drawn_layers(0, depth))
    for source, target in edges:
        drawing.edge(_id(source, depth), _id(target, depth))
    return Figure(drawing.tikz())


def chain(writer: LatexWriter, layer: int) -> Figure:
    """The network with the chain of ``layer``'s step-by-step section
    highlighted, drawn for its first units: the weight w^l_11's edge, the
    unit it feeds, and every edge on a path from that unit to the loss.
    Layers are fully connected, so every unit above the weight's unit is on
    such a path, across a "⋮" too: an edge is on one where it leaves that
    unit or a layer above it."""
    depth = writer.network.depth
    first = 0 if depth < MAX_ROWS else layer - 1
    drawing, edges = _network(writer, drawn_layers(first, depth), marked={layer: (1,)})
    weight = ((layer - 1, 1), (layer, 1))

    def on_path(edge) -> bool:
        (source_layer, source_unit), _ = edge
        return source_layer > layer or (source_layer, source_unit) == (layer, 1)

    others = [edge for edge in edges if edge != weight]
    for edge in sorted(others, key=on_path):  # highlighted edges drawn over the others
        drawing.edge(*(_id(end, depth) for end in edge), "chain" if on_path(edge) else "edge")
    drawing.edge(*(_id(end, depth) for end in weight), "weight", drawing.math(w[layer, 1, 1]))
    generic = _weight_band_name(writer, layer)
    j, k = (writer.math(letter) for letter in generic.indices[1:])
    return Figure(
        drawing.tikz(),
        {"weight": writer.math(w[layer, 1, 1]), "instance": f"{j} = {k} = 1"},
    )


def paths(writer: LatexWriter) -> Figure:
    """The paths from the first-layer weight w¹₁₁ to the loss of a
    three-layer network, one panel per group: the paths that share their
    first edge after the weight, from a¹₁ to one unit of layer 2.  The
    weight's edge is labelled w¹₁₁ in every panel, the group's first edge
    (in its own colour) with its weight w²ᵢ₁."""
    net = writer.network
    groups = drawn_units(net.width(2))
    tops = drawn_units(net.width(3))
    spacing = 1.2
    panel_width = max(len(tops), 2) * spacing + 0.5
    drawing = _Drawing(writer)
    for number, unit in enumerate(groups):
        x = (number - (len(groups) - 1) / 2) * panel_width
        if unit is None:
            drawing.lines.append(rf"\node at ({x:.2f},{2 * PANEL_ROW_SPACING:.2f}) {{$\cdots$}};")
            continue
        prefix = f"p{number}-"
        for row, (layer, units) in enumerate([(0, [1]), (1, [1]), (2, [unit]), (3, tops)]):
            y = row * PANEL_ROW_SPACING
            drawing.layer(layer, y, x0=x, units=units, spacing=spacing, prefix=prefix)
        loss = prefix + "loss"
        drawing.loss(4 * PANEL_ROW_SPACING, x, loss)
        weight, first = drawing.math(w[1, 1, 1]), drawing.math(w[2, unit, 1])
        drawing.edge(prefix + _node(0, 1), prefix + _node(1, 1), "weight", weight)
        drawing.edge(prefix + _node(1, 1), prefix + _node(2, unit), "first", first)
        for top in (t for t in tops if t is not None):
            drawing.edge(prefix + _node(2, unit), prefix + _node(3, top), "chain")
            drawing.edge(prefix + _node(3, top), loss, "chain")
    tikz = drawing.tikz()
    if len(groups) * panel_width > TEXT_WIDTH:  # many wide panels: shrunk to the page
        tikz = r"\resizebox{\linewidth}{!}{%" + "\n" + tikz + "}"
    total = sympy.Mul(n[2], n[3], evaluate=False)
    count = net.width(2) * net.width(3)
    return Figure(
        tikz,
        {
            "count": writer.math(total) + f" = {count}",
            "weight": writer.math(w[1, 1, 1]),
            "unit": writer.math(a[1, 1]),
            "edge": writer.math(w[2, ABOVE, 1]),
        },
    )
