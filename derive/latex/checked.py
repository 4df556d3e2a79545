"""The "What was checked" section: the certificate written in the same run,
read back theorem by theorem, each named by what it shows in the document's
own terms (its equation numbers and sections).

Nothing here checks anything; it reports what :mod:`proofs` recorded, so the
section can never claim more than certificate.json does.
"""

from __future__ import annotations

from derive.printing.latex import text


def claims(bias: bool, steps: list[int], depth: int, exact_output: bool = False) -> dict[str, str]:
    """What each theorem of the certificate shows, in the document's terms.
    ``exact_output``: the printed output rule rests on the declared
    hypothesis Σ_k y_k = 1, so the per-unit formulas (exact for any targets)
    are not that rule."""
    rule = lambda key: rf"\eqref{{eq:rule-{key}}}"  # noqa: E731
    gradients = rule("weight-gradient") + (f" and {rule('bias-gradient')}" if bias else "")
    last = rule("bias-gradient") if bias else rule("weight-gradient")
    sections = ", ".join(rf"\ref{{sec:layer-{layer}}}" for layer in steps)
    general = (
        r"Theorem~\ref{thm:all-depths}, for every depth, every width and any differentiable "
        r"activation and loss, assuming by name the chain rule for a symbolic number of "
        r"variables and induction over the layers"
    )
    return {
        "index-form rules": rf"the rules {rule('output-delta')}--{last}, with the units "
        "symbolic, at every layer each is stated for",
        "output layer": (
            r"the output rule in its exact form, for any targets (Section~\ref{sec:softmax}; "
            rf"{rule('output-delta')} follows from it under the hypothesis), for every output "
            "unit, one formula per unit"
            if exact_output
            else rf"{rule('output-delta')} for every output unit, one formula per unit"
        ),
        "hidden layers": rf"{rule('hidden-delta')} for every hidden unit, one formula per unit"
        if depth > 1
        else "no hidden layer: nothing to check",
        "weights and biases": f"{gradients} for every parameter, one formula per parameter",
        "sum over paths (L = 3)": r"Section~\ref{sec:paths}: for every first-layer weight the "
        r"sum over paths is the derivative of the expanded loss, and grouped by the first edge "
        r"it is the recursion",
        "chain rule, step by step": f"the steps of Section{'s' if len(steps) > 1 else ''} "
        f"{sections}",
        "all depths and widths": general,
        "all depths and widths, softmax output": general
        + r", with the softmax output's lemma (Section~\ref{sec:softmax}) as its first rule",
        "printed forms of trainer.py": r"each form \texttt{trainer.py} prints in place of a "
        r"proved formula (the sigmoid through $\tanh$, the logarithm of a sigmoid through "
        r"softplus, a softmax with its row maximum subtracted, the logarithm of a softmax, "
        r"a cancelled output $\delta$) is equal to it",
    }


def checks(certificate: dict, claims: dict[str, str]) -> dict:
    """The certificate as the template shows it: each theorem's statement is
    its entry in ``claims`` where it has one, else the certificate's own."""
    base = certificate["trusted_base"]
    steps = base["kernel_steps"]
    return {
        "theorems": [
            {
                "name": text(t["name"]),
                "statement": claims.get(t["name"], text(t["statement"])),
                "method": text(t["method"]),
                "checks": t["checks"],
                "seconds": f"{t['seconds']:.2f}",
                "holds": t["holds"],
                "failure": text(t["failure"] or ""),
            }
            for t in certificate["theorems"]
        ],
        "skipped": [text(line) for line in certificate["skipped"]],
        "sympy_version": text(base["sympy_version"]),
        "python_version": text(base["python_version"]),
        "elementary": steps["elementary"],
        "sympy": steps["sympy"],
        "assumed": steps["assumed"],
        "assumptions": [text(f"{k}: {v}") for k, v in base["assumed"].items()],
        "relies_on": text(base["relies_on_sympy_for"]),
    }
