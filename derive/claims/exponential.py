"""An exact test for sides that differ only in how they write σ or tanh.

A learner may write σ(β − θ) as ``1/(1 + exp(-(beta - theta)))``, or tanh
through σ(2z); :func:`proofs.kernel.algebra.is_zero` treats σ(u) and exp(−u) as
unrelated atoms and cannot see that these agree.  Here every σ, tanh, sinh,
cosh and exp is rewritten through exponentials, and each exp(c·u) (c rational, u
primitive with a fixed sign) becomes t_u^c for one fresh symbol t_u per u.
What is left is a rational function of independent symbols; if its numerator
expands to zero the original difference is zero wherever it is defined
(substitution preserves identities), so the test is sound.
"""

from __future__ import annotations

import sympy

from derive.spec import functions
from proofs.kernel.algebra import atomize, replace_nodes


def is_zero_through_exponentials(expr: sympy.Expr) -> bool:
    bases: dict = {}

    def power_of_base(argument):
        coefficient, primitive = argument.as_content_primitive()
        if primitive.could_extract_minus_sign():
            coefficient, primitive = -coefficient, -primitive
        if not coefficient.is_Integer:
            return None
        base = bases.setdefault(primitive, sympy.Dummy(f"t{len(bases)}", positive=True))
        return base**coefficient

    def exp(argument):
        power = power_of_base(argument)
        return sympy.exp(argument) if power is None else power

    forms = {
        cls: (lambda u, form=form: form(exp, u)) for cls, form in functions.EXPONENTIAL.items()
    }
    rewritten = replace_nodes(expr, {}, forms)
    numerator, _ = sympy.fraction(sympy.together(atomize(rewritten, {}, reciprocals=False)))
    return sympy.expand(numerator) == 0
