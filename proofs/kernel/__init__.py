"""The proof kernel: the only code a "proved" rests on.

It imports SymPy and nothing of ``derive`` or of the theorem modules
(``tests/test_kernel_seal.py`` checks that importing it loads neither), so
what the theorems prove can be judged by reading these modules alone:

* :mod:`proofs.kernel.core` — facts, the rules that make them, definitions;
* :mod:`proofs.kernel.algebra` — node replacement and the exact zero test;
* :mod:`proofs.kernel.differentiation` — derivatives, each shared node once;
* :mod:`proofs.kernel.numeric` — counterexamples for refused steps.
"""

from proofs.kernel.core import (
    ASSUMED,
    ELEMENTARY,
    SUM_ALGEBRA_LIMIT,
    SUM_EXPANSION_LIMIT,
    SYMPY,
    TRUST_LEVELS,
    Fact,
    Kernel,
    Partial,
    ProofError,
    Step,
)

__all__ = [
    "ASSUMED",
    "ELEMENTARY",
    "SUM_ALGEBRA_LIMIT",
    "SUM_EXPANSION_LIMIT",
    "SYMPY",
    "TRUST_LEVELS",
    "Fact",
    "Kernel",
    "Partial",
    "ProofError",
    "Step",
]
