"""The language of derivation.tex: one message catalogue per language.

The English text of every prose sentence is its message id (gettext's
convention), so English needs no catalogue and stays byte for byte what the
template says.  Every other language has one JSON file,
``derive/locale/<lang>.json`` (message id → translation), shipped in the
wheel.  Its lookup is strict: a message missing from the catalogue raises
:class:`MissingMessage`, a bug, never a silent English sentence in a
Chinese document.  The template marks its prose with Jinja's i18n extension
(``<% trans %>``); Python-side prose goes through :meth:`Language.gettext`,
the same lookup.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from derive.support.errors import InputError, did_you_mean, quote

LANGUAGES = ("en", "zh")
"""The languages derivation.tex is written in; the first is the default."""
DEFAULT = LANGUAGES[0]


class MissingMessage(KeyError):
    """A message with no translation in the language's catalogue: a bug."""


def catalogue(code: str) -> dict[str, str]:
    """The translations of language ``code`` (empty for English)."""
    if code == DEFAULT:
        return {}
    return dict(_catalogue(code))


@cache
def _catalogue(code: str) -> tuple[tuple[str, str], ...]:
    source = resources.files("derive").joinpath("locale", f"{code}.json")
    return tuple(json.loads(source.read_text(encoding="utf-8")).items())


@dataclass(frozen=True)
class Language:
    """A language and its strict lookup."""

    code: str
    messages: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def english(self) -> bool:
        return self.code == DEFAULT

    def gettext(self, message: str, **values) -> str:
        """``message`` (the English text) in this language, its
        ``%(name)s`` fields filled from ``values`` where there are any (the
        template's convention: the word order is the translation's)."""
        translated = message if self.english else self._lookup(message)
        return translated % values if values else translated

    def _lookup(self, message: str) -> str:
        try:
            return self.messages[message]
        except KeyError:
            raise MissingMessage(f"no {self.code} translation of {message!r}") from None

    def recorded(self, message: str) -> str:
        """Text that certificate.json records (a theorem's name, its method,
        why a proof was not run) in this language: its translation where the
        catalogue has one; else, for a record with this run's numbers in it
        ("estimated 1.2 s … > 5 s"), the English as recorded, said to be so
        in this language.  The certificate stays English; the template's
        and this package's own prose never take this way (:meth:`gettext`)."""
        if self.english:
            return message
        if message in self.messages:
            return self.messages[message]
        return self.gettext("%(english)s (as certificate.json records it)", english=message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """English's singular or plural by ``count``; a language without
        plural forms (Chinese) translates the plural message id alone."""
        if self.english:
            return singular if count == 1 else plural
        return self._lookup(plural)


OTHER_NAMES = {
    **dict.fromkeys(("cn", "chinese", "zh-cn", "zh_cn", "zh-hans"), "zh"),
    **dict.fromkeys(("english", "en-us", "en_us", "en-gb", "en_gb"), "en"),
}
"""What else a user may type for a language: only for the hint, the option
takes the codes alone (one spelling in scripts and in the document)."""


def language(code: str) -> Language:
    """The language named ``code`` on the command line; InputError (exit 2),
    with a hint, for any other name."""
    if code not in LANGUAGES:
        meant = OTHER_NAMES.get(code.lower())
        hint = f"; did you mean {quote(meant)}?" if meant else did_you_mean(code, LANGUAGES)
        raise InputError(f"unknown language {quote(code)}{hint} (known: {', '.join(LANGUAGES)})")
    return Language(code, catalogue(code))


ENGLISH = Language(DEFAULT)


def N_(message: str) -> str:  # noqa: N802 (gettext's name for it)
    """Marks ``message`` as one to translate where it is defined (a table of
    meanings) and returns it as it is: it is translated where it is
    written into the document (gettext's ``gettext_noop``)."""
    return message
