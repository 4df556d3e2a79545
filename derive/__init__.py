"""derive: derive, prove and explain the gradients of a neural network.

The pipeline reads from the module names: ``spec`` (what network) →
``model`` (its SymPy symbols) → ``gradients`` (both derivations) →
``presentation``/``report``/``export`` (what a reader sees) → ``cli``.

The names below load on first use, so that importing one module of the
package (``derive.registry``, say, for what "sigmoid" means) does not load
the whole pipeline.
"""

__version__ = "0.1.0"

_LAZY = {
    "Derivation": "derive.gradients",
    "differentiate": "derive.gradients",
    "InputError": "derive.errors",
    "Network": "derive.model",
    "NetworkSpec": "derive.spec",
    "parse_spec": "derive.spec",
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
