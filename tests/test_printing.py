"""The printers share one base: a quantity, a function or a derivative means
the same thing in the report, derivation.tex and trainer.py, and only the
syntax differs."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from derive.derivation.indexed import LAYER, J, K, delta, increment, n, w, z
from derive.notation.naming import notation
from derive.printing.base import NotationPrinter, RegistryPrinter
from derive.printing.latex import NotationLatexPrinter, latex
from derive.printing.numpy import TrainerPrinter
from derive.printing.unicode import UnicodePrinter, unicode
from derive.spec import functions
from proofs.kernel.functions import f, relu, sigmoid, softplus

LAYER_NOTATION = notation("layer")
XIGUA = notation("xigua")
u, v = sympy.symbols("u v")


def both(expr, names=LAYER_NOTATION):
    return unicode(expr, names), latex(expr, names)


@pytest.mark.parametrize(
    ("printer", "base"),
    [(UnicodePrinter, NotationPrinter), (NotationLatexPrinter, NotationPrinter)]
    + [(TrainerPrinter, RegistryPrinter)],
)
def test_a_shared_decision_is_made_once(printer, base):
    """A concrete printer adds syntax; it does not print again what its base prints."""
    shared = {name for name in vars(base) if name.startswith("_print")}
    assert shared, base
    assert not shared & set(vars(printer))


class bump(sympy.Function):
    """A function known only to the registry entry the fixture adds."""


@pytest.fixture
def registered_bump():
    functions.add(
        functions.Function(
            "bump",
            bump,
            in_expressions=False,
            in_claims=False,
            unicode="β̃",
            latex=r"\tilde{\beta}",
            code=("numpy.tanh", (functions.ARG,)),
        )
    )
    try:
        yield
    finally:
        functions.remove("bump")


def test_a_function_prints_from_its_registry_entry_in_every_printer(registered_bump):
    assert both(bump(u)) == ("β̃(u)", r"\tilde{\beta}\left(u\right)")
    assert both(sympy.Derivative(bump(u), u)) == ("β̃′(u)", r"\tilde{\beta}'\left(u\right)")
    assert TrainerPrinter().doprint(bump(u) + 1) == "numpy.tanh(u) + 1"


def test_registry_names_win_over_sympys_own():
    assert both(sympy.Heaviside(u)) == ("H(u)", r"H\left(u\right)")  # SymPy: Heaviside(u), θ(u)
    assert both(sigmoid(u)) == ("σ(u)", r"\sigma\left(u\right)")
    assert TrainerPrinter().doprint(sympy.erf(u)) == "_erf(u)"  # SymPy: math.erf, scalars only


def test_the_notation_names_quantities_in_both_printers():
    assert both(delta[LAYER, J]) == ("δˡⱼ", r"\delta^{l}_{j}")
    assert both(w[2, J, K], XIGUA) == ("wₖⱼ", "w_{kj}")
    assert both(sympy.Symbol("E"), XIGUA) == ("Eₖ", "E_k")
    assert both(increment(w[LAYER, J, K])) == ("Δwˡⱼₖ", r"\Delta w^{l}_{jk}")


def test_an_indexed_quantity_outside_the_model_prints_as_label_and_indices():
    """E_k of a batch: the Unicode printer used to hand it to the notation and fail."""
    assert both(sympy.IndexedBase("E")[K]) == ("Eₖ", "E_{k}")


def test_a_derivative_is_f_prime_at_its_own_variable_else_a_fraction():
    assert both(sympy.Derivative(f(z[1, J]), z[1, J])) == ("f′(z¹ⱼ)", r"f'\left(z^{1}_{j}\right)")
    fraction = both(sympy.Derivative(sympy.Symbol("E"), w[2, J, K]))
    assert fraction == ("∂E/∂w²ⱼₖ", r"\frac{\partial E}{\partial w^{2}_{jk}}")


def test_sums_and_matrix_products_share_their_layout():
    total = sympy.Sum(w[LAYER + 1, K, J] * delta[LAYER + 1, K], (K, 1, n[LAYER + 1]))
    assert both(total) == (
        "Σₖ₌₁^(nₗ₊₁) δˡ⁺¹ₖ·wˡ⁺¹ₖⱼ",
        r"\sum_{k=1}^{n_{l+1}} \delta^{l+1}_{k} w^{l+1}_{kj}",
    )
    left, right = sympy.MatrixSymbol("A", 2, 2), sympy.MatrixSymbol("B", 2, 2)
    assert both(-left * right.T) == ("-A·Bᵀ", r"-A B^{\mathsf{T}}")


def test_code_forms_print_as_text_and_compute_the_function():
    printer = TrainerPrinter()
    cases = {
        relu(u): ("numpy.maximum(u, 0)", lambda x: np.maximum(x, 0)),
        softplus(u): ("numpy.logaddexp(0, u)", lambda x: np.log1p(np.exp(x))),
        sympy.Heaviside(u): ("numpy.heaviside(u, 1/2)", lambda x: np.heaviside(x, 0.5)),
        sympy.Max(u, u / 10, 0): (None, lambda x: np.maximum(np.maximum(x, x / 10), 0)),
    }
    points = np.array([-2.0, -0.5, 0.0, 0.3, 4.0])
    for expr, (text, reference) in cases.items():
        code = printer.doprint(expr)
        assert text is None or code == text
        assert "functools" not in code
        value = eval(code, {"numpy": np, "u": points})  # our own printed code, not user text
        assert np.allclose(value, reference(points)), code


@pytest.mark.parametrize(
    "activation, shown",
    [
        ("tanh", r"\tanh{\left(\beta_{j} - \theta_{j} \right)}"),
        ("erf(x)", r"e^{- \left(\beta_{j} - \theta_{j}\right)^{2}}"),
    ],
)
def test_a_compound_name_brings_its_parentheses_once(tmp_path, activation, shown):
    """β_j − θ_j is printed in parentheses; inside a function or under a
    power it is not wrapped again: tanh(β_j − θ_j), not tanh((β_j − θ_j))."""
    from derive.cli import main

    args = ["--layers", "2", "--notation", "xigua", "--activation", activation]
    assert main([*args, "--out", str(tmp_path)]) == 0
    document = (tmp_path / "derivation.tex").read_text(encoding="utf-8")
    assert shown in document
    assert r"\left(\left(" not in document


def test_the_terminal_writes_a_compound_name_in_one_pair_of_parentheses(tmp_path, capsys):
    """softplus′ is σ, printed from the registry: σ(β₁ − θ₁), not σ((β₁ − θ₁))."""
    from derive.cli import main

    args = ["--layers", "2", "--notation", "xigua", "--activation", "softplus"]
    assert main([*args, "--out", str(tmp_path)]) == 0
    report = capsys.readouterr().out
    assert "σ(β₁ − θ₁)" in report
    assert "((" not in report


def test_plain_text_sets_an_ellipsis_and_the_scripts_r_m_and_equals_in_math():
    """The certificate's records write Σᵣ₌₁ᵐ and v₁, …, vₘ: each must reach
    the write-up as mathematics, not as '?'."""
    from derive.printing.latex import text

    assert text("v₁, …, vₘ") == r"v\ensuremath{_{1}}, \ensuremath{\dots}, v\ensuremath{_{m}}"
    assert text("Σᵣ₌₁ᵐ") == r"\ensuremath{\Sigma}\ensuremath{_{r=1}}\ensuremath{^{m}}"
