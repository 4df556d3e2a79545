"""derivation.json: the spec and every formula, loadable without eval.

Expressions are stored in one shared node table (see :mod:`proofs.kernel.codec`)
and referred to by id.  :func:`load` rebuilds them as SymPy objects.  Symbols
keep the model's canonical names: ``w2_1_3`` is w²₁₃ (layer 2, unit 1, input
3), ``b2_1``, ``z2_1``, ``a2_1``, ``delta2_1``, ``x_1``, ``y_1``; index forms
use ``w[l, j, k]`` with the layer first.
"""

from __future__ import annotations

import json
from pathlib import Path

import sympy

from derive import __version__
from derive.derivation.gradients import Derivation, ExpandedChainRule
from derive.present.presentation import Presentation, Section
from derive.printing.unicode import unicode
from proofs.kernel.codec import Encoder, FormatError, decode

FORMAT = "derive.derivation"
FORMAT_VERSION = 1

PER_PARAMETER_LIMIT = 5000
"""Above this many parameters, derivation.json holds the index and matrix
forms only, not one entry per scalar parameter."""


def document(
    derivation: Derivation,
    presentation: Presentation,
    shown: list[Section],
    expanded: ExpandedChainRule,
) -> dict:
    """The whole derivation as a JSON-ready dictionary."""
    network = derivation.network
    spec = network.spec
    encoder = Encoder()
    notation = presentation.notation
    result = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "derive_version": __version__,
        "sympy_version": sympy.__version__,
        "spec": {
            "layers": spec.depth,
            "widths": list(spec.widths),
            "activations": [
                {"name": a.name, "custom": a.custom, "expr": encoder.add(a.expr)}
                for a in spec.activations
            ],
            "loss": {
                "name": spec.loss.name,
                "custom": spec.loss.custom,
                "term": encoder.add(spec.loss.term),
            },
            "bias": spec.bias,
            "bias_sign": network.bias_sign,
            "notation": notation.name,
        },
        "sections": [
            {
                "title": section.title,
                "formulas": [
                    {
                        "equation": encoder.add(formula.equation),
                        "where": formula.where if isinstance(formula.where, str) else "",
                        "where_equation": None
                        if isinstance(formula.where, str)
                        else encoder.add(formula.where),
                        "text": unicode(formula.equation, notation, network.roles),
                    }
                    for formula in section.formulas
                ],
            }
            for section in shown
        ],
        "skipped": [],
    }
    if spec.parameter_count > PER_PARAMETER_LIMIT:
        result["skipped"].append(
            f"per-parameter formulas: {spec.parameter_count} parameters "
            f"(limit {PER_PARAMETER_LIMIT}); the index and matrix forms cover them all"
        )
        return _finish(result, encoder)
    if expanded.skipped:
        result["skipped"].append(expanded.skipped)
    result["loss"] = {
        "layered": encoder.add(network.loss_layered()),
        "expanded": encoder.add(network.loss_expanded) if not expanded.skipped else None,
    }
    result["deltas"] = [
        {
            "symbol": network.delta[layer][unit - 1].name,
            "layer": layer,
            "unit": unit,
            "definition": encoder.add(derivation.delta_definition(layer, unit)),
            "definition_at_z": encoder.add(
                derivation.delta_definition(layer, unit, through_output=False)
            ),
        }
        for layer in range(network.depth, 0, -1)
        for unit in range(1, network.width(layer) + 1)
    ]
    result["parameters"] = []
    for parameter in network.parameters():
        role = network.roles[parameter]
        entry = {
            "symbol": parameter.name,
            "kind": role.kind,
            "layer": role.layer,
            "indices": list(role.indices),
            "delta_form": encoder.add(derivation.gradient(parameter).delta_form),
        }
        if not expanded.skipped:
            entry["delta_form_expanded"] = encoder.add(expanded.delta_forms[parameter])
            entry["expanded_chain_rule"] = encoder.add(expanded.gradients[parameter])
        result["parameters"].append(entry)
    return _finish(result, encoder)


def _finish(result: dict, encoder: Encoder) -> dict:
    result["nodes"] = encoder.nodes
    return result


def dumps(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"


def load(path: str | Path) -> dict:
    """Read a derivation.json; every expression id is replaced by its SymPy
    expression.  Raises FormatError for a file this version cannot read."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    if doc.get("format") != FORMAT or doc.get("format_version") != FORMAT_VERSION:
        raise FormatError(f"{path}: not a {FORMAT} file, version {FORMAT_VERSION}")
    built = decode(doc.pop("nodes"))

    def resolve(value, key=""):
        if isinstance(value, dict):
            return {k: resolve(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [resolve(v, key) for v in value]
        if key in _EXPRESSION_KEYS and isinstance(value, int):
            return built[value]
        return value

    return resolve(doc)


_EXPRESSION_KEYS = {
    "where_equation",
    "expr",
    "term",
    "equation",
    "layered",
    "expanded",
    "definition",
    "definition_at_z",
    "delta_form",
    "delta_form_expanded",
    "expanded_chain_rule",
}
