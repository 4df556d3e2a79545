"""Check a formula derived by hand: ``derive.check("dE/dw[h,j] = -g[j]*b[h]", spec)``.

A claim is parsed (plain or LaTeX syntax, never evaluated), given its meaning
in the model and decided: ``proved`` exactly for the network given, ``false``
with a counterexample of small rationals, ``holds-on-networks-checked`` when
the sizes are symbolic and every network of a stated grid (and a search of
irregular ones) agrees, or ``undecided`` (also at the time limit).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from derive.claims import latex, plain
from derive.claims.decide import EXIT_CODES, UNDECIDED, Verdict, decide
from derive.claims.limits import TIME_LIMIT
from derive.claims.names import names as notation_names
from derive.claims.syntax import unparse
from derive.notation import naming
from derive.spec import registry
from derive.spec.network import NetworkSpec, _top_level_split, parse_spec
from derive.support.deadline import TimeLimit, time_limit
from derive.support.errors import InputError

__all__ = [
    "EXIT_CODES",
    "Scope",
    "Verdict",
    "check",
    "check_networks",
    "exact_scope",
    "grid_scope",
    "is_latex",
    "render",
    "size_grid",
]


def is_latex(text: str) -> bool:
    """LaTeX is recognised by its backslashes, subscripts or braces."""
    return any(mark in text for mark in ("\\", "_", "{"))


def parse(text: str, notation: str, use_latex: bool | None = None):
    if use_latex is None:
        use_latex = isinstance(text, str) and is_latex(text)
    read = latex.parse if use_latex else plain.parse
    try:
        return read(text, notation_names(notation))
    except InputError as error:
        raise InputError(f"{error}{_other_notation(text, notation, read)}") from None


def _other_notation(text: str, notation: str, read) -> str:
    """ "; it reads in the watermelon book's names (…): add --notation xigua"
    where the claim that failed in ``notation`` parses in another one: the
    seed's formulas typed without --notation xigua fail on a name both
    notations have (w with two indices), far from the real cause."""
    for other in naming.NOTATIONS.values():
        if other.name == notation:
            continue
        try:
            read(text, notation_names(other.name))
        except InputError:
            continue
        return f"; it reads in {other.described}: add --notation {other.name}"
    return ""


@dataclass(frozen=True)
class Scope:
    """The networks a claim is checked on.  ``sizes`` describes, per depth,
    the widths ``specs`` cover.  ``search`` None: ``specs`` are the networks
    the claim is about (``--widths``), so exact equality on them is a proof;
    a list: the sizes are symbolic, ``specs`` is a grid, and ``search`` holds
    irregular networks searched for a counterexample."""

    specs: list[NetworkSpec]
    sizes: dict[int, str]
    search: list[NetworkSpec] | None = None


def size_grid(depth: int) -> tuple[list[tuple[int, ...]], str]:
    """The widths a claim with symbolic sizes is checked on, and their description."""
    for top, limit in ((3, 27), (2, 32)):
        if top ** (depth + 1) <= limit:
            grid = list(itertools.product(range(1, top + 1), repeat=depth + 1))
            return grid, f"every width 1..{top}"
    grid = [(1,) * (depth + 1), (2,) * (depth + 1), (3,) * (depth + 1)]
    return grid, "widths all 1, all 2 and all 3"


def irregular_widths(depth: int) -> list[tuple[int, ...]]:
    """Widths unlike a grid's: neighbours differ (2,3,2,3,…,1 tells n[l] from
    n[l+1]), and rising or falling through 4, a width no grid has."""
    count = depth + 1
    shapes = [
        tuple(2 + i % 2 for i in range(count - 1)) + (1,),
        tuple(3 - i % 2 for i in range(count)),
        tuple(3 + i % 2 for i in range(count)),
        tuple(4 - i % 2 for i in range(count)),
        tuple(1 + i % 4 for i in range(count)),
        tuple(4 - i % 4 for i in range(count)),
    ]
    return list(dict.fromkeys(shapes))


def exact_scope(spec: NetworkSpec, notation: str = "layer") -> Scope:
    """The one network given: a claim that holds on it is proved for it."""
    naming.notation(notation).check_depth(spec.depth)
    return Scope([spec], {spec.depth: f"widths {','.join(map(str, spec.widths))}"})


def grid_scope(
    notation: str,
    layers: str | None = None,
    activation: str | None = None,
    loss: str | None = None,
    bias: bool = True,
    targets_sum_to_one: bool = False,
) -> Scope:
    """Symbolic sizes: for each depth every small width combination, and
    irregular networks (deeper ones too where the depth is not given) to
    search for a counterexample.  An activation list (sigmoid,softmax)
    fixes the depth; a softmax output needs two or more outputs, so the
    networks with one are left out."""
    named = naming.notation(notation)
    listed = listed_depth(activation)
    if named.depths is not None:
        if layers is not None or listed is not None:
            named.check_depth(parse_spec(layers=layers, activation=activation).depth)
        depths = sorted(named.depths)
    elif layers is not None or listed is not None:
        depths = [parse_spec(layers=layers, activation=activation).depth]
    elif output_normalised(activation, 1):
        depths = [1]  # softmax for every layer: one layer is the only such network
    else:
        depths = [1, 2, 3]
    fixed = named.depths is not None or layers is not None or len(depths) == 1

    def network(widths):
        return parse_spec(
            str(len(widths) - 1),
            ",".join(map(str, widths)),
            activation,
            loss,
            bias,
            targets_sum_to_one,
        )

    def allowed(widths) -> bool:
        return not (widths[-1] == 1 and output_normalised(activation, len(widths) - 1))

    specs, sizes, grid = [], {}, set()
    for depth in depths:
        widths, described = size_grid(depth)
        outputs = ""
        if not all(allowed(w) for w in widths):
            widths = [w for w in widths if allowed(w)]
            outputs = f"{min(w[-1] for w in widths)}..{max(w[-1] for w in widths)}"
            described += f", the outputs {outputs}"
        grid.update(widths)
        specs += [network(w) for w in widths]
        if named.width_letters is not None:  # the notation's own letters
            top = max(max(w) for w in widths)
            letters = named.width_letters
            if outputs:  # the last letter counts the outputs
                described = (
                    f"every {', '.join(letters[:-1])} in 1..{top} and {letters[-1]} in {outputs}"
                )
            else:
                described = f"every {', '.join(letters)} in 1..{top}"
        sizes[depth] = f"networks with {described}" if len(depths) == 1 else described
    deeper = [] if fixed else [4, 5]
    search = [
        network(w)
        for depth in depths + deeper
        for w in irregular_widths(depth)
        if w not in grid and (depth in depths or w == irregular_widths(depth)[0]) and allowed(w)
    ]
    return Scope(specs, sizes, search)


def listed_depth(activation: str | None) -> int | None:
    """The depth an activation list gives (sigmoid,softmax: 2), None for one name."""
    if activation is None or not isinstance(activation, str):
        return None
    pieces = _top_level_split(activation)
    return len(pieces) if len(pieces) > 1 else None


def output_normalised(activation: str | None, depth: int) -> bool:
    """Whether the output layer of a network of ``depth`` with ``activation``
    is normalised (softmax), read from the names alone."""
    if activation is None or not isinstance(activation, str):
        return False
    pieces = _top_level_split(activation)
    if len(pieces) == 1 and depth > 1:
        return False  # softmax everywhere: the spec refuses its hidden layers
    try:
        return registry.activation(pieces[-1].strip()).normalised
    except InputError:
        return False  # the spec says why


def check_networks(
    text: str,
    scope: Scope,
    notation: str,
    use_latex: bool | None = None,
    limit: float | None = TIME_LIMIT,
) -> Verdict:
    """Decide ``text`` on the networks of ``scope`` (smallest first), giving
    up after ``limit`` seconds (None: no limit) with "undecided"."""
    from derive.notation.naming import notation as naming_notation
    from derive.support.progress import Progress

    claim = parse(text, notation, use_latex)
    bias_sign = naming_notation(notation).bias_sign
    ordered = sorted(scope.specs, key=lambda s: (s.depth, sum(s.widths), s.widths))
    progress = Progress(verb="checking")
    names = notation_names(notation)
    try:
        with time_limit(limit):
            return decide(claim, ordered, names, bias_sign, scope.sizes, progress, scope.search)
    except TimeLimit:
        return Verdict(
            UNDECIDED,
            f"undecided: time limit: no answer within {limit:g} s (--time-limit changes it)",
            unparse(claim.lhs),
            unparse(claim.rhs),
            notation,
        )
    finally:
        progress.close()


def check(
    claim: str,
    spec: NetworkSpec | None = None,
    *,
    notation: str = "layer",
    latex: bool | None = None,
    limit: float | None = TIME_LIMIT,
) -> Verdict:
    """Check a hand-derived formula against the model of ``spec``.

    With ``spec`` None the sizes are symbolic: the claim is checked for a
    sigmoid network with squared error on every network of :func:`grid_scope`
    (at best "holds on the networks checked", never "proved").
    """
    if spec is None:
        scope = grid_scope(notation)
    elif not isinstance(spec, NetworkSpec):
        raise InputError("spec must be a NetworkSpec (derive.parse_spec(...)) or None")
    else:
        naming.notation(notation).check_depth(spec.depth)
        scope = exact_scope(spec, notation)
    return check_networks(claim, scope, notation, latex, limit)


def render(verdict: Verdict, spec: NetworkSpec) -> str:
    """The verdict as a reader sees it on the terminal."""
    activations = list(dict.fromkeys(a.name for a in spec.activations))
    word = naming.notation(verdict.notation).bias_word
    bias = f"with {word}" if spec.bias else f"no {word}"
    targets = ", targets summing to 1 (--targets-sum-to-1)" if spec.targets_sum_to_one else ""
    lines = [
        f"claim: {verdict.lhs} = {verdict.rhs}",
        f"model: {verdict.notation} notation, activation {', '.join(activations)}, "
        f"loss {spec.loss.name}{targets}, {bias}",
        verdict.explanation,
    ]
    example = verdict.counterexample or {}
    if "values" in example:
        lines.append(f"  left:  {example['lhs']} = {example['lhs_value']}")
        lines.append(f"  right: {example['rhs']} = {example['rhs_value']}")
        values = ", ".join(f"{k} = {v}" for k, v in example["values"].items())
        lines.append(f"  at:    {values}")
    return "\n".join(lines) + "\n"
