"""Compiling derivation.tex to PDF with the TeX installation on the machine.

An English document is compiled with pdflatex.  A document with Chinese
text (``--lang zh``, or a Chinese title in English) is compiled with
xelatex and ctex, whose fandol fonts TeX Live ships: one engine and one
font set for all CJK text, so a Chinese title in English looks as it does
in the Chinese write-up.  latexmk runs the engine as often as the
cross-references need; without latexmk, the engine runs until TeX stops
asking for another pass (at most five).  The document is compiled in a
temporary folder with shell escape off and TeX's file access restricted to
that folder (``openin_any``/``openout_any`` = paranoid), so nothing in it
can run a program or read or write a file elsewhere; only the PDF is
copied out.
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


CJK_PACKAGES = "texlive-xetex texlive-lang-chinese texlive-fonts-recommended"
"""The Debian/Ubuntu packages with xelatex, ctex, xeCJK and the fandol fonts,
and the Zapf Dingbats metrics hyperref's xelatex driver loads."""
CJK_FILES = ("ctex.sty", "xeCJK.sty", "ctexart.cls", "FandolSong-Regular.otf", "pzdr.tfm")
"""What a CJK document needs of TeX Live, as kpsewhich finds it."""


@dataclass(frozen=True)
class Engine:
    program: str
    """The TeX program: pdflatex, or xelatex for a document with CJK text."""
    latexmk: str | None

    @property
    def name(self) -> str:
        return Path(self.program).name


@dataclass(frozen=True)
class Compiled:
    pdf: bytes
    log: str


class CompileError(Exception):
    """The TeX engine stopped: the message is its first error, the log is kept."""

    def __init__(self, message: str, log: str):
        super().__init__(message)
        self.log = log


def find_engine(cjk: bool = False) -> Engine:
    """The TeX engine to use (xelatex with ``cjk``, for a document with CJK
    text); InputError (exit 2) where there is none, or where TeX lacks a
    package every document loads."""
    engine = _cjk_engine() if cjk else _pdflatex_engine()
    missing = _not_found(REQUIRED_STYLES.values())
    if missing:
        packages = " ".join(p for p, style in REQUIRED_STYLES.items() if style in missing)
        raise InputError(
            f"--pdf needs {', '.join(missing)}, which TeX cannot find (Debian/Ubuntu: apt "
            f"install {packages}); derivation.tex is written without --pdf"
        )
    return engine


REQUIRED_STYLES = {"texlive-pictures": "tikz.sty"}
"""Style files every document loads beyond a basic TeX Live, by the Debian
package that has them: TikZ draws the network's pictures."""


def _not_found(names) -> list[str]:
    """The files of ``names`` that kpsewhich does not find; none where
    kpsewhich itself is missing (that TeX then names a missing file when it
    compiles)."""
    names = list(names)
    kpsewhich = shutil.which("kpsewhich")
    if kpsewhich is None or not names:
        return []
    found = subprocess.run(
        [kpsewhich, *names],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    ).stdout
    return [name for name in names if f"/{name}" not in found]


def _pdflatex_engine() -> Engine:
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        raise InputError(
            "--pdf needs pdflatex, which is not installed (Debian/Ubuntu: apt install "
            "texlive-latex-base texlive-latex-recommended latexmk); derivation.tex is "
            "written without --pdf"
        )
    return Engine(pdflatex, shutil.which("latexmk"))


def _cjk_engine() -> Engine:
    """xelatex, where it and ctex with its fonts are installed."""
    xelatex = shutil.which("xelatex")
    if xelatex is None:
        missing = ["xelatex"]
    elif shutil.which("kpsewhich") is None:
        missing = list(CJK_FILES)
    else:
        missing = _not_found(CJK_FILES)
    if missing:
        raise InputError(
            f"--pdf of a document with Chinese text needs xelatex and ctex with the fandol "
            f"fonts ({', '.join(missing)} not found; Debian/Ubuntu: apt install {CJK_PACKAGES} "
            "latexmk); derivation.tex is written without --pdf"
        )
    return Engine(xelatex, shutil.which("latexmk"))


def _environment() -> dict:
    env = dict(os.environ)
    env.update({"openin_any": "p", "openout_any": "p", "shell_escape": "f"})
    return env


def compile_tex(
    source: str, engine: Engine, name: str = "derivation", assets: dict | None = None
) -> Compiled:
    """Compile ``source``, with ``assets`` (file name → bytes, the figures it
    includes) beside it; raise CompileError with the engine's first error."""
    with tempfile.TemporaryDirectory(prefix="derive-tex-") as folder:
        work = Path(folder)
        (work / f"{name}.tex").write_text(source, encoding="utf-8")
        for asset, content in (assets or {}).items():
            (work / asset).write_bytes(content)
        flags = ["-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape"]
        direct = [engine.program, *flags, f"{name}.tex"]
        if engine.latexmk:
            xe = engine.name == "xelatex"  # latexmk's -pdfxe: xelatex, then xdvipdfmx
            mode = ["-pdfxe" if xe else "-pdf", f"-{engine.name}={engine.program} %O %S"]
            first = [engine.latexmk, *mode, "-quiet",
                     *[f"-latexoption={flag}" for flag in flags], f"{name}.tex"]  # fmt: skip
        else:
            first = direct
        log_path = work / f"{name}.log"
        failed = _run(first, work, engine) != 0
        for _ in range(EXTRA_PASSES):  # floats and their references may settle late
            log = log_path.read_text(encoding="latin-1") if log_path.exists() else ""
            if failed or RERUN not in log:
                break
            failed = _run(direct, work, engine) != 0
        log = log_path.read_text(encoding="latin-1") if log_path.exists() else ""
        pdf_path = work / f"{name}.pdf"
        if failed or not pdf_path.exists():
            raise CompileError(first_error(log) or f"{engine.name} wrote no PDF", log)
        return Compiled(pdf_path.read_bytes(), log)


RERUN = "Rerun to get cross-references right"
EXTRA_PASSES = 4
"""Passes of the engine after the first compile while TeX still asks for
one: without latexmk the pictures' references need three, and latexmk
itself was seen to stop one short (a figure that moved)."""


def _run(command: list[str], work: Path, engine: Engine) -> int:
    try:
        return subprocess.run(
            command,
            cwd=work,
            env=_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=TIMEOUT_SECONDS,
            check=False,
        ).returncode
    except subprocess.TimeoutExpired:
        raise CompileError(f"{engine.name} took over {TIMEOUT_SECONDS} s", "") from None


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
