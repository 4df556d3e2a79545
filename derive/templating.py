"""The Jinja2 environment for every generated file.

Templates hold layout only; formulas arrive already printed.  A missing
variable is an error (StrictUndefined), never an empty string in the output.
The templates live in the top-level ``templates/`` folder of a source
checkout and are installed as the ``derive.templates`` package in a wheel.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import jinja2


def templates_dir() -> Path:
    installed = resources.files("derive").joinpath("templates")
    if installed.is_dir():
        return Path(str(installed))
    checkout = Path(__file__).resolve().parent.parent / "templates"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("derive's templates are missing: reinstall the package")


def _environment(**delimiters) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        **delimiters,
    )


@cache
def environment() -> jinja2.Environment:
    return _environment()


def render(name: str, **context) -> str:
    return environment().get_template(name).render(**context)


@cache
def latex_environment() -> jinja2.Environment:
    """Delimiters that LaTeX never uses: << value >>, <% block %>, <# comment #>,
    so the template's braces stay LaTeX's."""
    return _environment(
        block_start_string="<%",
        block_end_string="%>",
        variable_start_string="<<",
        variable_end_string=">>",
        comment_start_string="<#",
        comment_end_string="#>",
    )


def render_latex(name: str, **context) -> str:
    return latex_environment().get_template(name).render(**context)
