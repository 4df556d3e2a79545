"""The main job runs trainer.py before writing it, and a bug anywhere in derive
is one line on stderr, never a traceback.

The trainers checked here are the real generated ones; the faulty ones are
real generated ones with one deliberate slip each, the kind a template or
printer change could make."""

from __future__ import annotations

import pytest

from derive.cli import main
from derive.codegen import trainer as codegen
from derive.codegen.check import (
    COMPARED,
    COMPARED_POSITIVE,
    NOT_COMPARED,
    TrainerCheckError,
    check_trainer,
)
from derive.model.network import Network
from derive.spec.network import parse_spec


def _source(layers=2, widths=None, activation="sigmoid", loss="mse", bias=True) -> str:
    return codegen.trainer_source(Network(parse_spec(layers, widths, activation, loss, bias)))


@pytest.fixture(scope="module")
def source():
    return _source(layers=3, activation="relu,tanh,sigmoid", loss="bce")


@pytest.mark.parametrize(
    "activation, loss, bias",
    [
        ("sigmoid", "mse", True),
        ("relu,softplus", "mse", False),
        ("erf(x),max(x, 0.1*x)", "max(yhat - y, 0)^2", True),
        ("relu", "bce", True),  # the loss is infinite wherever a relu output is 0
        ("tanh", "bce", True),  # and not a number wherever a tanh output is negative
    ],
)
def test_a_trainer_derive_generates_passes(activation, loss, bias):
    assert check_trainer(_source(activation=activation, loss=loss, bias=bias)) == COMPARED


@pytest.mark.parametrize("activation", ["sqrt(x)", "x^(1/3)"])
def test_an_activation_defined_for_positive_arguments_is_compared_there(activation):
    """Found by review: sqrt(x) gave a trainer never compared; every third
    point now has positive inputs and parameters, and the report says so."""
    assert check_trainer(_source(activation=activation)) == COMPARED_POSITIVE


def test_a_loss_finite_nowhere_is_run_but_not_compared():
    assert check_trainer(_source(loss="log(yhat - 2)")) == NOT_COMPARED


def test_a_gradient_beyond_float64_is_not_a_slip():
    """Found by tests/test_fuzz.py: arctan(7e4^x) is finite (π/2) where its
    derivative overflows to inf·0."""
    source = _source(layers=1, widths="2,1", activation="arctan((7e4)^(max(x, 69)))")
    assert check_trainer(source) == NOT_COMPARED


def test_the_shared_source_passes(source):
    check_trainer(source)


def _replace(source: str, old: str, new: str) -> str:
    assert old in source, old
    return source.replace(old, new, 1)


def _loss_doubled(source: str) -> str:
    """_loss_terms returns twice what it did: gradients() no longer match."""
    return _replace(
        source,
        "def _loss_terms(z, a, y):",
        "def _loss_terms(z, a, y):\n    return 2 * _half(z, a, y)\n\n\ndef _half(z, a, y):",
    )


MUTANTS = {
    "no import of numpy": lambda s: _replace(s, "import numpy\n", "\n"),
    "a loss that is not the one differentiated": _loss_doubled,
    "a step that moves half as far": lambda s: _replace(
        s, "params[key] -= grads[key]", "params[key] -= 0.5 * grads[key]"
    ),
    "a δ scaled twice": lambda s: _replace(
        s, "numpy.multiply(delta, scale, out=delta)", "numpy.multiply(delta, 2 * scale, out=delta)"
    ),
    "a syntax error": lambda s: s + "\ndef broken(:\n",
    "a gradient that is nan": lambda s: _replace(
        s,
        "    return _backward(params, X, Y, 1.0 / X.shape[0], space, grads, update=False)",
        "    return {k: v * numpy.nan for k, v in"
        " _backward(params, X, Y, 1.0 / X.shape[0], space, grads, update=False).items()}",
    ),
}


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_a_trainer_with_a_slip_is_refused(source, name):
    with pytest.raises(TrainerCheckError):
        check_trainer(MUTANTS[name](source))


def test_a_broken_trainer_is_an_internal_error_and_nothing_is_written(
    tmp_path, monkeypatch, capsys
):
    real = codegen.trainer_source
    monkeypatch.setattr(
        codegen, "trainer_source", lambda *a, **k: MUTANTS["a δ scaled twice"](real(*a, **k))
    )
    out = tmp_path / "out"
    assert main(["--layers", "2", "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert not out.exists()
    assert "Wrote" not in captured.out and "proved" not in captured.out
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert "internal error: TrainerCheckError" in lines[0] and "please report" in lines[0]


def test_the_report_says_the_trainer_was_run(tmp_path, capsys):
    assert main(["--layers", "2", "--out", str(tmp_path / "out")]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "trainer.py" in x)
    assert "imported and run before writing" in line


def _fails(argv):
    raise RuntimeError("first line\nsecond line")


@pytest.mark.parametrize(
    "command, argv", [("run", ["--layers", "2"]), ("prove", ["prove"]), ("check", ["check", "x"])]
)
def test_an_unexpected_exception_is_one_line_and_exit_1(monkeypatch, capsys, command, argv):
    import derive.cli

    monkeypatch.setattr(derive.cli, command, _fails)
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("derive: internal error: RuntimeError in _fails")
    assert "first line second line" in err and "DERIVE_TRACEBACK=1" in err


def test_derive_traceback_shows_the_real_exception(monkeypatch):
    import derive.cli

    monkeypatch.setattr(derive.cli, "prove", _fails)
    monkeypatch.setenv("DERIVE_TRACEBACK", "1")
    with pytest.raises(RuntimeError, match="first line"):
        main(["prove", "--layers", "2"])
