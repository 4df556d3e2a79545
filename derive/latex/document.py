"""derivation.tex: the derivation as a document a learner can read top to bottom.

The template (``templates/derivation.tex.j2``) holds the structure and the
prose; this module fills it.  Every formula arrives as a SymPy expression
that a proof of this run checked, printed in the chosen notation: the
walkthrough's steps by :mod:`derive.latex.steps`, every other formula by
:mod:`derive.latex.sections`, both broken into rows by
:mod:`derive.latex.layout`.  The "What was checked" section is read from the
certificate written in the same run (:mod:`derive.latex.checked`), and the
experiments from the output folder (:mod:`derive.latex.experiments`).
"""

from __future__ import annotations

import sympy

from derive import __version__
from derive.derivation import indexed
from derive.latex import checked, experiments, figures, sections
from derive.latex.layout import LatexWriter
from derive.latex.steps import step
from derive.present.presentation import ETA, LAYER_BY_LAYER_LIMIT, LOSS_TERM, Presentation
from derive.printing.latex import has_cjk, text
from derive.support.language import ENGLISH, Language
from derive.support.templating import render_latex


def _output_layer(writer: LatexWriter):
    """The output layer as the document writes it: L where the notation
    writes rules for any layer, else its number."""
    if writer.notation.any_layer:
        return sympy.Symbol("L", integer=True, positive=True)
    return writer.network.depth


def _figures(writer: LatexWriter, chain_layers: list[int]) -> dict:
    """The pictures: the network, each step-by-step chain, and for three
    layers the sum over paths (drawn where the text shows it)."""
    net = writer.network
    return {
        "network": figures.network(writer),
        "chains": {layer: figures.chain(writer, layer) for layer in chain_layers},
        "paths": figures.paths(writer) if net.depth == 3 else None,
        "wide": any(net.width(layer) > figures.MAX_DRAWN for layer in range(net.depth + 1)),
        "deep": net.depth + 1 > figures.MAX_ROWS,
        "max_drawn": figures.MAX_DRAWN,
    }


def needs_cjk(lang: Language, title: str | None) -> bool:
    """Whether derivation.tex has CJK text, and so is set with xelatex and
    ctex: in Chinese, or with a title that has any."""
    return not lang.english or bool(title and has_cjk(title))


def document(
    presentation: Presentation,
    steps,
    certificate: dict,
    title: str | None,
    found: dict | None = None,
    lang: Language = ENGLISH,
) -> str:
    """derivation.tex for ``presentation``'s network in language ``lang``,
    from the steps and the certificate of this run, and the experiments
    ``found`` in the output folder (:func:`derive.experiments.results.load`)."""
    writer = LatexWriter(presentation, lang)
    net = writer.network
    shown = sorted(presentation.shown_layers(), reverse=True)
    return render_latex(
        "derivation.tex.j2",
        lang.code,
        chinese=lang.code == "zh",
        cjk=needs_cjk(lang, title),
        title=text(title) if title else None,
        version=__version__,
        architecture=text(net.spec.describe(writer.notation.bias_word, lang)),
        any_layer=writer.notation.any_layer,
        negated_errors=writer.notation.delta_sign < 0,
        output=writer.math(indexed.a[_output_layer(writer), indexed.J]),
        depth=net.depth,
        bias=net.spec.bias,
        thresholds=net.bias_sign < 0,
        widths=sections.widths_text(net),
        parameter_count=net.spec.parameter_count,
        loss_name=text(net.spec.loss.name),
        loss_symbol=writer.math(indexed.E),
        loss_term=writer.math(LOSS_TERM),
        eta=writer.math(ETA),
        **sections.formulas(writer, certificate),
        steps=[step(writer, walk, shown) for walk in steps if walk.layer in shown],
        figures=_figures(writer, [walk.layer for walk in steps if walk.layer in shown]),
        skipped_layers=net.depth > LAYER_BY_LAYER_LIMIT,
        checks=checked.checks(
            certificate,
            lang,
            checked.claims(
                lang,
                net.spec.bias,
                [walk.layer for walk in steps if walk.layer in shown],  # the sections written
                net.depth,
                net.spec.targets_sum_to_one,
            ),
        ),
        targets_sum_to_one=net.spec.targets_sum_to_one,
        **experiments.sections(found or {}, lang),
    )
