"""trainer.py: generated from the verified rules, imported for real, and
checked against finite differences, PyTorch autograd and XOR."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy
import pytest
from sympy import Sum, atanh

from derive.cli import main
from derive.codegen.trainer import trainer_source
from derive.derivation import indexed
from derive.derivation.indexed import LAYER, J, K, Rule, a, delta, n, w, z
from derive.model.network import Network
from derive.spec import registry
from derive.spec.network import parse_spec
from derive.spec.registry import ACTIVATIONS as REGISTRY_ACTIVATIONS
from derive.support.errors import InputError
from derive.testing import check_gradients, numeric_gradients, relative_error

ROOT = Path(__file__).resolve().parent.parent
_counter = iter(range(10**6))


def load(source: str, folder: Path):
    """Write ``source`` to a file and import it by path, as a user would."""
    path = folder / f"trainer_{next(_counter)}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def trainer(tmp_path, layers, widths=None, activation="sigmoid", loss="mse", bias=True, sign=1):
    spec = parse_spec(str(layers), widths, activation, loss, bias)
    return load(trainer_source(Network(spec, bias_sign=sign)), tmp_path)


def data(module, batch=5, seed=1, dtype=numpy.float64):
    rng = numpy.random.default_rng(seed)
    X = rng.normal(size=(batch, module.SIZES[0])).astype(dtype)
    Y = rng.uniform(0.05, 0.95, size=(batch, module.SIZES[-1])).astype(dtype)
    return X, Y


ACTIVATIONS = ["sigmoid", "tanh", "relu", "softplus", "identity", "x/(1+abs(x))"]
LOSSES = ["mse", "bce", "(yhat-y)**4/4"]
MATRIX = [
    (layers, ACTIVATIONS[(layers + i) % len(ACTIVATIONS)], loss, bias)
    for layers in range(1, 6)
    for i, loss in enumerate(LOSSES)
    for bias in (True, False)
]


def _sigmoid_output(activation: str, layers: int, loss: str) -> str:
    """bce needs outputs in (0, 1): a sigmoid output layer under it."""
    if loss != "bce":
        return activation
    return ",".join([activation] * (layers - 1) + ["sigmoid"])


@pytest.mark.parametrize("layers, activation, loss, bias", MATRIX)
def test_gradients_equal_central_finite_differences(tmp_path, layers, activation, loss, bias):
    module = trainer(tmp_path, layers, None, _sigmoid_output(activation, layers, loss), loss, bias)
    params = module.init_params(seed=3)
    X, Y = data(module)
    check_gradients(module, params, X, Y)


VOCABULARY = {
    # every function the expression parser offers, in an activation or a loss
    "exp": ("exp(-x^2)", "mse"),
    "log": ("log(1 + x^2)", "mse"),
    "ln": ("x*ln(2 + x^2)", "mse"),
    "sqrt": ("sqrt(1 + x^2)", "mse"),
    "abs": ("x/(1+abs(x))", "abs(yhat - y)^3"),
    "tanh": ("tanh(x)", "mse"),
    "sinh": ("sinh(x)/2", "mse"),
    "cosh": ("x*cosh(x/3)", "log(cosh(yhat - y))"),
    "sin": ("sin(x)", "mse"),
    "cos": ("x + cos(x)", "mse"),
    "atan": ("atan(x)", "mse"),
    "arctan": ("arctan(x)", "mse"),
    "erf": ("erf(x)", "mse"),
    "max": ("max(x, x/10)", "max(yhat - y, 0)^2 + (yhat - y)^2"),
    "min": ("min(x, 1 + x/2)", "min(yhat, 5)^2 - 2*y*min(yhat, 5)"),
    "sigmoid": ("sigmoid(x)", "mse"),
    "relu": ("relu(x) + x/4", "mse"),
    "softplus": ("softplus(x)", "mse"),
}


def test_the_vocabulary_is_every_function_the_parser_offers():
    from derive.spec.registry import _FUNCTIONS

    assert set(VOCABULARY) == set(_FUNCTIONS)


IN_A_LOSS = {
    # every function the expression parser offers, inside a loss, where its
    # argument stays in its domain for ŷ in (0, 1) and y in (0.1, 0.9)
    "exp": "exp(yhat - y) - yhat",
    "log": "-y*log(yhat) - (1 - y)*log(1 - yhat)",
    "ln": "(ln(1 + yhat) - y)^2",
    "sqrt": "sqrt(1 + (yhat - y)^2)",
    "abs": "abs(yhat - y)^3",
    "tanh": "tanh(yhat - y)^2",
    "sinh": "sinh(yhat - y)^2",
    "cosh": "log(cosh(yhat - y))",
    "sin": "sin(yhat - y)^2",
    "cos": "1 - cos(yhat - y)",
    "atan": "atan(yhat - y)^2",
    "arctan": "arctan(yhat - y)^2",
    "erf": "erf(yhat - y)^2",
    "max": "max(yhat - y, 0)^2 + (yhat - y)^2",
    "min": "min(yhat, 5)^2 - 2*y*min(yhat, 5)",
    "sigmoid": "(sigmoid(yhat) - y)^2",
    "relu": "relu(yhat - y)^2 + (yhat - y)^2/2",
    "softplus": "softplus(yhat - y) + softplus(y - yhat)",
}


def test_every_function_appears_inside_a_loss_below():
    from derive.spec.registry import _FUNCTIONS

    assert set(IN_A_LOSS) == set(_FUNCTIONS)
    for name, text in IN_A_LOSS.items():
        assert f"{name}(" in text


@pytest.mark.parametrize("name", sorted(IN_A_LOSS))
def test_every_function_in_a_loss_gives_a_trainer_that_runs_and_is_right(tmp_path, name):
    module = trainer(tmp_path, 2, "2,3,2", "tanh,sigmoid", IN_A_LOSS[name])
    params = module.init_params(seed=3)
    X, Y = data(module)
    grads = module.gradients(params, X, Y)
    assert all(numpy.isfinite(g).all() for g in grads.values())
    check_gradients(module, params, X, Y)


@pytest.mark.parametrize("name", sorted(VOCABULARY))
@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
def test_every_function_gives_a_trainer_that_runs_and_is_right(tmp_path, name, dtype):
    """A trainer that does not run would make "proved" a false word."""
    activation, loss = VOCABULARY[name]
    module = trainer(tmp_path, 2, "2,3,2", activation, loss)
    params = module.init_params(seed=3, dtype=dtype)
    X, Y = data(module, dtype=dtype)
    grads = module.gradients(params, X, Y)
    assert all(g.dtype == dtype and numpy.isfinite(g).all() for g in grads.values())
    if dtype == numpy.float64:
        check_gradients(module, params, X, Y)
    before = module.loss(params, X, Y)
    result = module.train(params, X, Y, lr=0.05, epochs=3)
    assert numpy.isfinite(result["loss"]).all() and result["loss"][0] == pytest.approx(before)


def test_thresholds_of_the_watermelon_book_train_too(tmp_path):
    """With --notation xigua the bias enters as −θ; the gradient follows."""
    module = trainer(tmp_path, 2, "2,3,2", sign=-1)
    params = module.init_params(seed=1)
    params["b1"] += 0.3
    X, Y = data(module)
    check_gradients(module, params, X, Y)


def _torch():
    if os.environ.get("CI"):
        import torch  # CI installs it (the test extra): never skip there

        return torch
    return pytest.importorskip("torch")


def torch_loss(torch, params, X, Y, activations, loss, sign=1):
    """The same network written by hand in PyTorch, float64, and its mean
    loss and the autograd tensors: ((value, {key: tensor})).  A softmax
    output is torch's; ce goes through ``log_softmax`` and the weighted sum."""
    functions = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "softplus": torch.nn.functional.softplus,
        "identity": lambda t: t,
        "x/(1+abs(x))": lambda t: t / (1 + t.abs()),
        "softmax": lambda t: torch.softmax(t, dim=1),
    }
    tensors = {
        k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()
    }
    out = torch.tensor(X, dtype=torch.float64)
    for layer, name in enumerate(activations, start=1):
        out = out @ tensors[f"W{layer}"].T
        if f"b{layer}" in tensors:
            out = out + sign * tensors[f"b{layer}"]
        if not (name == "softmax" and loss == "ce"):
            out = functions[name](out)
    target = torch.tensor(Y, dtype=torch.float64)
    if loss == "ce":
        terms = -(target * torch.log_softmax(out, dim=1))
    elif loss == "mse":
        terms = 0.5 * (out - target) ** 2
    elif loss == "bce":
        terms = -(target * torch.log(out) + (1 - target) * torch.log(1 - out))
    else:
        terms = (out - target) ** 4 / 4
    value = terms.sum(dim=1).mean()
    value.backward()
    return value.item(), tensors


