"""Every registry entry's derivative facts are true, and one registration
reaches every parser, printer, evaluator and output."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy
from test_trainer import data, load

from derive.claims import check, numeric
from derive.cli import main
from derive.model.evaluate import evaluate
from derive.spec import functions, registry
from derive.spec.network import parse_spec
from derive.spec.registry import ACTIVATIONS, LOSSES, X
from derive.support.errors import InputError
from derive.testing import check_gradients
from proofs.kernel.functions import sigmoid

ELEMENTWISE = sorted(registry.ELEMENTWISE)
NONTRIVIAL = [name for name in ELEMENTWISE if name != "identity"]


@pytest.mark.parametrize("name", NONTRIVIAL)
def test_derivative_through_output_equals_the_derivative(name):
    entry = ACTIVATIONS[name]
    through_output = entry.derivative_from_output(entry.expr)
    for value in (-2.5, -0.3, 0.7, 3.1):
        point = {X: value}
        assert evaluate(through_output, point) == pytest.approx(evaluate(entry.derivative, point))


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softplus"])
def test_smooth_output_forms_hold_symbolically(name):
    entry = ACTIVATIONS[name]
    difference = (entry.derivative - entry.derivative_from_output(entry.expr)).rewrite(sympy.exp)
    assert sympy.simplify(difference) == 0


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_finite_differences(name):
    entry = ACTIVATIONS[name]
    for value in (-1.7, -0.2, 0.4, 2.2):
        step = 1e-6
        numeric = (
            evaluate(entry.expr, {X: value + step}) - evaluate(entry.expr, {X: value - step})
        ) / (2 * step)
        assert numeric == pytest.approx(evaluate(entry.derivative, {X: value}), rel=1e-6, abs=1e-9)


def test_named_functions_agree_with_their_textbook_formulas():
    z = np.linspace(-5, 5, 11)
    assert np.allclose(evaluate(registry.sigmoid(X), {X: z}), 1 / (1 + np.exp(-z)))
    assert np.allclose(evaluate(registry.softplus(X), {X: z}), np.log1p(np.exp(z)))
    assert np.allclose(evaluate(registry.relu(X), {X: z}), np.maximum(z, 0))
    assert evaluate(registry.sigmoid(X), {X: np.array([-1000.0])})[0] == 0.0


def test_losses_are_the_documented_ones():
    yhat, y = registry.YHAT, registry.Y
    assert sympy.expand(LOSSES["mse"].term - (yhat - y) ** 2 / 2) == 0
    bce = -(y * sympy.log(yhat) + (1 - y) * sympy.log(1 - yhat))
    assert sympy.expand(LOSSES["bce"].term - bce) == 0
    assert sympy.simplify(LOSSES["bce"].derivative - (yhat - y) / (yhat * (1 - yhat))) == 0


@pytest.mark.parametrize(
    "name", [n for n in sorted(ACTIVATIONS) if ACTIVATIONS[n].definition is not None]
)
def test_textbook_definitions_are_the_functions(name):
    entry = ACTIVATIONS[name]
    z = np.linspace(-4, 4, 9)
    assert np.allclose(evaluate(entry.expr, {X: z}), evaluate(entry.definition, {X: z}))


# -- one registration reaches every part of the program ------------------------


@pytest.fixture
def swish():
    """swish(x) = x·σ(x), registered in this one place for the test's length."""
    entry = functions.Function("swish", sympy.Lambda(X, X * sigmoid(X)))
    registry.register(entry, activation=True)
    try:
        yield entry
    finally:
        registry.unregister("swish")


def test_a_registered_activation_works_in_the_main_job(swish, tmp_path, capsys):
    out = tmp_path / "out"
    assert (
        main(["--layers", "2", "--widths", "2,3,1", "--activation", "swish", "--out", str(out)])
        == 0
    )
    report = capsys.readouterr().out
    assert "swish" in report and "σ" in report  # named, and printed through σ
    assert "swish" in (out / "derivation.tex").read_text(encoding="utf-8")
    assert "swish" in (out / "derivation.json").read_text(encoding="utf-8")

    trainer = load((out / "trainer.py").read_text(encoding="utf-8"), tmp_path)
    params = trainer.init_params(seed=1)
    X_, Y_ = data(trainer)
    check_gradients(trainer, params, X_, Y_)


