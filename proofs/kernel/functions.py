"""The named functions the kernel knows: their derivative rules are the
kernel's (differentiation applies them), so they live here, with it.

Sigmoid, ReLU and softplus are SymPy functions with their derivative rule
attached rather than formulas through ``exp``: differentiation then stays
small (σ' is σ(1 − σ), not a quotient of exponentials), and numerical code
can use an overflow-free form for each.  Each also says what it is through
SymPy's rewrite rules (σ and softplus through exp, relu through Max), which
is how :meth:`proofs.kernel.core.Kernel.simplification` writes them out; the
tests check each derivative rule against its written-out form.
"""

from __future__ import annotations

import sympy


class sigmoid(sympy.Function):
    """The logistic function 1/(1 + e^(−x)); its derivative is σ(1 − σ)."""

    def fdiff(self, argindex=1):
        value = sigmoid(self.args[0])
        return value * (1 - value)

    @classmethod
    def eval(cls, arg):
        if arg.is_zero:
            return sympy.S.Half

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return 1 / (1 + sympy.exp(-arg))

    def _eval_evalf(self, precision):
        # The function's own definition only: rewriting its argument too
        # (cos as exponentials of i·x) would add imaginary rounding noise.
        return self._eval_rewrite_as_exp(*self.args)._eval_evalf(precision)

    def _eval_is_real(self):
        return self.args[0].is_real


class relu(sympy.Function):
    """max(0, x); its derivative is the step H(x) with H(0) = 0."""

    def fdiff(self, argindex=1):
        return sympy.Heaviside(self.args[0], 0)

    @classmethod
    def eval(cls, arg):
        if arg.is_number and arg.is_real:
            return sympy.Max(0, arg)

    def _eval_rewrite_as_Max(self, arg, **kwargs):
        return sympy.Max(0, arg)

    def _eval_is_real(self):
        return self.args[0].is_real


class softplus(sympy.Function):
    """log(1 + e^x); its derivative is the sigmoid."""

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return sympy.log(1 + sympy.exp(arg))

    def _eval_evalf(self, precision):
        # The function's own definition only: rewriting its argument too
        # (cos as exponentials of i·x) would add imaginary rounding noise.
        return self._eval_rewrite_as_exp(*self.args)._eval_evalf(precision)

    def _eval_is_real(self):
        return self.args[0].is_real


fprime = sympy.Function("fprime", real=True)
"""The derivative of the generic activation ``f``: an unknown function."""


class f(sympy.Function):
    """A generic differentiable activation: nothing is known of it except that
    its derivative is ``fprime``.  A result proved with ``f`` holds for every
    differentiable activation."""

    def fdiff(self, argindex=1):
        return fprime(self.args[0])

    def _eval_is_real(self):
        return self.args[0].is_real
