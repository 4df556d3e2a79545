"""trainer.py for a softmax output: the stable forward pass, the exact δ for
the declared targets, a log-softmax loss that never takes log 0, the class
helpers and the target checks; gradients against PyTorch autograd."""

from __future__ import annotations

import warnings

import numpy
import pytest
from test_trainer import _torch, load, torch_loss

from derive.codegen.check import COMPARED, check_trainer
from derive.codegen.trainer import PrintingChecks, trainer_source
from derive.model.network import Network
from derive.spec.network import parse_spec
from derive.testing import check_gradients

HIDDEN = ["sigmoid", "tanh", "relu", "softplus", "identity", "x/(1+abs(x))"]
WIDTHS = {1: "3,4", 2: "3,5,4", 3: "3,5,4,4", 4: "3,4,5,3,4"}


def softmax_trainer(folder, layers, loss="ce", bias=True, hidden=None, sum_to_one=False):
    hidden = hidden or [HIDDEN[(layers + i) % len(HIDDEN)] for i in range(layers - 1)]
    activation = ",".join([*hidden, "softmax"])
    spec = parse_spec(str(layers), WIDTHS[layers], activation, loss, bias, sum_to_one)
    return load(trainer_source(Network(spec)), folder), [*hidden, "softmax"]


def inputs(module, batch=6, seed=1, scale=1.0):
    return scale * numpy.random.default_rng(seed).normal(size=(batch, module.SIZES[0]))


def one_hot(module, batch=6, seed=2):
    classes = numpy.random.default_rng(seed).integers(0, module.SIZES[-1], size=batch)
    return numpy.eye(module.SIZES[-1])[classes]


def soft(module, batch=6, seed=3):
    """Non-negative rows that do not sum to 1 (sums between about 0.3 and 3)."""
    rng = numpy.random.default_rng(seed)
    Y = rng.uniform(0, 1, size=(batch, module.SIZES[-1])) * rng.uniform(0.2, 1.5, (batch, 1))
    assert numpy.abs(Y.sum(axis=1) - 1).min() > 0.05
    return Y


