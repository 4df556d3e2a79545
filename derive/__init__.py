"""derive: derive, prove and explain the gradients of a neural network.

The pipeline reads from the module names: ``spec`` (what network) →
``model`` (its SymPy symbols) → ``gradients`` (both derivations) →
``presentation``/``report``/``export`` (what a reader sees) → ``cli``.
"""

__version__ = "0.1.0"

from derive.errors import InputError  # noqa: E402
from derive.gradients import Derivation, differentiate  # noqa: E402
from derive.model import Network  # noqa: E402
from derive.spec import NetworkSpec, parse_spec  # noqa: E402


def __getattr__(name: str):
    """``check`` and ``Verdict`` load the claim checker (its parsers and
    mpmath) on first use: the main job never needs them."""
    if name in ("check", "Verdict"):
        from derive import claims

        return getattr(claims, name)
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
