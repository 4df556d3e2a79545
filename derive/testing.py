"""Check a generated trainer's gradients against its own loss, in your tests.

A trainer.py's ``gradients`` are printed from proved rules, but the code you
run is text around them; a test of your own should not have to take the proof
on trust.  As autograd ships ``check_grads``, derive ships the check its own
tests use::

    from derive.testing import check_gradients
    import trainer

    params = trainer.init_params(seed=0)
    check_gradients(trainer, params, X, Y)   # AssertionError if they disagree

Central differences of ``trainer.loss`` are compared with
``trainer.gradients`` by relative error over all parameters together (one
bad entry among thousands of good ones still counts, because the error is the
norm of the difference over the norm of the reference).  NumPy only, like the
trainer.  The same central difference, along one random direction instead of
one entry at a time, is what ``derive`` runs on trainer.py before writing it.
"""

from __future__ import annotations

STEP = 1e-6
"""The difference step: float64's error in (f(p+h) − f(p−h))/2h is about
ε/h + h², smallest near h = 1e-5…1e-6 for values of order one."""


def central_difference(loss_at, step: float = STEP) -> float:
    """(f(h) − f(−h)) / 2h, where ``loss_at(t)`` is the loss moved by t along
    some direction (one entry here; a random direction through every
    parameter in :mod:`derive.codegen.check`): the primitive both checks use."""
    return (loss_at(step) - loss_at(-step)) / (2 * step)


def partial_difference(trainer, params: dict, X, Y, key: str, index, step: float = STEP):
    """∂loss/∂params[key][index] by a central difference.  The entry is moved
    in place and restored, so that a large network costs two loss calls, not
    two copies of every parameter."""
    value = params[key]
    saved = value[index]

    def loss_at(t):
        value[index] = saved + t
        return trainer.loss(params, X, Y)

    try:
        return central_difference(loss_at, step)
    finally:
        value[index] = saved


def numeric_gradients(trainer, params: dict, X, Y, step: float = STEP) -> dict:
    """Every entry of every parameter by :func:`partial_difference`: a dict
    shaped like ``trainer.gradients(params, X, Y)``."""
    import numpy

    result = {}
    for key, value in params.items():
        grad = numpy.zeros(value.shape, dtype=numpy.float64)
        for index in numpy.ndindex(value.shape):
            grad[index] = partial_difference(trainer, params, X, Y, key, index, step)
        result[key] = grad
    return result


def relative_error(grads: dict, reference: dict) -> float:
    """‖grads − reference‖ / ‖reference‖ over all keys of ``reference``
    together (the Frobenius norms of the concatenated entries)."""
    import numpy

    difference = sum(float(numpy.sum((grads[k] - reference[k]) ** 2)) for k in reference)
    size = sum(float(numpy.sum(numpy.asarray(reference[k]) ** 2)) for k in reference)
    return (difference / size) ** 0.5


def check_gradients(
    trainer, params: dict, X, Y, *, step: float = STEP, rtol: float = 1e-6
) -> float:
    """Assert that ``trainer.gradients(params, X, Y)`` has the keys and shapes
    of ``params`` and matches central differences of ``trainer.loss`` within
    relative error ``rtol``; return that error.  ``trainer`` is any module (or
    object) with ``loss`` and ``gradients`` as in a generated trainer.py;
    ``params`` is left as it was."""
    grads = trainer.gradients(params, X, Y)
    if set(grads) != set(params):
        raise AssertionError(f"gradients() returned {sorted(grads)}, params have {sorted(params)}")
    for key, grad in grads.items():
        if grad.shape != params[key].shape:
            raise AssertionError(
                f"the gradient of {key} has shape {grad.shape}, the parameter {params[key].shape}"
            )
    error = relative_error(grads, numeric_gradients(trainer, params, X, Y, step))
    if not error < rtol:  # also a NaN
        raise AssertionError(
            f"gradients() differ from central differences of loss() by a relative "
            f"error of {error:.3g} (tolerance {rtol:g})"
        )
    return error
