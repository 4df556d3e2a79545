"""The terminal: lines wrapped at the terminal's width (COLUMNS in these
tests) — formulas between their terms at the top level, prose at words,
never inside a symbol, nothing lost — and in one notation: the book's
proof lines in the book's names."""

from __future__ import annotations

import pytest

from derive.cli import main
from derive.support.wrapping import terminal_width, wrap


def _words(text: str) -> str:
    """The text without its whitespace: what wrapping must keep."""
    return "".join(text.split())


def test_columns_sets_the_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "72")
    assert terminal_width() == 72


WRAPPED = {
    # a formula at its last top-level + that fits (column 22 of 30), never inside ( )
    "formula between top-level terms": (
        "  E = (a + b)·(c + d) + (e + f)·(g + h) + (i + j)",
        30,
        ["  E = (a + b)·(c + d)", "      + (e + f)·(g + h)", "      + (i + j)"],
    ),
    # one long product: after its last top-level · that fits
    "product after a factor": (
        "  ∂E/∂w = w²₁₁·w³₁₁·x₁·(1 - σ(z¹₁))·(1 - σ(z²₁))·(a³₁ - y₁)",
        40,
        ["  ∂E/∂w = w²₁₁·w³₁₁·x₁·(1 - σ(z¹₁))·", "      (1 - σ(z²₁))·(a³₁ - y₁)"],
    ),
    # prose fills the line, but a function's arguments stay together
    "prose around a call": (
        "  proved: output layer: the rule ∂ℓ/∂ŷ(a^L_j, y_j)·f'(z^L_j) for every unit",
        48,
        ["  proved: output layer: the rule", "      ∂ℓ/∂ŷ(a^L_j, y_j)·f'(z^L_j) for every unit"],
    ),
    # a list of values after its commas, never between a name and its value
    "a list at its commas": (
        "  at:    b[1][1] = 2/3, b[1][2] = -2/3, w[1][1,1] = -3/2, w[1][1,2] = -1",
        40,
        ["  at:    b[1][1] = 2/3, b[1][2] = -2/3,", "      w[1][1,1] = -3/2, w[1][1,2] = -1"],
    ),
    "a word longer than the line": ("  " + "x" * 60 + " tail", 40, ["  " + "x" * 60, "      tail"]),
}


@pytest.mark.parametrize("case", sorted(WRAPPED))
def test_a_long_line_breaks_where_it_should(case):
    line, width, expected = WRAPPED[case]
    assert wrap(line, width).split("\n") == expected


@pytest.mark.parametrize(
    "argv",
    [
        ["prove", "--layers", "3", "--paths"],
        ["prove", "--layers", "2", "--general"],
        ["--layers", "2", "--notation", "xigua"],
        ["--layers", "3"],
    ],
    ids=" ".join,
)
def test_every_line_of_a_command_fits_the_terminal(monkeypatch, capsys, tmp_path, argv):
    monkeypatch.chdir(tmp_path)  # "Wrote out/…": a path is one word, never broken
    if argv[0] != "prove":
        argv = [*argv, "--out", "out"]
    monkeypatch.setenv("COLUMNS", "100000")
    assert main(argv) == 0
    unwrapped = capsys.readouterr().out
    monkeypatch.setenv("COLUMNS", "72")
    assert main(argv) == 0
    wrapped = capsys.readouterr().out
    assert max(len(line) for line in unwrapped.splitlines()) > 72  # there was work to do
    assert all(len(line) <= 72 for line in wrapped.splitlines()), wrapped
    # timings aside ("0.03 s"), nothing is lost or reordered
    assert len(_words(wrapped)) == len(_words(unwrapped))


LAYER_NAMES = ("δ", "^l_", "^L_", "z^", "a^", "w^", "b^", "ˡ")
"""Marks of the layer notation: δ, a layer superscript (the book's Σⱼ₌₁^l is its output count)."""


def _entries(section: str) -> list[str]:
    """The section's lines with their continuations joined: one per entry."""
    entries: list[str] = []
    for line in section.splitlines():
        if line.startswith("      ") and entries:
            entries[-1] += " " + line.strip()
        elif line.strip():
            entries.append(line.strip())
    return entries


@pytest.mark.parametrize(
    "argv",
    [
        ["--layers", "2", "--notation", "xigua", "--out", "out"],
        ["prove", "--notation", "xigua", "--general", "--strategy", "both"],
        ["prove", "--notation", "xigua", "--activation", "tanh,softmax", "--loss", "ce"],
    ],
    ids=" ".join,
)
def test_the_books_proof_lines_use_its_names(monkeypatch, capsys, tmp_path, argv):
    """In xigua every proof line is in the book's names (gⱼ, eₕ, vᵢₕ), or says
    it is in the layer notation: the theorem for every depth needs a layer
    index, and so do the principles it assumes."""
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 0
    out = capsys.readouterr().out
    proofs = _entries(out[out.index("Proofs (") :])[1:]
    assert any("gⱼ" in entry for entry in proofs)
    for entry in proofs:
        if any(mark in entry for mark in LAYER_NAMES):
            assert "in the layer notation" in entry, entry
    assert [e for e in proofs if "in the layer notation" in e and "gⱼ" in e] == []


def test_the_books_report_is_in_its_names_where_it_does_not_say_otherwise(
    monkeypatch, capsys, tmp_path
):
    """Every section of the xigua report but the one titled in the layer
    notation (the dictionary and the theorem for every depth) uses the
    book's names only; that section's theorem says so in its own line."""
    monkeypatch.chdir(tmp_path)
    assert main(["--layers", "2", "--notation", "xigua", "--out", "out"]) == 0
    out = capsys.readouterr().out
    sections = [s for s in out[: out.index("Proofs (")].split("\n\n") if s.strip()]
    layered = [s for s in sections if "in the layer notation" in s.splitlines()[0]]
    assert len(layered) == 1
    assert "in the layer notation, for every depth L" in layered[0]
    for section in sections:
        if section not in layered:
            for entry in _entries(section):
                assert not any(mark in entry for mark in LAYER_NAMES), entry