def assert_like_torch(module, activations, loss, params, X, Y):
    torch = _torch()
    value, tensors = torch_loss(torch, params, X, Y, activations, loss)
    expected = {k: t.grad.numpy() for k, t in tensors.items()}
    grads = module.gradients(params, X, Y)
    assert module.loss(params, X, Y) == pytest.approx(value, rel=1e-12)
    for key in params:
        numpy.testing.assert_allclose(grads[key], expected[key], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("layers", [1, 2, 3, 4])
def test_ce_gradients_equal_pytorch_for_one_hot_and_soft_labels(tmp_path, layers, bias):
    module, activations = softmax_trainer(tmp_path, layers, bias=bias)
    params = module.init_params(seed=layers)
    if bias:
        params = {k: v + 0.1 * (k[0] == "b") for k, v in params.items()}
    X = inputs(module)
    for Y in (one_hot(module), soft(module)):
        assert_like_torch(module, activations, "ce", params, X, Y)
    check_gradients(module, params, X, soft(module))


@pytest.mark.parametrize("layers", [1, 2, 3, 4])
def test_targets_summing_to_one_use_a_minus_y_and_equal_pytorch(tmp_path, layers):
    module, activations = softmax_trainer(tmp_path, layers, sum_to_one=True)
    assert module.TARGETS_SUM_TO_ONE is True
    params = module.init_params(seed=layers)
    X = inputs(module)
    assert_like_torch(module, activations, "ce", params, X, one_hot(module))
    probabilities = soft(module)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    assert_like_torch(module, activations, "ce", params, X, probabilities)


def test_the_printed_delta_follows_the_declared_targets(tmp_path):
    """Without the hypothesis the δ is a·Σy − y, exact for soft labels; with
    it, a − y.  The same soft labels, forced through the a − y trainer's
    δ, give the wrong gradient: the two trainers really differ."""
    exact, _ = softmax_trainer(tmp_path, 2)
    assumed, _ = softmax_trainer(tmp_path, 2, sum_to_one=True)
    assert "numpy.sum(y, axis=1, keepdims=True)" in exact._delta_2.__doc__
    assert "numpy.sum" not in assumed._delta_2.__doc__
    assert exact.TARGETS_SUM_TO_ONE is False
    params = exact.init_params(seed=1)
    X, Y = inputs(exact), soft(exact)
    check_gradients(exact, params, X, Y)
    wrong = assumed._gradients(params, X, Y)  # past the check of the rows
    right = exact.gradients(params, X, Y)
    assert numpy.abs(wrong["W2"] - right["W2"]).max() > 1e-3


@pytest.mark.parametrize("layers", [1, 2, 3])
@pytest.mark.parametrize("bias", [True, False])
def test_mse_over_softmax_equals_pytorch(tmp_path, layers, bias):
    module, activations = softmax_trainer(tmp_path, layers, loss="mse", bias=bias)
    params = module.init_params(seed=5)
    X = inputs(module)
    assert_like_torch(module, activations, "mse", params, X, soft(module))
    check_gradients(module, params, X, soft(module))


@pytest.mark.parametrize("loss", ["(yhat-y)**4/4", "-y*log(yhat) + yhat"])
def test_a_custom_loss_over_softmax_matches_central_differences(tmp_path, loss):
    module, _ = softmax_trainer(tmp_path, 2, loss=loss)
    params = module.init_params(seed=2)
    X = inputs(module)
    check_gradients(module, params, X, soft(module))


def test_forward_is_a_probability_distribution_and_the_softmax(tmp_path):
    module, _ = softmax_trainer(tmp_path, 2)
    params = module.init_params(seed=0)
    X = inputs(module, scale=3.0)
    z = module.forward(params, X)[1] @ params["W2"].T + params["b2"]
    expected = numpy.exp(z) / numpy.exp(z).sum(axis=1, keepdims=True)
    out = module.predict(params, X)
    numpy.testing.assert_allclose(out, expected, rtol=1e-13)
    numpy.testing.assert_allclose(out.sum(axis=1), 1, rtol=1e-14)


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
@pytest.mark.parametrize("loss, sum_to_one", [("ce", False), ("ce", True), ("mse", False)])
def test_pre_activations_of_1e4_stay_finite_without_warnings(tmp_path, loss, sum_to_one, dtype):
    module, _ = softmax_trainer(tmp_path, 2, loss=loss, hidden=["tanh"], sum_to_one=sum_to_one)
    params = module.init_params(seed=0, dtype=dtype)
    params["W2"][:] = numpy.array([[1e4], [-1e4], [5e3], [0.0]], dtype=dtype) / 5  # 5 tanh = ±1
    params["W1"][:] = 1e3
    X = numpy.array([[1, 1, 1], [-1, -1, -1], [1, 1, 1]], dtype=dtype)
    Y = numpy.eye(4, dtype=dtype)[[1, 0, 3]]  # the least probable class: log a = −2e4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with numpy.errstate(all="raise", under="ignore"):
            z = module.forward(params, X)[1] @ params["W2"].T + params["b2"]
            assert numpy.abs(z).max() == pytest.approx(1e4)
            value = module.loss(params, X, Y)
            grads = module.gradients(params, X, Y)
            module.train(params, X, Y, lr=1e-6, epochs=1)
    assert numpy.isfinite(value) and all(numpy.isfinite(g).all() for g in grads.values())
    if loss == "ce":
        assert value == pytest.approx((2e4 + 2e4 + 1e4) / 3, rel=1e-6)


def test_the_loss_is_a_log_softmax_not_the_log_of_a(tmp_path):
    """log a underflows to log 0 = −inf where a is below 1e-308; the printed
    loss goes through z, so it is the exact −Σ y (z − m − log Σ e^{z − m})."""
    module, _ = softmax_trainer(tmp_path, 1)
    z = numpy.array([[0.0, -800.0, 3.0, 1.0]])
    y = numpy.array([[0.0, 1.0, 0.0, 0.0]])
    a = numpy.exp(z - z.max()) / numpy.exp(z - z.max()).sum()
    with numpy.errstate(all="raise", under="ignore"):
        terms = module._loss_terms(z, a, y)
    expected = -(z - 3 - numpy.log(numpy.exp(z - 3).sum()))
    numpy.testing.assert_allclose(terms.sum(), expected[0, 1], rtol=1e-15)


def test_predict_class_and_accuracy(tmp_path):
    module, _ = softmax_trainer(tmp_path, 2)
    params = module.init_params(seed=0)
    X = inputs(module, batch=20, scale=2.0)
    classes = module.predict_class(params, X)
    assert classes.shape == (20,) and classes.dtype.kind == "i"
    numpy.testing.assert_array_equal(classes, module.predict(params, X).argmax(axis=1))
    labels = classes.copy()
    labels[:5] = (labels[:5] + 1) % 4
    assert module.accuracy(params, X, labels) == 0.75
    assert module.accuracy(params, X, numpy.eye(4)[labels]) == 0.75
    assert module.accuracy(params, X, 0.5 * numpy.eye(4)[labels] + 0.1) == 0.75
    assert module.accuracy(params, X, labels.astype(float)) == 0.75
    assert module.accuracy(params, X, list(labels)) == 0.75


@pytest.mark.parametrize(
    "labels, message",
    [
        (numpy.zeros((20, 3), int), r"shape \(batch,\) or \(batch, 4\)"),
        (numpy.zeros((20, 4, 1)), r"shape \(batch,\) or \(batch, 4\)"),
        (numpy.zeros(19, int), "X has 20 samples but labels has 19"),
        (numpy.full(20, 4), r"class indices in 0\.\.3"),
        (numpy.full(20, -1), r"class indices in 0\.\.3"),
        (numpy.full(20, 0.5), "whole class indices"),
        (numpy.array(["a"] * 20), "integers"),
        (numpy.full((20, 4), numpy.nan), "finite"),
        (-numpy.eye(4)[numpy.arange(20) % 4], "no negative value"),
    ],
)
def test_accuracy_refuses_labels_of_the_wrong_shape_or_kind(tmp_path, labels, message):
    module, _ = softmax_trainer(tmp_path, 1)
    params = module.init_params()
    with pytest.raises(ValueError, match=message):
        module.accuracy(params, inputs(module, batch=20), labels)


def test_class_helpers_exist_for_several_outputs_only(tmp_path):
    """argmax needs several outputs: a one-output trainer has no classes."""
    many = load(trainer_source(Network(parse_spec("1", "2,3", "sigmoid", "bce"))), tmp_path)
    one = load(trainer_source(Network(parse_spec("1", "2,1", "sigmoid", "bce"))), tmp_path)
    assert hasattr(many, "predict_class") and hasattr(many, "accuracy")
    assert not hasattr(one, "predict_class") and not hasattr(one, "accuracy")


def test_ce_refuses_negative_targets_naming_the_row(tmp_path):
    module, _ = softmax_trainer(tmp_path, 1)
    assert module.TARGETS_NONNEGATIVE is True
    params = module.init_params()
    X, Y = inputs(module), soft(module)
    Y[3, 2] = -0.25
    Y[5, 0] = -1.0
    for call in (module.loss, module.gradients, module.train, module.gradient_norm):
        with pytest.raises(ValueError, match=r"^Y row 3 has a negative target \(-0\.25\)"):
            call(params, X, Y)


def test_other_losses_take_any_targets(tmp_path):
    module, _ = softmax_trainer(tmp_path, 1, loss="mse")
    assert module.TARGETS_NONNEGATIVE is False and module.TARGETS_SUM_TO_ONE is False
    X, Y = inputs(module), -soft(module)
    assert numpy.isfinite(module.loss(module.init_params(), X, Y))


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
def test_rows_not_summing_to_one_are_refused_under_the_hypothesis(tmp_path, dtype):
    module, _ = softmax_trainer(tmp_path, 1, sum_to_one=True)
    params = module.init_params(dtype=dtype)
    X = inputs(module, batch=8).astype(dtype)
    rng = numpy.random.default_rng(0)
    Y = rng.uniform(0, 1, size=(8, 4)).astype(dtype)
    Y /= Y.sum(axis=1, keepdims=True)  # normalised in the dtype: a few ulps off 1
    assert numpy.isfinite(module.loss(params, X, Y))
    Y[6] *= dtype(1.01)
    Y[7] = 0
    for call in (module.loss, module.gradients, module.train):
        with pytest.raises(ValueError, match=r"^Y row 6 sums to 1\.0(1|099).* --targets-sum-to-1"):
            call(params, X, Y)
    Y[6] = [0.5, 0.5, 0.5, -0.5]  # sums to 1 but is not a distribution
    with pytest.raises(ValueError, match=r"^Y row 6 has a negative target"):
        module.loss(params, X, Y)


def test_train_learns_a_separable_problem(tmp_path):
    module, _ = softmax_trainer(tmp_path, 2, hidden=["tanh"], sum_to_one=True)
    rng = numpy.random.default_rng(0)
    centres = 3 * numpy.eye(4)[:, :3]
    labels = rng.integers(0, 4, size=80)
    X = centres[labels] + 0.3 * rng.normal(size=(80, 3))
    params = module.init_params(seed=1)
    before = module.accuracy(params, X, labels)
    result = module.train(params, X, numpy.eye(4)[labels], lr=0.5, epochs=200, batch_size=16)
    assert result["loss"][-1] < 0.1 * result["loss"][0]
    assert module.accuracy(params, X, labels) == 1.0 > before


@pytest.mark.parametrize("sum_to_one", [False, True])
def test_the_pre_write_check_runs_with_valid_targets(sum_to_one):
    spec = parse_spec("2", "3,4,3", "tanh,softmax", "ce", True, sum_to_one)
    assert check_trainer(trainer_source(Network(spec))) == COMPARED


def test_the_printed_forms_are_proved_by_the_kernel():
    """The shifted softmax and log(e^u/T) = u − log T are kernel facts that
    the certificate records; a wrong log form is refused."""
    from proofs.kernel import ProofError

    checks = PrintingChecks()
    trainer_source(Network(parse_spec("2", "3,4,3", "tanh,softmax", "ce")), checks=checks)
    shown = [str(fact.rhs) for fact in checks.facts]
    assert "x - log(total)" in shown
    assert any("shift" in str(fact.lhs) and "Sum" in str(fact.lhs) for fact in checks.facts)
    import sympy

    from derive.codegen.trainer import TOTAL
    from derive.spec.registry import X

    with pytest.raises(ProofError):
        checks.kernel.simplification(sympy.log(sympy.exp(X) / TOTAL), X + sympy.log(TOTAL))


def test_the_step_has_no_python_loop_over_samples_or_units(tmp_path):
    """The softmax's functions are straight-line NumPy calls."""
    import inspect

    module, _ = softmax_trainer(tmp_path, 2, loss="mse")
    for function in (module._activation_2, module._delta_2, module._loss_terms):
        source = inspect.getsource(function)
        assert " for " not in source and "while " not in source, source


@pytest.mark.parametrize("extra", ["a row sum without δ", "a row sum of δ squared"])
def test_a_row_sum_that_breaks_linearity_in_delta_is_refused(extra):
    """The step's single scale of δ^L must run through every rule: a row sum
    in the recursion is linear in δ only as its summand is."""
    from sympy import Sum

    from derive.derivation import indexed
    from derive.derivation.indexed import LAYER, K, Rule, a, delta, n
    from derive.support.errors import InputError

    added = {
        "a row sum without δ": Sum(a[LAYER, K], (K, 1, n[LAYER])),
        "a row sum of δ squared": Sum(delta[LAYER + 1, K] ** 2, (K, 1, n[LAYER + 1])),
    }[extra]
    network = Network(parse_spec("2", "3,3,3", "tanh,softmax", "ce"))
    rules = [
        Rule(r.name, r.equation.func(r.equation.lhs, r.equation.rhs + added), r.layers)
        if r.name == "hidden delta"
        else r
        for r in indexed.rules(network)
    ]
    with pytest.raises(InputError, match="not linear in δ"):
        trainer_source(network, rules)
