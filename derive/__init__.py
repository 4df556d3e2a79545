"""derive: derive, prove and explain the gradients of a neural network.

The pipeline reads from the subpackages, bottom to top: ``support`` →
``notation`` → ``parsing`` → ``spec`` (what network) → ``model`` (its SymPy
symbols) → ``derivation`` (both derivations) → ``proofs`` (the theorems, a
package of its own) → ``printing`` → ``present`` (what a reader sees) →
``codegen`` (trainer.py) → ``latex`` (derivation.tex) → ``claims`` →
``experiments`` → ``cli``; tests/test_layers.py holds each import to it.

The names below load on first use, so that importing one module of the
package (``derive.spec.registry``, say, for what "sigmoid" means) does not load
the whole pipeline.
"""

__version__ = "0.1.0"

_LAZY = {
    "Derivation": "derive.derivation.gradients",
    "differentiate": "derive.derivation.gradients",
    "InputError": "derive.support.errors",
    "Network": "derive.model.network",
    "NetworkSpec": "derive.spec.network",
    "parse_spec": "derive.spec.network",
    "check": "derive.claims",
    "Verdict": "derive.claims",
}


def __getattr__(name: str):
    """Each public name from its module, on first use (``check`` and
    ``Verdict`` load the claim checker, its parsers and mpmath)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'derive' has no attribute {name!r}")


__all__ = [
    "Derivation",
    "InputError",
    "Network",
    "Verdict",
    "check",
    "NetworkSpec",
    "__version__",
    "differentiate",
    "parse_spec",
]
