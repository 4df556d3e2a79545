"""The layers: every module of derive/ and proofs/ imports only from its own
layer or the layers below it, so that the package reads as the pipeline,
bottom to top.

Every import counts: at module level and inside functions (a deferred
import is still a dependency).  The facades (``derive/__init__.py``, which
loads its names lazily, and ``derive/__main__.py``) are exempt as importers;
importing from the ``derive`` facade itself is allowed only for
``__version__``, so that no upward dependency hides behind a lazy name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("derive", "proofs")

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    # (layer, module prefixes), bottom first; the longest matching prefix wins.
    ("kernel", ("proofs.kernel",)),
    ("support", ("derive.support", "derive.testing")),
    ("notation", ("derive.notation",)),
    ("parsing", ("derive.parsing",)),
    ("spec", ("derive.spec",)),
    ("model", ("derive.model",)),
    ("derivation", ("derive.derivation",)),
    ("proofs", ("proofs",)),
    ("printing", ("derive.printing",)),
    ("present", ("derive.present",)),
    ("codegen", ("derive.codegen",)),
    ("latex", ("derive.latex",)),
    ("claims", ("derive.claims",)),
    ("pipeline", ("derive.pipeline",)),
    ("experiments", ("derive.experiments",)),
    ("cli", ("derive.cli",)),
]

FACADES = {"derive", "derive.__main__"}
"""Exempt as importers; ``derive`` may be imported from only for FACADE_NAMES."""
FACADE_NAMES = {"__version__"}

KNOWN: set[tuple[str, str]] = set()
"""Upward imports known today, as (importer, imported); none."""


def layer_of(module: str) -> int | None:
    """The index of a module's layer in LAYERS, or None where no prefix matches."""
    best: tuple[int, int] | None = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), index)
    return None if best is None else best[1]


def modules(root: Path | None = None) -> dict[str, Path]:
    """Every module of the packages, by dotted name (a package by its own name)."""
    root = root or ROOT
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def imports(source: str, module: str, known: set[str], is_package: bool = False):
    """(line, imported module) for every import in source of our packages;
    ``from a import b`` names the module a.b where there is one, else a."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                child = f"{base}.{alias.name}"
                yield node.lineno, (child if child in known else base), alias.name


def violations(source: str, module: str, known: set[str], is_package: bool = False):
    """The imports in one module's source that break the layering, as text."""
    own = layer_of(module)
    found = []
    for line, target, name in imports(source, module, known, is_package):
        if target.split(".")[0] not in PACKAGES:
            continue
        if target in FACADES:
            if name not in FACADE_NAMES:
                found.append(f"{module}:{line} imports {name} through the facade {target}")
            continue
        theirs = layer_of(target)
        if own is None or theirs is None:
            where = module if own is None else target
            found.append(f"{module}:{line} -> {target}: {where} is in no layer")
        elif theirs > own and (module, target) not in KNOWN:
            found.append(
                f"{module}:{line} ({LAYERS[own][0]}) imports {target} ({LAYERS[theirs][0]})"
            )
    return found


def upward() -> list[str]:
    table = modules()
    found = []
    for module, path in table.items():
        if module in FACADES:
            continue
        source = path.read_text(encoding="utf-8")
        found += violations(source, module, set(table), path.name == "__init__.py")
    return found


def test_every_import_points_down_or_sideways():
    found = upward()
    assert not found, (
        "imports against the layers (bottom first: "
        + ", ".join(name for name, _ in LAYERS)
        + "):\n"
        + "\n".join(found)
    )


def test_every_module_has_a_layer():
    unplaced = [m for m in modules() if m not in FACADES and layer_of(m) is None]
    assert not unplaced, unplaced


def test_known_violations_still_exist():
    """A known upward import that is gone is removed from KNOWN."""
    table = modules()
    present = set()
    for module, path in table.items():
        source = path.read_text(encoding="utf-8")
        for _, target, _ in imports(source, module, set(table), path.name == "__init__.py"):
            present.add((module, target))
    assert KNOWN <= present, KNOWN - present


@pytest.mark.parametrize(
    "source",
    [
        "from derive import cli\n",
        "import derive.cli\n",
        "def late():\n    from derive.cli import main\n",
        "from derive import check\n",
    ],
)
def test_the_checker_catches_an_upward_import(source):
    known = set(modules())
    bottom = next(m for m in known if layer_of(m) == 1)  # a support module
    found = violations(source, bottom, known)
    assert len(found) == 1 and bottom in found[0], found


def test_the_checker_allows_imports_downwards_and_the_version():
    known = set(modules())
    top = "derive.cli"
    source = "from derive import __version__\nimport proofs.kernel\nfrom derive import cli\n"
    assert violations(source, top, known) == []


def test_relative_imports_resolve():
    known = {"derive.claims", "derive.claims.syntax", "derive.cli"}
    found = list(imports("from . import syntax\nfrom .. import cli\n", "derive.claims.x", known))
    assert [target for _, target, _ in found] == ["derive.claims.syntax", "derive.cli"]
