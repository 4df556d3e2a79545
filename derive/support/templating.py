"""The Jinja2 environment for every generated file.

Templates hold layout only; formulas arrive already printed.  A missing
variable is an error (StrictUndefined), never an empty string in the output.
The templates live in the top-level ``templates/`` folder of a source
checkout and are installed as the ``derive.templates`` package in a wheel.
The LaTeX template's prose is marked for translation (Jinja's i18n
extension, ``<% trans %>`` and ``_()``), each language's environment
looking it up in that language's catalogue (:mod:`derive.support.language`).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import jinja2

from derive.support.language import DEFAULT, language


def templates_dir() -> Path:
    installed = resources.files("derive").joinpath("templates")
    if installed.is_dir():
        return Path(str(installed))
    checkout = Path(__file__).resolve().parents[2] / "templates"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("derive's templates are missing: reinstall the package")


class _QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept between runs, as Python keeps its .pyc files:
    compiling the templates costs a twentieth of the main job, every run.
    Jinja keys each entry by the template's file and checks its source, so
    an edited template is compiled again.  A cache that cannot be written
    is left alone: the template is still compiled and used."""

    def dump_bytecode(self, bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _bytecode_cache(kind: str) -> jinja2.BytecodeCache | None:
    """Jinja's per-user folder in the temporary directory, or none where
    there is no safe one."""
    try:
        return _QuietBytecodeCache(pattern=f"derive-{kind}-%s.cache")
    except (OSError, RuntimeError):
        return None


def _environment(kind: str, **options) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        bytecode_cache=_bytecode_cache(kind),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        **options,
    )


@cache
def environment() -> jinja2.Environment:
    return _environment("text")


def render(name: str, **context) -> str:
    return environment().get_template(name).render(**context)


LATEX_DELIMITERS = dict(
    block_start_string="<%",
    block_end_string="%>",
    variable_start_string="<<",
    variable_end_string=">>",
    comment_start_string="<#",
    comment_end_string="#>",
)
"""Delimiters that LaTeX never uses: << value >>, <% block %>, <# comment #>,
so the template's braces stay LaTeX's."""


@cache
def latex_environment(code: str = DEFAULT) -> jinja2.Environment:
    """The LaTeX templates' environment for language ``code``: its prose,
    marked ``<% trans %>`` (Jinja's i18n extension), is looked up in that
    language's catalogue, strictly (:mod:`derive.support.language`)."""
    environment = _environment("latex", extensions=["jinja2.ext.i18n"], **LATEX_DELIMITERS)
    lang = language(code)
    environment.install_gettext_callables(lang.gettext, lang.ngettext, newstyle=True)
    return environment


def render_latex(name: str, lang: str = DEFAULT, **context) -> str:
    return latex_environment(lang).get_template(name).render(**context)


def template_messages(name: str) -> list[str]:
    """The message ids of template ``name``'s prose, as gettext extracts
    them (a plural's plural form included): what every catalogue translates."""
    environment = _environment("latex", extensions=["jinja2.ext.i18n"], **LATEX_DELIMITERS)
    source = (templates_dir() / name).read_text(encoding="utf-8")
    found = []
    for _, _, message in environment.extract_translations(source):
        found.extend(message if isinstance(message, tuple) else [message])
    return list(dict.fromkeys(m for m in found if m))