def torch_gradients(torch, module, params, X, Y, activations, loss, sign=1):
    """The gradients of :func:`torch_loss`, by autograd."""
    _, tensors = torch_loss(torch, params, X, Y, activations, loss, sign)
    return {k: t.grad.numpy() for k, t in tensors.items()}


@pytest.mark.parametrize("layers, activation, loss, bias", MATRIX)
def test_gradients_equal_pytorch_autograd(tmp_path, layers, activation, loss, bias):
    torch = _torch()
    names = _sigmoid_output(activation, layers, loss)
    module = trainer(tmp_path, layers, None, names, loss, bias)
    params = module.init_params(seed=4)
    X, Y = data(module, seed=2)
    per_layer = names.split(",") if "," in names else [names] * layers
    expected = torch_gradients(torch, module, params, X, Y, per_layer, loss)
    grads = module.gradients(params, X, Y)
    for key in params:
        numpy.testing.assert_allclose(grads[key], expected[key], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("batch_size", [None, 1])
def test_xor_is_learned_with_batch_and_stochastic_descent(tmp_path, batch_size):
    module = trainer(tmp_path, 2, "2,3,1")
    X = numpy.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = numpy.array([[0], [1], [1], [0]], dtype=float)
    params = module.init_params(seed=0)
    result = module.train(params, X, Y, lr=2.0, epochs=4000, batch_size=batch_size)
    assert result["params"] is params and result["stopped"] == "epochs"
    assert result["loss"][-1] < 0.01 < result["loss"][0]
    assert module.loss(params, X, Y) == pytest.approx(result["loss"][-1])
    numpy.testing.assert_array_equal(module.predict(params, X) > 0.5, Y > 0.5)


def test_training_stops_by_the_gradient_norm_rule(tmp_path):
    module = trainer(tmp_path, 2, "2,3,1")
    X = numpy.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = numpy.array([[0], [1], [1], [0]], dtype=float)
    params = module.init_params(seed=0)
    result = module.train(params, X, Y, lr=2.0, epochs=100000, tol=1e-3)
    assert result["stopped"] == "tol" and result["epochs"] < 100000
    assert result["gradient_norm"] < 1e-3
    assert module.gradient_norm(params, X, Y) == pytest.approx(result["gradient_norm"])


def test_a_callback_can_stop_training(tmp_path):
    module = trainer(tmp_path, 1, "2,1")
    X, Y = data(module)
    seen = []
    result = module.train(
        module.init_params(), X, Y, epochs=50, callback=lambda e, l, p: seen.append(l) or e == 3
    )
    assert result["stopped"] == "callback" and result["epochs"] == 3
    assert seen == result["loss"][1:]


def test_large_pre_activations_stay_finite_without_warnings(tmp_path):
    for activation, loss in [("sigmoid", "bce"), ("softplus", "mse"), ("sigmoid", "mse")]:
        module = trainer(tmp_path, 2, "2,3,1", f"{activation},sigmoid", loss)
        params = module.init_params()
        X = numpy.array([[1.0, -1.0], [-1.0, 1.0]])
        Y = numpy.array([[1.0], [0.0]])
        params["W1"][:] = 5e3  # z¹ = ±1e4 is within reach; z² = ±1e4 too
        params["W2"][:] = numpy.array([[1e4, -1e4, 1e4]]) / 3
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with numpy.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
                value = module.loss(params, X, Y)
                grads = module.gradients(params, X, Y)
        assert numpy.isfinite(value)
        assert all(numpy.isfinite(g).all() for g in grads.values())


def test_float32_in_float32_through(tmp_path):
    module = trainer(tmp_path, 3)
    params = module.init_params(dtype=numpy.float32)
    X, Y = data(module, dtype=numpy.float32)
    assert all(a.dtype == numpy.float32 for a in module.forward(params, X))
    assert all(g.dtype == numpy.float32 for g in module.gradients(params, X, Y).values())
    module.train(params, X, Y, epochs=2, batch_size=2)
    assert all(p.dtype == numpy.float32 for p in params.values())


STEPS = [
    (3, "sigmoid", "mse"),
    (2, "tanh", "bce"),
    (2, "relu", "(yhat-y)**4/4"),
    (3, "softplus", "mse"),
    (1, "identity", "mse"),
    (2, "x/(1+abs(x))", "bce"),
]


def reference_step(module, params, X, Y, lr):
    """p − lr·∂(mean loss)/∂p, from the public gradients (checked above
    against finite differences and PyTorch)."""
    grads = module.gradients(params, X, Y)
    return {key: params[key] - lr * grads[key] for key in params}


@pytest.mark.parametrize("layers, activation, loss", STEPS)
@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
def test_a_step_moves_every_parameter_by_lr_times_its_gradient(
    tmp_path, layers, activation, loss, dtype
):
    """The step folds lr/batch into δ^L and updates each layer as soon as the
    δ below has used it: the result must be the plain update, for batches
    of several samples and of one, the arrays reused between them."""
    widths = ",".join(["3", "4", "3", "2"][: layers + 1])
    names = _sigmoid_output(activation, layers, loss)
    module = trainer(tmp_path, layers, widths, names, loss, sign=-1 if layers == 2 else 1)
    params = module.init_params(seed=2, dtype=dtype)
    params = {key: value + dtype(0.1) for key, value in params.items()}  # biases ≠ 0
    buffers = {}
    tolerance = 1e-12 if dtype == numpy.float64 else 2e-6
    for batch in (5, 1, 5, 3):
        X, Y = data(module, batch=batch, seed=batch, dtype=dtype)
        expected = reference_step(module, params, X, Y, 0.3)
        module._step(params, X, Y, 0.3, buffers)
        for key in params:
            assert params[key].dtype == dtype
            numpy.testing.assert_allclose(
                params[key], expected[key], rtol=tolerance, atol=tolerance
            )


def test_float32_stays_float32_in_every_call_of_the_step(tmp_path):
    """Every ufunc and matrix product of the step computes in float32 (a
    float64 constant would compute in float64 and cast back into out=)."""
    from conftest import StrictNumpy

    for activation, loss in [("sigmoid", "mse"), ("softplus,sigmoid", "bce"), ("tanh", "mse")]:
        module = trainer(tmp_path, 2, "3,4,2", activation, loss)
        params = module.init_params(dtype=numpy.float32)
        X, Y = data(module, dtype=numpy.float32)
        buffers = {}
        module.numpy = StrictNumpy()
        for rows in (slice(None), slice(0, 1)):
            module._step(params, X[rows], Y[rows], 0.1, buffers)
        grads = module.gradients(params, X, Y)
        module.numpy = numpy
        arrays = [a for space in buffers.values() for a in space.values() if hasattr(a, "dtype")]
        assert len(arrays) > 10 and all(a.dtype == numpy.float32 for a in arrays)
        assert all(g.dtype == numpy.float32 for g in grads.values())
        assert all(p.dtype == numpy.float32 for p in params.values())


def test_the_step_keeps_its_arrays_per_batch_size_and_dtype(tmp_path):
    module = trainer(tmp_path, 2, "3,4,2")
    buffers = {}
    p64, p32 = module.init_params(dtype=numpy.float64), module.init_params(dtype=numpy.float32)
    X, Y = data(module, batch=4)
    module._step(p64, X, Y, 0.1, buffers)
    kept = {key: dict(value) for key, value in buffers.items()}
    module._step(p64, X[:3], Y[:3], 0.1, buffers)
    module._step(p32, X.astype(numpy.float32), Y.astype(numpy.float32), 0.1, buffers)
    module._step(p64, X, Y, 0.1, buffers)
    assert set(buffers) == {
        ("gradients", "<f8"),
        ("gradients", "<f4"),
        ("space", 4, "<f8"),
        ("space", 3, "<f8"),
        ("space", 4, "<f4"),
    }
    for key, arrays in kept.items():  # the same arrays, not new ones
        assert all(buffers[key][name] is array for name, array in arrays.items())
    for key, space in buffers.items():
        if key[0] == "space":
            for name, array in space.items():
                if isinstance(name, tuple):
                    assert array.shape == (key[1], module.SIZES[name[1]])
                    assert array.dtype == numpy.dtype(key[2])
    gradients = module.gradients(p64, X, Y)
    assert not any(
        g is b for g in gradients.values() for b in buffers[("gradients", "<f8")].values()
    )


def test_train_takes_the_same_steps_as_the_gradients_say(tmp_path):
    """Mini-batches of 2 over 5 samples (the last one of 1), in order."""
    module = trainer(tmp_path, 3, "3,4,3,2", "tanh,relu,sigmoid", "bce")
    X, Y = data(module)
    params = module.init_params(seed=7)
    expected = {key: value.copy() for key, value in params.items()}
    for _ in range(3):
        for start in range(0, 5, 2):
            rows = slice(start, start + 2)
            expected = reference_step(module, expected, X[rows], Y[rows], 0.5)
    module.train(params, X, Y, lr=0.5, epochs=3, batch_size=2, shuffle=False)
    for key in params:
        numpy.testing.assert_allclose(params[key], expected[key], rtol=1e-12, atol=1e-14)


def test_train_shuffles_each_epoch_with_its_seed(tmp_path):
    """Mini-batches of 2 over 5 shuffled samples (the rows gathered into kept
    arrays; X and Y of the same width here): each epoch's order is the
    seeded generator's next permutation."""
    module = trainer(tmp_path, 2, "2,4,2", "tanh,sigmoid", "mse")
    X, Y = data(module)
    params = module.init_params(seed=7)
    expected = {key: value.copy() for key, value in params.items()}
    rng = numpy.random.default_rng(11)
    for _ in range(4):
        order = rng.permutation(5)
        for start in range(0, 5, 2):
            rows = order[start : start + 2]
            expected = reference_step(module, expected, X[rows], Y[rows], 0.5)
    module.train(params, X, Y, lr=0.5, epochs=4, batch_size=2, seed=11)
    for key in params:
        numpy.testing.assert_allclose(params[key], expected[key], rtol=1e-12, atol=1e-14)


BAD = [
    (lambda X, Y, p: (X[:, :1], Y, p), r"X must have shape \(batch, 2\)"),
    (lambda X, Y, p: (X, Y[:, :1], p), r"Y must have shape \(batch, 2\)"),
    (lambda X, Y, p: (X[0], Y, p), r"X must have shape \(batch, 2\)"),
    (lambda X, Y, p: (X, Y[:2], p), "X has 5 samples but Y has 2"),
    (lambda X, Y, p: (X.astype(numpy.float32), Y, p), "X is float32; the parameters are float64"),
    (lambda X, Y, p: (X.astype(complex), Y, p), "X is complex128"),
    (lambda X, Y, p: (numpy.where(X > 0, numpy.nan, X), Y, p), "X holds NaN or infinite values"),
    (lambda X, Y, p: (X, numpy.full_like(Y, numpy.inf), p), "Y holds NaN or infinite values"),
    (lambda X, Y, p: (X, Y, {**p, "W1": p["W1"].T}), r"params\['W1'\] must be an array of shape"),
    (lambda X, Y, p: (X, Y, {k: v for k, v in p.items() if k != "b2"}), "params must be a dict"),
    (
        lambda X, Y, p: (X, Y, {**p, "W1": numpy.where(p["W1"] > 0, numpy.nan, p["W1"])}),
        r"params\['W1'\] holds NaN or infinite values",
    ),
    (
        lambda X, Y, p: (X, Y, {**p, "b2": numpy.full_like(p["b2"], -numpy.inf)}),
        r"params\['b2'\] holds NaN or infinite values",
    ),
    (lambda X, Y, p: (X * 1e300, Y, p), r"X holds values beyond ±1e\+06 \(INPUT_BOUND\)"),
    (lambda X, Y, p: (X, Y + 2e6, p), r"Y holds values beyond ±1e\+06 \(INPUT_BOUND\)"),
]


@pytest.mark.parametrize("change, message", BAD)
def test_wrong_shapes_dtypes_and_values_are_refused_clearly(tmp_path, change, message):
    module = trainer(tmp_path, 2, "2,3,2")
    X, Y = data(module)
    X, Y, params = change(X, Y, module.init_params())
    for call in (module.gradients, module.loss, module.train):
        with pytest.raises(ValueError, match=message):
            call(params, X, Y)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """One generated trainer (2-3-2, sigmoid, mse) for the tests of arguments."""
    return trainer(tmp_path_factory.mktemp("small"), 2, "2,3,2")


def test_numpy_scalars_are_taken_wherever_python_numbers_are(small):
    X, Y = data(small, batch=6)
    python = dict(lr=float(numpy.float32(0.1)), epochs=3, batch_size=2, tol=1e-9, seed=5)
    scalars = dict(
        lr=numpy.float32(0.1),
        epochs=numpy.int64(3),
        batch_size=numpy.int32(2),
        tol=numpy.float64(1e-9),
        seed=numpy.uint32(5),
    )
    expected, got = small.init_params(seed=4), small.init_params(seed=numpy.int64(4))
    for key in expected:
        numpy.testing.assert_array_equal(got[key], expected[key])
    small.train(expected, X, Y, **python)
    result = small.train(got, X, Y, **scalars)
    assert result["epochs"] == 3 and result["stopped"] == "epochs"
    for key in expected:
        numpy.testing.assert_array_equal(got[key], expected[key])


@pytest.mark.parametrize(
    "name, value",
    [
        ("tol", "x"),
        ("tol", -1.0),
        ("tol", numpy.nan),
        ("lr", "0.1"),
        ("lr", 0),
        ("lr", numpy.inf),
        ("lr", True),
        ("epochs", 2.0),
        ("epochs", True),
        ("epochs", -1),
        ("batch_size", "2"),
        ("batch_size", numpy.float64(2)),
        ("seed", "x"),
        ("seed", -1),
        ("shuffle", "yes"),
        ("callback", 3),
    ],
    ids=repr,
)
def test_a_wrong_argument_is_a_value_error_that_names_it(small, name, value):
    X, Y = data(small)
    params = small.init_params()
    before = {key: value.copy() for key, value in params.items()}
    with pytest.raises(ValueError, match=f"^{name} must be"):
        small.train(params, X, Y, **{name: value})
    for key in params:  # refused before any step
        numpy.testing.assert_array_equal(params[key], before[key])
    if name == "seed":
        with pytest.raises(ValueError, match="^seed must be"):
            small.init_params(seed=value)


def test_a_fraction_is_a_number_and_a_decimal_a_value_error(small):
    """Found by review: a Fraction lr raised NumPy's TypeError.  A Decimal
    is not a numbers.Real (it does not mix with floats), so it is refused,
    by name."""
    from decimal import Decimal
    from fractions import Fraction

    X, Y = data(small)
    assert small.train(small.init_params(), X, Y, lr=Fraction(1, 10), epochs=1)["epochs"] == 1
    with pytest.raises(ValueError, match="^lr must be a finite positive number"):
        small.train(small.init_params(), X, Y, lr=Fraction(0))
    with pytest.raises(ValueError, match="^lr must be a number"):
        small.train(small.init_params(), X, Y, lr=Decimal("0.1"))


def test_read_only_parameters_are_refused_by_name(small):
    X, Y = data(small)
    params = small.init_params()
    params["b2"].flags.writeable = False
    with pytest.raises(ValueError, match=r"^params\['b2'\] is read-only"):
        small.train(params, X, Y, epochs=1)
    assert small.gradients(params, X, Y)  # reading them is fine


def _at_the_bound_spec(name: str, loss: str) -> tuple[str, str]:
    """The activations and loss of the depth-3 trainer for ``name``: an
    elementwise activation on every layer (a sigmoid output under bce);
    softmax, which only an output layer may have, over two tanh layers,
    with ce in place of bce (bce is refused over softmax)."""
    if registry.ACTIVATIONS[name].normalised:
        return f"tanh,tanh,{name}", ("ce" if loss == "bce" else loss)
    return (name if loss == "mse" else f"{name},{name},sigmoid"), loss


@pytest.fixture(scope="module")
def at_the_bound(tmp_path_factory):
    """A depth-3 trainer for every activation the registry offers, under mse
    and under bce (with a sigmoid output, which bce needs; ce for softmax)."""
    folder = tmp_path_factory.mktemp("bound")
    return {
        (name, loss): trainer(folder, 3, "3,4,4,2", *_at_the_bound_spec(name, loss))
        for name in REGISTRY_ACTIVATIONS
        for loss in ("mse", "bce")
    }


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
@pytest.mark.parametrize("loss", ["mse", "bce"])
@pytest.mark.parametrize("name", sorted(REGISTRY_ACTIVATIONS))
def test_gradients_stay_finite_up_to_the_input_bound(at_the_bound, name, loss, dtype):
    """At |X| = INPUT_BOUND (and |Y| too under mse) every value is finite
    without an overflow anywhere; beyond it the input is refused, naming
    the bound."""
    module = at_the_bound[name, loss]
    bound = module.INPUT_BOUND
    rng = numpy.random.default_rng(0)
    X = (rng.choice([-bound, bound], size=(8, 3))).astype(dtype)
    Y = rng.uniform(0, 1, size=(8, 2)).astype(dtype)
    if loss == "mse":
        Y = (bound * (2 * Y - 1)).astype(dtype)
    params = module.init_params(seed=1, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with numpy.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            value = module.loss(params, X, Y)
            grads = module.gradients(params, X, Y)
            module.train(params, X, Y, lr=1e-12, epochs=1)
    assert numpy.isfinite(value) and all(numpy.isfinite(g).all() for g in grads.values())
    for huge in (numpy.finfo(dtype).max / 2, numpy.nextafter(dtype(bound), dtype(numpy.inf))):
        with pytest.raises(ValueError, match=r"beyond ±1e\+06 \(INPUT_BOUND\)"):
            module.gradients(params, numpy.full((2, 3), huge, dtype), Y[:2])


def test_integer_inputs_are_taken_as_the_parameters_dtype(tmp_path):
    module = trainer(tmp_path, 1, "2,1")
    params = module.init_params()
    assert module.predict(params, numpy.array([[0, 1], [1, 0]])).dtype == numpy.float64


def test_the_file_is_deterministic_clean_and_imports_as_a_module(tmp_path):
    args = ["--layers", "3", "--activation", "tanh,relu,sigmoid", "--loss", "bce"]
    assert main([*args, "--out", str(tmp_path / "one")]) == 0
    assert main([*args, "--out", str(tmp_path / "two")]) == 0
    first = (tmp_path / "one" / "trainer.py").read_bytes()
    assert first == (tmp_path / "two" / "trainer.py").read_bytes()
    lint = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--config",
            str(ROOT / "pyproject.toml"),
            str(tmp_path / "one" / "trainer.py"),
        ],
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    script = (
        "import sys, trainer; assert 'sympy' not in sys.modules and 'derive' not in sys.modules; "
        "p = trainer.init_params(); print(trainer.SIZES, trainer.ACTIVATIONS, trainer.LOSS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path / "one",
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert result.returncode == 0, result.stderr
    assert "(2, 3, 3, 2) ('tanh', 'relu', 'sigmoid') bce" in result.stdout


FORMULA_FUNCTIONS = ("_forward_", "_activation_", "_delta_", "_weight_gradient_", "_bias_gradient_")


def test_every_formula_line_cites_its_equation():
    source = trainer_source(Network(parse_spec("3", None)))
    cited, function = {}, None
    for line in source.splitlines():
        if line.startswith("def "):
            function = line[4:].split("(")[0]
        elif line.startswith("    return") and function:
            cited[function] = line
    formulas = {f: line for f, line in cited.items() if f.startswith(FORMULA_FUNCTIONS)}
    assert len(formulas) == 3 * 5 and "_loss_terms" in cited
    for function, line in [*formulas.items(), ("_loss_terms", cited["_loss_terms"])]:
        assert "  # eq. (" in line, function
    for number in range(1, 10):
        assert f"eq. ({number})" in source


def test_a_different_derivation_prints_different_code(tmp_path):
    """The code follows the rules: a transposed weight in the recursion gives
    another program, whose gradients finite differences reject."""
    network = Network(parse_spec("2", "3,3,3"))
    rules = []
    for rule in indexed.rules(network):
        if rule.name == "hidden delta":
            wrong = rule.equation.rhs.xreplace({w[LAYER + 1, K, J]: w[LAYER + 1, J, K]})
            rule = Rule(rule.name, rule.equation.func(rule.equation.lhs, wrong), rule.layers)
        rules.append(rule)
    right, mutated = trainer_source(network), trainer_source(network, rules)
    assert "(delta_above @ weight_above.T)" in mutated and mutated != right
    module = load(mutated, tmp_path)
    params = module.init_params(seed=5)
    X, Y = data(module)
    numeric = numeric_gradients(module, params, X, Y)
    assert relative_error(module.gradients(params, X, Y), numeric) > 1e-3
    with pytest.raises(AssertionError, match="central differences"):
        check_gradients(module, params, X, Y)


def test_a_rule_not_linear_in_delta_is_refused(tmp_path):
    """The step scales δ^L once and lets the scale run through the recursion:
    a recursion that is not linear in δ must not be printed that way."""
    network = Network(parse_spec("2", "3,3,3"))
    rules = []
    for rule in indexed.rules(network):
        if rule.name == "hidden delta":
            (total,) = rule.equation.rhs.atoms(Sum)
            squared = rule.equation.rhs.xreplace({total: total**2})
            rule = Rule(rule.name, rule.equation.func(rule.equation.lhs, squared), rule.layers)
        rules.append(rule)
    with pytest.raises(InputError, match="not linear in δ"):
        trainer_source(network, rules)


def test_a_formula_the_in_place_printer_does_not_know_is_assigned_plainly():
    from derive.codegen.trainer import _fused

    body = _fused(atanh(z[1, J] / 2), {z[1, J]: "z"})
    assert body.lines == ("out[...] = numpy.arctanh((1/2)*z)",) and body.scratch == 0
    namespace = {"numpy": numpy, "z": numpy.array([[0.5, -0.25]]), "out": numpy.empty((1, 2))}
    exec(body.lines[0], namespace)
    numpy.testing.assert_allclose(namespace["out"], numpy.arctanh(namespace["z"] / 2))


def test_no_trainer_is_written_when_a_proof_fails(tmp_path, monkeypatch):
    import proofs.index_form

    wrong = a[LAYER, J] * delta[LAYER + 1, J] + 0 * n[LAYER]
    original = indexed.rules

    def broken(network):
        return [
            Rule(r.name, r.equation.func(r.equation.lhs, wrong), r.layers)
            if r.name == "hidden delta"
            else r
            for r in original(network)
        ]

    monkeypatch.setattr(proofs.index_form.indexed, "rules", broken)
    assert main(["--layers", "3", "--out", str(tmp_path)]) == 1
    assert not (tmp_path / "trainer.py").exists()


def test_erf_is_vectorised_with_scipy_and_exact_without(tmp_path, monkeypatch):
    """NumPy has no erf: the trainer takes SciPy's where it is installed and
    falls back to math.erf per entry; both agree with mpmath to double."""
    import math

    import mpmath

    u = numpy.concatenate([numpy.linspace(-7, 7, 2001), [0.0, 1e-300, -1e-8, 0.84375, 1.25, 6.0]])
    exact = numpy.array([float(mpmath.erf(mpmath.mpf(float(v)))) for v in u])
    with_scipy = trainer(tmp_path, 1, "1,1", "erf(x)")
    assert type(with_scipy._erf).__name__ == "ufunc"
    monkeypatch.setitem(sys.modules, "scipy.special", None)  # as if SciPy were not installed
    without = trainer(tmp_path, 1, "1,1", "erf(x)")
    assert without._erf is without._erf_by_entry
    for module in (with_scipy, without):
        assert numpy.abs(module._erf(u) - exact).max() <= 2 * math.ulp(1.0)
        assert module._erf(u.astype(numpy.float32)).dtype == numpy.float32
    params = without.init_params(seed=0)
    X, Y = data(without)
    check_gradients(without, params, X, Y)
