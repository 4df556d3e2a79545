"""NumPy printing of the elementwise formulas of trainer.py.

:class:`TrainerPrinter` is SymPy's ``NumPyPrinter`` with the registry's code
forms (:class:`~derive.printing.base.RegistryPrinter`): relu as
``numpy.maximum(u, 0)``, softplus as ``numpy.logaddexp(0, u)``, erf through
the trainer's ``_erf``.  It prints expressions whose arrays are already
symbols named after them (:mod:`derive.codegen.trainer` replaces the indexed
quantities); which formula is printed, and in which finite form, is
codegen's decision, not the printer's.
"""

from __future__ import annotations

import sympy
from sympy.printing.numpy import NumPyPrinter

from derive.printing.base import RegistryPrinter
from derive.spec import functions


class TrainerPrinter(RegistryPrinter, NumPyPrinter):
    """SymPy's NumPy printer, with the project's functions."""

    def __init__(self):
        super().__init__({"fully_qualified_modules": True, "allow_unknown_functions": False})

    def _function_form(self, expr):
        return functions.CODE.get(type(expr))

    def _print_Heaviside(self, expr):
        value = expr.args[1] if len(expr.args) > 1 else sympy.S.Half
        return self._call("numpy.heaviside", (expr.args[0], value))

    def _print_Max(self, expr):
        return self._nested("numpy.maximum", expr.args)

    def _print_Min(self, expr):
        return self._nested("numpy.minimum", expr.args)

    def _nested(self, function: str, args) -> str:
        """f(a, f(b, c)): SymPy's printer would write functools.reduce, which
        the trainer does not import."""
        *first, last = args
        code = self._print(last)
        for arg in reversed(first):
            code = f"{function}({self._print(arg)}, {code})"
        return code
