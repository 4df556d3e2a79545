"""The write-up's pictures: the network, each chain highlighted, and the
sum over paths, drawn in TikZ from the model.

The expected counts are computed here from the widths (how many units,
edges and paths a network of these widths has), and the expected names are
the book's (Zhou, Figure 5.7), not read back from the program.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from derive.cli import main
from derive.latex import figures
from derive.latex.layout import LatexWriter
from derive.notation.naming import notation
from derive.pipeline import derivation
from derive.present.presentation import Presentation
from derive.spec.network import parse_spec


def _writer(widths: str, notation_name: str = "layer", **options) -> LatexWriter:
    spec = parse_spec(widths=widths, **options)
    chosen = notation(notation_name)
    return LatexWriter(Presentation(derivation(spec, chosen), chosen))


def _units(tikz: str) -> list[tuple[str, str]]:
    """(node id, label) of every unit circle."""
    return re.findall(r"\\node\[(?:unit|marked).*?\] \(([^)]+)\) at \([^)]*\) \{(.*)\};", tikz)


def _edges(tikz: str, style: str | None = None) -> list[tuple[str, str]]:
    found = re.findall(r"\\draw\[(\w+)\] \((\S+)\) --(?: node\[[^\]]*\] \{.*?\})? \((\S+)\);", tikz)
    return [(s, t) for kind, s, t in found if style is None or kind == style]


def test_the_network_has_every_unit_and_every_weight_of_a_small_network():
    widths = (2, 3, 3, 2)
    tikz = figures.network(_writer("2,3,3,2")).tikz
    assert len(_units(tikz)) == sum(widths)
    between = sum(lower * upper for lower, upper in zip(widths, widths[1:], strict=False))
    assert len(_edges(tikz)) == between + widths[-1]  # and each output to the loss
    assert len(set(_edges(tikz))) == len(_edges(tikz))


def test_the_book_network_is_labelled_with_the_books_names():
    """Figure 5.7 of the watermelon book: inputs x_i, hidden outputs b_h,
    outputs ŷ_j, weights v_ih and w_hj, thresholds γ_h and θ_j."""
    tikz = figures.network(_writer("2,3,2", "xigua")).tikz
    labels = {label for _, label in _units(tikz)}
    assert labels == {r"$x_{1}$", r"$x_{2}$", r"$b_{1}$", r"$b_{2}$", r"$b_{3}$",
                      r"$\hat{y}_{1}$", r"$\hat{y}_{2}$"}  # fmt: skip
    for name in (r"$v_{ih}$", r"$w_{hj}$", r"$\gamma_{3}$", r"$\theta_{2}$", r"$E_k$"):
        assert name in tikz, name
    assert "a^{" not in tikz and "w^{" not in tikz, "no layer-notation name in the book's figure"


def test_without_biases_no_bias_is_drawn():
    tikz = figures.network(_writer("2,3,2", bias=False)).tikz
    assert "b^{" not in tikz
    assert "b^{1}_{3}" in figures.network(_writer("2,3,2")).tikz


def test_a_wide_layer_is_drawn_with_dots_and_its_width():
    tikz = figures.network(_writer("784,64,10")).tikz
    drawn = figures.MAX_DRAWN - 1
    assert len(_units(tikz)) == 3 * drawn
    assert tikz.count(r"$\cdots$") == 3
    for layer, width in enumerate((784, 64, 10)):
        assert f"n_{{{layer}}} = {width}" in tikz
        assert f"_{{{width}}}$}}" in tikz, f"the last unit of layer {layer} is drawn"
    assert len(_edges(tikz)) == 2 * drawn * drawn + drawn


def test_a_deep_network_leaves_out_the_middle_layers():
    widths = "2," + ",".join(["3"] * 7) + ",2"  # eight weight layers
    tikz = figures.network(_writer(widths)).tikz
    assert tikz.count(r"$\vdots$") == 1
    drawn_layers = {node.split("-")[0] for node, _ in _units(tikz)}
    assert drawn_layers == {"u0", "u1", "u2", "u7", "u8"}


@pytest.mark.parametrize("widths", ["2,3,3,2", "3,4,2,5,2", "2,7,6,2"])
def test_a_chain_highlights_the_weight_and_exactly_the_paths_from_its_unit(widths):
    sizes = [min(int(w), figures.MAX_DRAWN - 1) if int(w) > figures.MAX_DRAWN else int(w)
             for w in widths.split(",")]  # fmt: skip
    depth = len(sizes) - 1
    writer = _writer(widths)
    for layer in range(1, depth + 1):
        tikz = figures.chain(writer, layer).tikz
        assert _edges(tikz, "weight") == [(f"u{layer - 1}-1", f"u{layer}-1")]
        if layer == depth:
            assert _edges(tikz, "chain") == [(f"u{depth}-1", "loss")]
        else:  # one edge to each unit above, every edge of the layers above, the outputs' edges
            above = sum(sizes[m - 1] * sizes[m] for m in range(layer + 2, depth + 1))
            expected = sizes[layer + 1] + above + sizes[depth]
            assert len(_edges(tikz, "chain")) == expected
        marked = re.findall(r"\\node\[marked.*?\] \(([^)]+)\)", tikz)
        assert marked == [f"u{layer}-1"]
        assert f"w^{{{layer}}}_{{11}}" in tikz


def test_the_paths_figure_has_one_panel_per_unit_of_layer_two_and_every_path():
    for widths, groups, tops in (("2,3,3,2", 3, 2), ("2,2,4,3", 4, 3)):
        figure = figures.paths(_writer(widths))
        losses = re.findall(r"\((p\d+-loss)\) at", figure.tikz)
        assert len(losses) == groups
        assert len(_edges(figure.tikz, "chain")) == 2 * groups * tops  # into layer 3, then the loss
        assert figure.names["count"].endswith(f"= {groups * tops}")
        for unit in range(1, groups + 1):
            assert f"w^{{2}}_{{{unit}1}}" in figure.tikz


def test_the_pictures_are_in_the_document_and_cited(tmp_path):
    out = tmp_path / "out"
    assert main(["--layers", "3", "--out", str(out)]) == 0
    tex = (out / "derivation.tex").read_text()
    assert tex.count(r"\begin{tikzpicture}") == 1 + 3 + 1  # network, three chains, paths
    for label in ("fig:network", "fig:chain-1", "fig:chain-2", "fig:chain-3", "fig:paths"):
        assert rf"\label{{{label}}}" in tex
    for label in ("fig:chain-1", "fig:chain-3", "fig:paths"):
        assert rf"\ref{{{label}}}" in tex


def test_without_tikz_pdf_is_bad_input_naming_the_package(tmp_path):
    """A TeX that cannot find tikz.sty (TEXMF pointed at an empty folder,
    so the real kpsewhich answers): exit 2, nothing written."""
    out = tmp_path / "out"
    empty = tmp_path / "texmf"
    empty.mkdir()
    finished = subprocess.run(
        [sys.executable, "-m", "derive", "--out", str(out), "--pdf"],
        env={**os.environ, "TEXMF": str(empty)},
        capture_output=True,
        text=True,
        check=False,
    )
    if "pdflatex, which is not installed" in finished.stderr:
        pytest.skip("no pdflatex here: the missing-TeX message is tested in test_cli")
    assert finished.returncode == 2
    assert "texlive-pictures" in finished.stderr and "tikz.sty" in finished.stderr
    assert "Traceback" not in finished.stderr
    assert not out.exists()


def test_a_chain_stays_highlighted_across_the_left_out_layers():
    """Every unit above the weight's unit is on a path to the loss (the
    layers are fully connected), so the edges above a ⋮ are highlighted too."""
    widths = "2," + ",".join(["3"] * 7) + ",2"  # eight weight layers: 0, 1, 2, ⋮, 7, 8 drawn
    tikz = figures.chain(_writer(widths), 1).tikz
    highlighted = _edges(tikz, "chain")
    assert len(highlighted) == 3 + 3 * 2 + 2  # a¹₁ to layer 2; layer 7 to 8; outputs to loss
    assert ("u7-3", "u8-2") in highlighted and ("u8-1", "loss") in highlighted
    assert not any(source.startswith("u0-") for source, _ in highlighted)


def test_without_latexmk_the_references_to_the_pictures_settle(tmp_path):
    """pdflatex alone: this document's figures and references need a third
    pass, which the compile runs because TeX asks for it (two passes left
    "Label(s) may have changed"; latexmk was once seen to stop there too)."""
    from test_latex import _engine

    from derive.latex import pdf

    out = tmp_path / "out"
    args = ["--widths", "3,4,3", "--activation", "tanh,softmax", "--loss", "ce"]
    assert main([*args, "--notation", "xigua", "--targets-sum-to-1", "--out", str(out)]) == 0
    engine = _engine()
    alone = pdf.Engine(engine.program, None)
    compiled = pdf.compile_tex((out / "derivation.tex").read_text(), alone)
    assert pdf.undefined_references(compiled.log) == []
