"""The "What was checked" section: the certificate written in the same run,
read back theorem by theorem, each named by what it shows in the document's
own terms (its equation numbers and sections).

Nothing here checks anything; it reports what :mod:`proofs` recorded, so the
section can never claim more than certificate.json does.
"""

from __future__ import annotations

from derive.printing.latex import text
from derive.support.language import Language


def claims(
    lang: Language, bias: bool, steps: list[int], depth: int, exact_output: bool = False
) -> dict[str, str]:
    """What each theorem of the certificate shows, in the document's terms
    and language.  ``exact_output``: the printed output rule rests on the
    declared hypothesis Σ_k y_k = 1, so the per-unit formulas (exact for any
    targets) are not that rule."""
    say = lang.gettext
    rule = lambda key: rf"\eqref{{eq:rule-{key}}}"  # noqa: E731
    if bias:
        gradients = say(
            "%(weight)s and %(bias)s", weight=rule("weight-gradient"), bias=rule("bias-gradient")
        )
    else:
        gradients = rule("weight-gradient")
    last = rule("bias-gradient") if bias else rule("weight-gradient")
    sections = ", ".join(rf"\ref{{sec:layer-{layer}}}" for layer in steps)
    output = rule("output-delta")
    general = say(
        "Theorem~\\ref{thm:all-depths}, for every depth, every width and any differentiable "
        "activation and loss, assuming by name the chain rule for a symbolic number of "
        "variables and induction over the layers"
    )
    return {
        "index-form rules": say(
            "the rules %(first)s--%(last)s, with the units symbolic, at every layer each is "
            "stated for",
            first=output,
            last=last,
        ),
        "output layer": (
            say(
                "the output rule in its exact form, for any targets (Section~\\ref{sec:softmax}; "
                "%(rule)s follows from it under the hypothesis), for every output unit, one "
                "formula per unit",
                rule=output,
            )
            if exact_output
            else say("%(rule)s for every output unit, one formula per unit", rule=output)
        ),
        "hidden layers": say(
            "%(rule)s for every hidden unit, one formula per unit", rule=rule("hidden-delta")
        )
        if depth > 1
        else say("no hidden layer: nothing to check"),
        "weights and biases": say(
            "%(rules)s for every parameter, one formula per parameter", rules=gradients
        ),
        "sum over paths (L = 3)": say(
            "Section~\\ref{sec:paths}: for every first-layer weight the sum over paths is the "
            "derivative of the expanded loss, and grouped by the first edge it is the recursion"
        ),
        "chain rule, step by step": (
            say("the steps of Sections %(sections)s", sections=sections)
            if len(steps) > 1
            else say("the steps of Section %(sections)s", sections=sections)
        ),
        "all depths and widths": general,
        "all depths and widths, softmax output": say(
            "%(general)s, with the softmax output's lemma (Section~\\ref{sec:softmax}) as its "
            "first rule",
            general=general,
        ),
        "printed forms of trainer.py": say(
            "each form \\texttt{trainer.py} prints in place of a proved formula (the sigmoid "
            "through $\\tanh$, the logarithm of a sigmoid through softplus, a softmax with its "
            "row maximum subtracted, the logarithm of a softmax, a cancelled output $\\delta$) "
            "is equal to it"
        ),
    }


def checks(certificate: dict, lang: Language, claims: dict[str, str]) -> dict:
    """The certificate as the template shows it: each theorem's statement is
    its entry in ``claims`` where it has one, else the certificate's own.
    The certificate's English (names, methods, what is trusted) is put into
    the document's language (:meth:`Language.recorded`)."""
    base = certificate["trusted_base"]
    steps = base["kernel_steps"]
    return {
        "theorems": [
            {
                "name": text(lang.recorded(t["name"])),
                "statement": claims.get(t["name"]) or text(lang.recorded(t["statement"])),
                "method": text(lang.recorded(t["method"])),
                "checks": t["checks"],
                "seconds": f"{t['seconds']:.2f}",
                "holds": t["holds"],
                "failure": text(lang.recorded(t["failure"]) if t["failure"] else ""),
            }
            for t in certificate["theorems"]
        ],
        "skipped": [text(lang.recorded(line)) for line in certificate["skipped"]],
        "sympy_version": text(base["sympy_version"]),
        "python_version": text(base["python_version"]),
        "elementary": steps["elementary"],
        "sympy": steps["sympy"],
        "assumed": steps["assumed"],
        "assumptions": [
            text(f"{lang.recorded(k)}: {lang.recorded(v)}") for k, v in base["assumed"].items()
        ],
        "relies_on": text(lang.recorded(base["relies_on_sympy_for"])),
    }
