"""Compiling derivation.tex to PDF with the TeX installation on the machine.

latexmk runs pdflatex as often as the cross-references need; without
latexmk, pdflatex runs twice.  The document is compiled in a temporary
folder with shell escape off and TeX's file access restricted to that folder
(``openin_any``/``openout_any`` = paranoid), so nothing in it can run a
program or read or write a file elsewhere; only the PDF is copied out.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from derive.support.errors import InputError

TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class Engine:
    pdflatex: str
    latexmk: str | None


@dataclass(frozen=True)
class Compiled:
    pdf: bytes
    log: str


class CompileError(Exception):
    """pdflatex stopped: the message is its first error, the log is kept."""

    def __init__(self, message: str, log: str):
        super().__init__(message)
        self.log = log


def find_engine() -> Engine:
    """The TeX engine to use; InputError (exit 2) where there is none."""
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        raise InputError(
            "--pdf needs pdflatex, which is not installed (Debian/Ubuntu: apt install "
            "texlive-latex-base texlive-latex-recommended latexmk); derivation.tex is "
            "written without --pdf"
        )
    missing = [package for package, style in REQUIRED_STYLES.items() if not _installed(style)]
    if missing:
        raise InputError(
            f"--pdf needs {', '.join(REQUIRED_STYLES[p] for p in missing)}, which TeX cannot "
            f"find (Debian/Ubuntu: apt install {' '.join(missing)}); derivation.tex is "
            "written without --pdf"
        )
    return Engine(pdflatex, shutil.which("latexmk"))


REQUIRED_STYLES = {"texlive-pictures": "tikz.sty"}
"""Style files the document loads beyond a basic TeX Live, by the Debian
package that has them: TikZ draws the network's pictures."""


def _installed(style: str) -> bool:
    """Whether TeX finds ``style``; assumed so where kpsewhich is missing
    (a TeX without it reports a missing file when it compiles)."""
    kpsewhich = shutil.which("kpsewhich")
    if kpsewhich is None:
        return True
    found = subprocess.run(
        [kpsewhich, style], capture_output=True, text=True, timeout=60, check=False
    )
    return bool(found.stdout.strip())


def _environment() -> dict:
    env = dict(os.environ)
    env.update({"openin_any": "p", "openout_any": "p", "shell_escape": "f"})
    return env


def compile_tex(
    source: str, engine: Engine, name: str = "derivation", assets: dict | None = None
) -> Compiled:
    """Compile ``source``, with ``assets`` (file name → bytes, the figures it
    includes) beside it; raise CompileError with pdflatex's first error."""
    with tempfile.TemporaryDirectory(prefix="derive-tex-") as folder:
        work = Path(folder)
        (work / f"{name}.tex").write_text(source, encoding="utf-8")
        for asset, content in (assets or {}).items():
            (work / asset).write_bytes(content)
        flags = ["-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape"]
        if engine.latexmk:
            commands = [[engine.latexmk, "-pdf", "-quiet", *(f"-pdflatex={engine.pdflatex} %O %S",),
                         *[f"-latexoption={flag}" for flag in flags], f"{name}.tex"]]  # fmt: skip
        else:
            commands = [[engine.pdflatex, *flags, f"{name}.tex"]] * 2
        failed = False
        for command in commands:
            try:
                finished = subprocess.run(
                    command,
                    cwd=work,
                    env=_environment(),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    timeout=TIMEOUT_SECONDS,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise CompileError(f"pdflatex took over {TIMEOUT_SECONDS} s", "") from None
            failed = failed or finished.returncode != 0
        log_path = work / f"{name}.log"
        log = log_path.read_text(encoding="latin-1") if log_path.exists() else ""
        pdf_path = work / f"{name}.pdf"
        if failed or not pdf_path.exists():
            raise CompileError(first_error(log) or "pdflatex wrote no PDF", log)
        return Compiled(pdf_path.read_bytes(), log)


def first_error(log: str) -> str | None:
    """The first ``! …`` error line of a TeX log, with its line number."""
    match = re.search(r"^! ([A-Z].*)$(?:[\s\S]*?^l\.(\d+))?", log, re.MULTILINE)
    if match is None:
        return None
    where = f" (derivation.tex line {match.group(2)})" if match.group(2) else ""
    return match.group(1).strip() + where


def overfull_boxes(log: str, tolerance_pt: float = 10.0) -> list[str]:
    """Overfull \\hbox warnings wider than ``tolerance_pt``."""
    found = re.findall(r"^Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)(.*)$", log, re.MULTILINE)
    return [f"{width}pt{rest}" for width, rest in found if float(width) > tolerance_pt]


def undefined_references(log: str) -> list[str]:
    return re.findall(
        r"^(?:LaTeX|Package \w+) Warning: (Reference .*undefined.*|There were undefined "
        r"references.*|Label\(s\) may have changed.*)$",
        log,
        re.MULTILINE,
    )
