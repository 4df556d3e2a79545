"""Check a formula derived by hand: ``derive.check("dE/dw[h,j] = -g[j]*b[h]", spec)``.

A claim is parsed (plain or LaTeX syntax, never evaluated), given its meaning
in the model and decided: ``proved`` exactly, ``false`` with a counterexample
of small rationals, or ``undecided``.  With no widths given the sizes are
symbolic, and the claim is checked on every small network of a stated grid.
"""

from __future__ import annotations

import itertools

from derive.claims import latex, plain
from derive.claims.decide import Verdict, decide
from derive.claims.names import names as notation_names
from derive.errors import InputError
from derive.spec import NetworkSpec, parse_spec

__all__ = ["Verdict", "check", "check_networks", "is_latex", "render", "size_grid"]


def is_latex(text: str) -> bool:
    """LaTeX is recognised by its backslashes, subscripts or braces."""
    return any(mark in text for mark in ("\\", "_", "{"))


def parse(text: str, notation: str, use_latex: bool | None = None):
    names = notation_names(notation)
    if use_latex is None:
        use_latex = isinstance(text, str) and is_latex(text)
    return (latex.parse if use_latex else plain.parse)(text, names)


def size_grid(depth: int) -> tuple[list[tuple[int, ...]], str]:
    """The widths a claim with symbolic sizes is checked on, and their description."""
    for top, limit in ((3, 27), (2, 32)):
        if top ** (depth + 1) <= limit:
            grid = list(itertools.product(range(1, top + 1), repeat=depth + 1))
            return grid, f"every width 1..{top}"
    grid = [(1,) * (depth + 1), (2,) * (depth + 1), (3,) * (depth + 1)]
    return grid, "widths all 1, all 2 and all 3"


def check_networks(
    text: str, specs: list[NetworkSpec], notation: str, sizes: dict[int, str], use_latex=None
) -> Verdict:
    """Decide ``text`` on each of ``specs`` (smallest first); ``sizes``
    describes, per depth, the widths they cover."""
    from derive.naming import notation as naming_notation
    from proofs.progress import Progress

    claim = parse(text, notation, use_latex)
    bias_sign = naming_notation(notation).bias_sign
    ordered = sorted(specs, key=lambda s: (s.depth, sum(s.widths), s.widths))
    progress = Progress(verb="checking")
    try:
        return decide(claim, ordered, notation_names(notation), bias_sign, sizes, progress)
    finally:
        progress.close()


def grid_specs(
    notation: str,
    layers: str | None = None,
    activation: str | None = None,
    loss: str | None = None,
    bias: bool = True,
) -> tuple[list[NetworkSpec], dict[int, str]]:
    """Networks for symbolic sizes: for each depth, every small width combination."""
    if notation == "xigua":
        if layers is not None and layers.strip() != "2":
            raise InputError(
                f"--notation xigua is the one-hidden-layer network (--layers 2), "
                f"not --layers {layers.strip()[:12]}"
            )
        depths = [2]
    elif layers is not None:
        depths = [parse_spec(layers=layers).depth]
    else:
        depths = [1, 2, 3]
    specs, sizes = [], {}
    for depth in depths:
        grid, described = size_grid(depth)
        specs += [
            parse_spec(str(depth), ",".join(map(str, w)), activation, loss, bias) for w in grid
        ]
        sizes[depth] = f"networks with {described}" if len(depths) == 1 else described
    if notation == "xigua":
        sizes = {2: "networks with every d, q, l in 1..3"}
    return specs, sizes


def check(
    claim: str,
    spec: NetworkSpec | None = None,
    *,
    notation: str = "layer",
    latex: bool | None = None,
) -> Verdict:
    """Check a hand-derived formula against the model of ``spec``.

    With ``spec`` None the sizes are symbolic: the claim is checked for a
    sigmoid network with squared error on every network of :func:`grid_specs`.
    """
    if spec is None:
        specs, sizes = grid_specs(notation)
    elif not isinstance(spec, NetworkSpec):
        raise InputError("spec must be a NetworkSpec (derive.parse_spec(...)) or None")
    else:
        if notation == "xigua" and spec.depth != 2:
            raise InputError("--notation xigua is the one-hidden-layer network (--layers 2)")
        specs, sizes = [spec], {spec.depth: f"widths {','.join(map(str, spec.widths))}"}
    return check_networks(claim, specs, notation, sizes, latex)


def render(verdict: Verdict, spec: NetworkSpec) -> str:
    """The verdict as a reader sees it on the terminal."""
    activations = list(dict.fromkeys(a.name for a in spec.activations))
    if verdict.notation == "xigua":
        bias = "with thresholds" if spec.bias else "no thresholds"
    else:
        bias = "with biases" if spec.bias else "no biases"
    lines = [
        f"claim: {verdict.lhs} = {verdict.rhs}",
        f"model: {verdict.notation} notation, activation {', '.join(activations)}, "
        f"loss {spec.loss.name}, {bias}",
        verdict.explanation,
    ]
    example = verdict.counterexample or {}
    if "values" in example:
        lines.append(f"  left:  {example['lhs']} = {example['lhs_value']}")
        lines.append(f"  right: {example['rhs']} = {example['rhs_value']}")
        values = ", ".join(f"{k} = {v}" for k, v in example["values"].items())
        lines.append(f"  at:    {values}")
    return "\n".join(lines) + "\n"
