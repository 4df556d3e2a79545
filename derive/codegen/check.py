"""Run the generated trainer.py before it is written.

Every formula in trainer.py is printed from an expression the kernel proved,
but a proof says nothing about the text around it: a missing import, a NumPy
function that does not take arrays, a template slip.  Any of those would give
a file that fails on first use next to a report that says "proved".  So the
main job imports the source it is about to write, as its user would, and
checks it on a small random batch:

- ``init_params``, ``loss``, ``gradients`` run (on targets in (0.1, 0.9),
  each row scaled to sum to 1 where the trainer declares TARGETS_SUM_TO_ONE),
  and where the loss is finite
  (a random point can fall outside a function's domain: bce of a relu
  output at 0), so is the gradient;
- the gradient is the derivative of the trainer's own loss: a central
  difference along one random direction through every parameter equals the
  gradient's inner product with that direction (the printed δ recursion and
  the printed loss must agree, whatever either says);
- one step of ``train`` moves every parameter by exactly −lr times that
  gradient (the in-place update path is separate code from ``gradients``).

A kink (relu, abs, max) between the two difference points could make a true
gradient disagree; the probability is tiny at a random point, and a second
random point must disagree too before the trainer is called wrong.
"""

from __future__ import annotations

import types

from derive.testing import STEP as _STEP
from derive.testing import central_difference


class TrainerCheckError(RuntimeError):
    """The generated trainer does not import, does not run, or contradicts
    itself: a bug in derive, never the user's input."""


COMPARED = "imported and run before writing: its gradients match central differences of its loss"
COMPARED_POSITIVE = (
    "imported and run before writing: its gradients match central differences of its loss "
    "at points with positive inputs and parameters; at random signed points its loss is "
    "not finite (a function outside its domain, such as sqrt or log of a negative z)"
)
NOT_COMPARED = (
    "imported and run before writing; no random point gave a finite loss and gradient in "
    "float64, so its gradients were not compared with central differences"
)
_POINTS = 24  # random points tried for two where the loss is finite
_WANTED = 2
_RELATIVE = 1e-5
_LEARNING_RATE = 0.01


def check_trainer(source: str) -> str:
    """Import ``source`` as a module and exercise it; say what was checked, or
    raise :class:`TrainerCheckError` naming the first thing that failed."""
    import warnings

    import numpy

    trainer = types.ModuleType("trainer")
    trainer.__file__ = "trainer.py"
    try:
        exec(compile(source, "trainer.py", "exec"), trainer.__dict__)  # our own output
        with warnings.catch_warnings(), numpy.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            outcomes, signed = [], False
            seeds = sorted(range(_POINTS), key=_positive)  # signed points first
            for seed in seeds:
                outcome = _check_at(trainer, numpy, seed)
                if outcome is not _UNUSABLE:
                    outcomes.append(outcome)
                    signed = signed or not _positive(seed)
                if len(outcomes) == _WANTED:
                    break
    except TrainerCheckError:
        raise
    except Exception as error:  # anything the generated code raises is our bug
        raise TrainerCheckError(f"{type(error).__name__}: {error}") from error
    if not outcomes:
        return NOT_COMPARED
    if all(problem is not None for problem in outcomes):
        raise TrainerCheckError(outcomes[0])
    return COMPARED if signed else COMPARED_POSITIVE


def _positive(seed: int) -> bool:
    """Every third point has positive inputs and parameters, so that every
    pre-activation is positive: where sqrt(x) or log(x) is the activation,
    no signed point has a finite loss."""
    return seed % 3 == 2


_UNUSABLE = "the loss is not finite here"


def _overflows(trainer, numpy, params, X, Y) -> bool:
    """Whether computing the gradients here overflows, divides by zero or
    makes an invalid operation (inf − inf), as opposed to a NaN that the
    code itself introduces."""
    try:
        with numpy.errstate(over="raise", divide="raise", invalid="raise"):
            trainer.gradients(params, X, Y)
    except FloatingPointError:
        return True
    return False


def _check_at(trainer, numpy, seed: int) -> str | None:
    """None if the trainer's gradient is its loss's derivative at a random
    point, _UNUSABLE where the loss is not finite around that point (outside
    the functions' domain: bce of a relu output at 0); otherwise what
    disagreed.  Raises for what fails outright.  Seeds after the first of
    each three take one sample and smaller values, which makes a finite loss
    likelier, and every third one positive values (see :func:`_positive`)."""
    rng = numpy.random.default_rng(seed)
    params = trainer.init_params(seed=seed)
    batch, scale = (3, 1.0) if seed % 3 == 0 else (1, 0.1)
    X = scale * rng.normal(size=(batch, trainer.SIZES[0]))
    if _positive(seed):
        X = numpy.abs(X)
        params = {key: numpy.abs(value) for key, value in params.items()}
    Y = rng.uniform(0.1, 0.9, size=(batch, trainer.SIZES[-1]))  # ≥ 0, as ce needs
    if getattr(trainer, "TARGETS_SUM_TO_ONE", False):  # the declared hypothesis
        Y /= Y.sum(axis=1, keepdims=True)
    value = trainer.loss(params, X, Y)
    grads = trainer.gradients(params, X, Y)
    for key, grad in grads.items():
        if grad.shape != params[key].shape:
            raise TrainerCheckError(f"the gradient of {key} has shape {grad.shape}")
    direction = {key: rng.normal(size=value_.shape) for key, value_ in params.items()}
    shifted = []  # the loss at both difference points, which must be finite too

    def loss_at(t):
        shifted.append(trainer.loss({k: params[k] + t * direction[k] for k in params}, X, Y))
        return shifted[-1]

    measured = central_difference(loss_at, _STEP)
    if not numpy.isfinite([value, *shifted]).all():
        return _UNUSABLE
    if not all(numpy.isfinite(grad).all() for grad in grads.values()):
        if _overflows(trainer, numpy, params, X, Y):
            return _UNUSABLE  # beyond float64 here (arctan(7e4^x) at x = 69), not a slip
        return "the gradient is not finite where the loss is, and nothing overflowed"
    predicted = sum(float(numpy.vdot(grads[key], direction[key])) for key in params)
    size = max(abs(predicted), abs(measured), abs(value), 1e-3)
    if abs(measured - predicted) > _RELATIVE * size:
        return (
            f"gradients() is not the derivative of loss(): along a random direction "
            f"{predicted!r} against a central difference of {measured!r}"
        )
    stepped = {key: value_.copy() for key, value_ in params.items()}
    trainer.train(stepped, X, Y, lr=_LEARNING_RATE, epochs=1, shuffle=False)
    for key, grad in grads.items():
        expected = params[key] - _LEARNING_RATE * grad
        if not numpy.allclose(stepped[key], expected, rtol=1e-9, atol=1e-12):
            return f"one step of train() does not move {key} by −lr · gradient"
    return None
