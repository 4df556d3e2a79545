"""What each notation lets a claim mention: the lookup of a name.

Each notation declares its own table of claim spellings (every plain-syntax
name, the model quantity it stands for, how many unit indices it takes and in
which order: :mod:`derive.notation.spellings`); this module adds the
spellings every notation shares (``W``, the loss aliases, the functions) and
looks names up.  The parsers use it to reject unknown names and wrong index
counts; :mod:`derive.claims.meaning` uses it to turn a name into its
definition.  The LaTeX spellings map onto the same names.
"""

from __future__ import annotations

from dataclasses import dataclass

from derive.notation import naming
from derive.notation.naming import NOTATIONS as _NOTATIONS
from derive.notation.spellings import Quantity, Size
from derive.spec import functions
from derive.support.errors import InputError, did_you_mean

FUNCTIONS = functions.CLAIM_FUNCTIONS
"""Function spellings of the plain syntax → canonical names (meaning.py gives
each its meaning; a prime, sigmoid'(u), is the derivative)."""

CONSTANTS = ("pi",)
"""Named constants of the plain syntax (LaTeX: ``\\pi``)."""

LOSS_ALIASES = ("C",)
"""Other names of the loss E: Nielsen's book calls the cost C."""


@dataclass(frozen=True)
class Names:
    notation: str
    quantities: dict[str, Quantity]
    sizes: dict[str, Size]
    other: frozenset[str]
    """Names of the other notation, for a message better than "unknown"."""

    @property
    def scheme(self) -> naming.Notation:
        """The notation these names belong to, for the facts it declares."""
        return _NOTATIONS[self.notation]

    def lookup(self, name: str, position: int):
        if name in self.quantities:
            return self.quantities[name]
        if name in self.sizes:
            return self.sizes[name]
        if name == "eta":
            return "eta"
        if name in self.other:
            other = next(
                notation.name
                for notation in _NOTATIONS.values()
                if notation.name != self.notation
                and (name in notation.spellings or name in notation.size_spellings)
            )
            raise InputError(
                f"{name!r} (column {position + 1}) is a name of the {other} notation, "
                f"not of --notation {self.notation}"
            )
        allowed = ", ".join(sorted([*self.quantities, *self.sizes, "eta", *CONSTANTS]))
        functions = ", ".join(sorted(FUNCTIONS))
        raise InputError(
            f"unknown name {name!r} at column {position + 1}"
            f"{did_you_mean(name, [*self.quantities, *self.sizes, 'eta', *CONSTANTS, *FUNCTIONS])}"
            f" (names: {allowed}; "
            f"functions, with an argument in parentheses: {functions})"
        )


def _names(notation) -> Names:
    """A notation's claim spellings, with the spellings every notation shares
    (``W`` for w, the loss aliases)."""
    quantities = notation.spellings
    aliases = {"W": quantities["w"], **dict.fromkeys(LOSS_ALIASES, quantities["E"])}
    return Names(
        notation.name,
        {**quantities, **aliases},
        notation.size_spellings,
        notation.foreign_spellings,
    )


NOTATIONS = {name: _names(notation) for name, notation in _NOTATIONS.items()}


def names(notation: str) -> Names:
    return NOTATIONS[naming.notation(notation).name]  # an unknown one is refused there