def test_a_registered_activation_is_proved_and_checked(swish, capsys):
    assert main(["prove", "--layers", "2", "--widths", "2,2,1", "--activation", "swish"]) == 0
    derivative = "sigmoid(z[l][j])*(1 + z[l][j]*(1 - sigmoid(z[l][j])))"
    base = ["check", "--layers", "2", "--widths", "2,2,1", "--activation", "swish"]
    assert main([*base, f"d(a[l][j])/d(z[l][j]) = {derivative}"]) == 0
    assert main([*base, "d(a[l][j])/d(z[l][j]) = swish'(z[l][j])"]) == 0
    assert main([*base, "d(a[l][j])/d(z[l][j]) = sigmoid(z[l][j])"]) == 1  # σ alone is wrong
    assert main([*base[:-2], "--activation", "swish(x) + x", "dE/db[2][1] = delta[2][1]"]) == 0


def test_a_registered_function_is_evaluated_at_high_precision_and_on_arrays(swish):
    expr = registry.activation("swish(x)/2").expr
    with mpmath.workdps(60):
        exact = mpmath.mpf(3) / 4 / (1 + mpmath.exp(mpmath.mpf(-3) / 2))
        error = abs(numeric.evaluate(expr, {X: sympy.Rational(3, 2)}) - exact)
    assert error < mpmath.mpf(10) ** -35
    values = np.array([-2.0, 0.0, 1.5])
    assert evaluate(expr, {X: values}) == pytest.approx(values / (1 + np.exp(-values)) / 2)


def test_registration_is_undone_and_names_are_not_taken_twice(swish):
    with pytest.raises(ValueError, match="already registered"):
        registry.register(functions.Function("swish", sympy.Lambda(X, X)))
    registry.unregister("swish")
    try:
        with pytest.raises(InputError, match="unknown function 'swish'"):
            registry.activation("swish(x)")
        with pytest.raises(InputError):
            check("d(a[l][j])/d(z[l][j]) = swish'(z[l][j])", parse_spec("2", "2,2,1"))
    finally:
        registry.register(swish, activation=True)  # the fixture removes it again


def test_a_loss_that_needs_the_unit_interval_says_which_activations_stay_in_it(tmp_path, capsys):
    args = ["--layers", "1", "--widths", "1,1", "--activation", "tanh", "--loss", "bce"]
    assert main([*args, "--out", str(tmp_path / "out")]) == 0
    shown = capsys.readouterr()
    assert (
        "note: bce needs outputs in (0, 1); the output activation tanh can leave that range "
        "(sigmoid cannot)"
    ) in shown.out + shown.err


@pytest.mark.parametrize(
    "entry",
    [e for e in functions.entries() if e.array is not None and e.mpmath is not None],
    ids=lambda e: e.name,
)
def test_each_functions_array_and_high_precision_forms_agree(entry):
    """The two numerical forms of an entry are written separately (NumPy for
    finite differences, mpmath for counterexamples): they must be the same
    function."""
    arity = 2 if entry.name in ("max", "min") else 1
    for value in (-1.3, -0.4, 0.6, 2.1):
        arguments = [value + k for k in range(arity)]
        exact = entry.mpmath(*(mpmath.mpf(a) for a in arguments))
        if isinstance(exact, mpmath.mpc):  # outside its real domain (log of −1.3)
            continue
        expected = float(exact)
        assert float(entry.array(*(np.float64(a) for a in arguments))) == pytest.approx(expected)


@pytest.mark.parametrize("identity", functions.IDENTITIES.values(), ids=lambda i: i.key)
def test_each_printed_identity_is_proved_by_the_kernel(identity):
    from proofs.kernel import Kernel

    fact = Kernel().simplification(identity.lhs, identity.rhs)
    assert (fact.lhs, fact.rhs) == (identity.lhs, identity.rhs)
