"""The terminal report: the presentation's formulas, printed in Unicode.

Formulas come from :mod:`derive.present.presentation` as SymPy equations and are
printed by :mod:`derive.printing.unicode`; the template only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from derive import __version__
from derive.derivation import indexed
from derive.derivation.gradients import ExpandedChainRule
from derive.present import any_depth
from derive.present.presentation import LAYER_BY_LAYER_LIMIT, Formula, Presentation, Section
from derive.printing.unicode import unicode
from derive.support.templating import render
from proofs.kernel.algebra import replace_nodes, tree_size

EXAMPLE_SIZE_LIMIT = 300
"""Expanded-chain-rule examples with more tree nodes than this are not shown."""


@dataclass(frozen=True)
class Line:
    text: str
    where: str = ""


@dataclass(frozen=True)
class PrintedSection:
    title: str
    lines: list[Line]
    notes: list[str]


def sections(presentation: Presentation) -> list[Section]:
    """The sections a reader sees, in order, for this network and notation."""
    result = [presentation.forward(), presentation.loss(), presentation.activations()]
    if presentation.notation.any_layer:
        result.append(presentation.index_form())
    if presentation.network.depth <= LAYER_BY_LAYER_LIMIT:
        result.append(presentation.per_layer())
    if presentation.notation.any_layer:
        result.append(presentation.matrix_form())
    else:
        result.append(any_depth_section(presentation))
    return result


def any_depth_section(presentation: Presentation) -> Section:
    """For a notation of one network (the book's): its names in the layer
    notation, and the theorem for every depth and width in that notation."""
    from derive.notation import naming

    book, layered = presentation.notation, naming.notation("layer")
    roles = presentation.network.roles
    section = Section("Any number of hidden layers (the book's names in the layer notation)")
    for entry in any_depth.dictionary(presentation.network, book):
        name = unicode(entry.book, book, roles)
        if name.startswith("(") and name.endswith(")"):  # a compound name, α_h − γ_h
            name = name[1:-1]
        section.notes.append(
            f"{name} = {unicode(entry.layered, layered, roles)}    "
            f"({entry.meaning % {letter: letter for letter in any_depth.LETTERS}})"
        )
    section.notes.append(
        "in the layer notation, for every depth L, widths n_0..n_L, differentiable f and ℓ, "
        "biases added (a "
        "subtracted threshold flips the sign of its gradient), by induction over the layers; "
        "proved below, under Proofs: all depths and widths (alone: derive prove --general):"
    )
    section.notes.extend("  " + unicode(rule, layered) for rule in any_depth.general_rules())
    return section


def expanded_section(presentation: Presentation, expanded: ExpandedChainRule) -> Section:
    """One example per layer of ∂E/∂p of the expanded loss, with forward
    values named (a, z) so the sum over paths is readable."""
    loss = presentation.notation.loss_name.replace("_k", "ₖ")  # the book's Eₖ
    section = Section(
        f"Expanded chain rule (∂{loss}/∂p of the fully expanded loss, forward values named)"
    )
    if expanded.skipped:
        section.notes.append(expanded.skipped)
        return section
    network = presentation.network
    contract = {value: symbol for symbol, value in network.expansion.items()}
    scaled = _scaled_names(network)
    shown = 0
    for layer in range(network.depth, 0, -1):
        parameter = network.weights[layer][0][0]
        named = replace_nodes(
            expanded.gradients[parameter], contract, {sympy.exp: _exponent_named(scaled)}
        )
        if tree_size(named) > EXAMPLE_SIZE_LIMIT:
            continue
        derivative = sympy.Eq(
            sympy.Derivative(indexed.E, parameter), sympy.factor_terms(named), evaluate=False
        )
        section.formulas.append(Formula(derivative))
        shown += 1
    count = len(expanded.gradients)
    section.notes.append(
        f"computed for all {count} parameters; {shown} shown, all in derivation.json"
    )
    return section


def _scaled_names(network) -> dict:
    """Each pre-activation Σ_k w_jk a_k ± b_j in the layer below's names, by
    the set of its terms (without coefficients): {terms: (coefficients, z
    symbol)}, to find c·z^l_j written out."""
    names = {}
    for layer in range(1, network.depth + 1):
        for unit in range(1, network.width(layer) + 1):
            value = network.pre_activation(layer, unit)
            if value.is_Add:
                coefficients = value.as_coefficients_dict()
                names[frozenset(coefficients)] = (coefficients, network.z[layer][unit - 1])
    return names


def _exponent_named(scaled: dict):
    """e^{c·(Σ_k w_jk a_k + b_j)}, which differentiating a softmax leaves
    (e^{z}·e^{z} is e^{2z} to SymPy, and e^{z}/e^{2z} is e^{−z}), written
    e^{c·z_j} with the pre-activation's name, as the plain z_j already is:
    the rebuilding of an exponential for :func:`replace_nodes`, which visits
    each shared node of an expanded gradient once (a tree walk of a deep
    network's gradient is exponential in its depth)."""

    def named(argument):
        if not argument.is_Add:
            return sympy.exp(argument)
        coefficients = argument.as_coefficients_dict()
        found = scaled.get(frozenset(coefficients))
        if found is None:
            return sympy.exp(argument)
        base, symbol = found
        ratios = {coefficients[term] / base[term] for term in base}
        return sympy.exp(ratios.pop() * symbol) if len(ratios) == 1 else sympy.exp(argument)

    return named


def _where(where, presentation: Presentation) -> str:
    if isinstance(where, str):
        return where
    return unicode(where, presentation.notation, presentation.network.roles)


def render_report(
    presentation: Presentation,
    shown: list[Section],
    expanded: ExpandedChainRule,
    notes: list[str],
    written: list[str],
) -> str:
    network = presentation.network
    printed = []
    for section in shown + [expanded_section(presentation, expanded)]:
        lines = [
            Line(
                unicode(formula.equation, presentation.notation, network.roles),
                _where(formula.where, presentation),
            )
            for formula in section.formulas
        ]
        printed.append(PrintedSection(section.title, lines, section.notes))
    return render(
        "report.txt.j2",
        version=__version__,
        architecture=network.spec.describe(presentation.notation.bias_word),
        notes=notes,
        sections=printed,
        written=written,
    )


def render_proofs(outcome, presentation: Presentation | None = None) -> str:
    """One verdict line per theorem, then what the kernel's steps rest on.
    With the book's notation (a ``presentation`` whose notation has no
    layer index), each theorem about this network is stated in the book's
    names (:func:`book_statements`) and the theorem for every depth says it
    is in the layer notation, as do the principles it assumes."""
    statements, layered = {}, ""
    if presentation is not None and not presentation.notation.any_layer:
        layers = {step.layer for step in getattr(outcome, "steps", [])}
        statements = book_statements(presentation, layers)
        layered = " (in the layer notation)"
    return render(
        "proofs.txt.j2",
        theorems=outcome.theorems,
        statements=statements,
        layered=layered,
        skipped=outcome.skipped,
        trust=outcome.trust,
        assumed=outcome.assumed,
    )


def book_statements(presentation: Presentation, walked: set[int]) -> dict[str, str]:
    """What each theorem proves about this network, in the book's names: its
    formulas as the per-layer section prints them (gⱼ = …, ∂Eₖ/∂wₕⱼ = −bₕ·gⱼ);
    ``walked``: the layers whose step-by-step chains were checked.  The
    theorem for every depth, which needs a layer index, keeps the layer
    notation and says so."""
    from proofs.statements import EXPANDED, GENERAL, GENERAL_SOFTMAX, STATEMENTS

    network, notation = presentation.network, presentation.notation
    errors, gradients, weights = [], [], {}
    for formula in presentation.per_layer().formulas:
        lhs = formula.equation.lhs
        text = unicode(formula.equation, notation, network.roles)
        if isinstance(lhs, sympy.Indexed):
            errors.append((lhs.indices[0], text))
        elif isinstance(lhs, sympy.Derivative):
            gradients.append(text)
            if lhs.variables[0].base == indexed.w:
                weights[lhs.variables[0].indices[0]] = text
    names = [text.split(" = ")[0] for _, text in errors] + [g.split(" = ")[0] for g in gradients]
    output = "; ".join(text for layer, text in errors if layer == network.depth)
    hidden = "; ".join(text for layer, text in errors if layer != network.depth)
    chains = " and ".join(
        weights[layer] for layer in sorted(walked, reverse=True) if layer in weights
    )
    statements = {
        "index-form rules": f"the rules for {', '.join(names)}, with the units symbolic "
        "(sums unevaluated, widths concrete; the finite chain rule)",
        "output layer": f"{output}, for every output unit, one formula per unit",
        "hidden layers": f"{hidden}, for every hidden unit, one formula per unit",
        "weights and biases": f"{', '.join(gradients)}, for every parameter, one formula each",
        "chain rule, step by step": "each factor of the write-up's chains is the derivative "
        "of its node's definition; for every unit, the long chain summed over the units it "
        f"passes through equals, by the finite chain rule and grouped, {chains}",
        EXPANDED: "the derivative of the expanded loss by every parameter equals its "
        f"formula by {' and '.join(n for n in names if '=' not in n and '∂' not in n)}",
    }
    for name in (GENERAL, GENERAL_SOFTMAX):
        statements[name] = "in the layer notation: " + STATEMENTS[name]
    return statements


def render_general(softmax: bool) -> str:
    """``prove --general``'s own statement: the rules the theorem for every
    depth and width proves (the variant of the network's output layer), in
    the layer notation, which alone has a layer index."""
    from derive.notation import naming

    layered = naming.notation("layer")
    where = ["", "l = 1..L−1", "l = 1..L", "l = 1..L"]
    lines = [
        "",
        "The theorem for every depth and width, in the layer notation (any depth L, widths "
        "n_0..n_L, any differentiable activation f and loss ℓ, biases added"
        + (", a softmax output" if softmax else "")
        + "), by induction over the layers:",
    ]
    for rule, layers in zip(any_depth.general_rules(softmax), where, strict=True):
        lines.append("  " + unicode(rule, layered) + (f"    ({layers})" if layers else ""))
    return "\n".join(lines) + "\n"


def render_paths(derivation, notation) -> str:
    """∂E/∂w¹₁₁ for L = 3 as a sum over paths, and grouped by the first edge."""
    from proofs.paths import grouped_by_first_edge, path_sum

    network = derivation.network
    weight = network.weights[1][0][0]
    lhs = sympy.Derivative(indexed.E, weight)
    paths = path_sum(derivation, 1, 1)
    lines = [
        "",
        f"Sum over paths ({network.width(2) * network.width(3)} paths from w¹₁₁ to the loss, "
        "one term each)",
        "  " + unicode(sympy.Eq(lhs, paths, evaluate=False), notation, network.roles),
        "Grouped by the first edge (unit 1 of layer 1 → unit h of layer 2): the δ recursion",
        "  "
        + unicode(
            sympy.Eq(lhs, grouped_by_first_edge(derivation, 1, 1), evaluate=False),
            notation,
            network.roles,
        ),
    ]
    return "\n".join(lines) + "\n"
