"""derivation.tex in Chinese (``--lang zh``) and CJK titles in either language.

The catalogue (derive/locale/zh.json) must translate every message the
template marks and every message the Python side looks up, and hold nothing
else; a Chinese document compiles with xelatex and ctex and carries no
template sentence in English.  English stays the default, its document
unchanged.  Compiling needs xelatex, ctex and the fandol fonts: where they
are missing the compile tests skip, except under CI or
DERIVE_REQUIRE_LATEX=1, where they fail (as in test_latex.py).
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from derive.cli import main
from derive.latex import pdf
from derive.printing.latex import has_cjk
from derive.support import language
from derive.support.errors import InputError
from derive.support.templating import template_messages

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = os.environ.get("DERIVE_REQUIRE_LATEX") == "1" or bool(os.environ.get("CI"))
TITLE = "反向传播算法的理解"

NETWORKS = {  # one document per notation and output: every section the template has
    "layer": ["--layers", "3"],
    "softmax": ["--layers", "3", "--activation", "tanh,sigmoid,softmax", "--loss", "ce",
                "--targets-sum-to-1"],
    "xigua": ["--layers", "2", "--notation", "xigua"],
}  # fmt: skip
LOOKUPS = ("gettext", "ngettext", "say", "N_")
"""The names Python-side prose is looked up by (``say = lang.gettext``)."""


def _cjk_tex() -> None:
    try:
        pdf.find_engine(cjk=True)
    except InputError as error:
        if REQUIRED:
            pytest.fail(f"a CJK-capable TeX is required (CI or DERIVE_REQUIRE_LATEX=1): {error}")
        pytest.skip(str(error))


def _pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        if REQUIRED:
            pytest.fail("pdftotext (poppler-utils) is required under CI")
        pytest.skip("pdftotext not installed")
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout


def _python_messages() -> set[str]:
    """Every message id the package's Python looks up: the first string
    argument of a call to one of :data:`LOOKUPS` (a plural: its plural)."""
    found = set()
    for source in (ROOT / "derive").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            strings = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if name in LOOKUPS and strings and isinstance(strings[0], str):
                found.add(strings[1] if name == "ngettext" else strings[0])
    return found


def _records(certificate: dict) -> set[str]:
    """The certificate's English that the document translates."""
    base = certificate["trusted_base"]
    records = {base["relies_on_sympy_for"], *certificate["skipped"]}
    records |= {t[key] for t in certificate["theorems"] for key in ("name", "method")}
    return records | set(base["assumed"]) | set(base["assumed"].values())


@pytest.fixture(scope="module")
def chinese(tmp_path_factory) -> dict[str, Path]:
    """The three networks' output folders, written with --lang zh --pdf."""
    _cjk_tex()
    folders = {}
    for name, args in NETWORKS.items():
        out = tmp_path_factory.mktemp(name)
        assert main([*args, "--lang", "zh", "--pdf", "--out", str(out)]) == 0
        folders[name] = out
    return folders


# -- the catalogue --------------------------------------------------------------------------


def test_the_catalogue_translates_every_message_and_nothing_else(chinese):
    catalogue = language.catalogue("zh")
    template = set(template_messages("derivation.tex.j2"))
    python = _python_messages()
    assert template - catalogue.keys() == set()
    assert python - catalogue.keys() == set()
    records = set()
    for out in chinese.values():
        records |= _records(json.loads((out / "certificate.json").read_text()))
    stale = catalogue.keys() - template - python - records
    assert stale == set(), "catalogue entries no template, module or certificate uses"


def test_every_translation_keeps_its_messages_fields():
    for message, translated in language.catalogue("zh").items():
        fields = sorted(re.findall(r"%\((\w+)\)s", message))
        assert sorted(set(re.findall(r"%\((\w+)\)s", translated))) == sorted(set(fields)), message
        assert translated.count("$") % 2 == 0, message


def test_the_lookup_is_strict_in_chinese_and_the_identity_in_english():
    zh = language.language("zh")
    with pytest.raises(language.MissingMessage):
        zh.gettext("a sentence no catalogue has")
    assert language.ENGLISH.gettext("width %(n)s", n=3) == "width 3"
    assert zh.gettext("learning rate") == "学习率"


# -- the Chinese document --------------------------------------------------------------------


def _prose_fragments(message: str) -> list[str]:
    """The parts of an English message a reader would recognise as English
    prose: between its fields, at least three words of letters."""
    fragments = []
    for part in re.split(r"%\(\w+\)s", message.replace("%%", "%")):
        words = re.findall(r"(?<![\\$])\b[A-Za-z]{2,}\b", re.sub(r"\$[^$]*\$", "", part))
        if len(words) >= 3 and len(part.strip()) >= 16:
            fragments.append(part.strip())
    return fragments


@pytest.mark.parametrize("name", list(NETWORKS))
def test_the_chinese_document_compiles_and_has_no_english_sentence(chinese, name):
    out = chinese[name]
    tex = (out / "derivation.tex").read_text(encoding="utf-8")
    assert tex.startswith("\\documentclass[10pt,a4paper,fontset=fandol]{ctexart}")
    messages = set(template_messages("derivation.tex.j2")) | _python_messages()
    english = [f for m in messages for f in _prose_fragments(m) if f in tex]
    assert english == []
    headings = re.findall(r"\\(?:sub)?section\{(.*)\}", tex)
    assert headings and [h for h in headings if not has_cjk(h)] == []
    text = _pdf_text(out / "derivation.pdf")
    assert "反向传播" in text and "检验了什么" in text and "???" not in text
    runs = set(re.findall(r"[A-Za-z]{3,}(?: [A-Za-z]{2,}){2,}", text))
    assert runs <= {"proofs verify certificate"}  # the command line, set in typewriter


def test_the_book_notation_reads_in_the_books_terms(chinese):
    tex = (chinese["xigua"] / "derivation.tex").read_text(encoding="utf-8")
    for term in ("周志华《机器学习》", "隐层", "阈值", "学习率", "链式法则", "归纳", "连接权"):
        assert term in tex


# -- titles in Chinese, English as the default -----------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_chinese_title_appears_in_either_language(tmp_path, lang):
    _cjk_tex()
    out = tmp_path / "out"
    assert (
        main(["--layers", "1", "--title", TITLE, "--lang", lang, "--pdf", "--out", str(out)]) == 0
    )
    tex = (out / "derivation.tex").read_text(encoding="utf-8")
    assert f"\\title{{{TITLE}}}" in tex
    assert ("ctexart" in tex) == (lang == "zh") and "fontset=fandol" in tex
    assert TITLE in _pdf_text(out / "derivation.pdf")


def test_english_is_the_default_and_keeps_pdflatex(tmp_path):
    out = tmp_path / "out"
    assert main(["--layers", "1", "--title", "Backprop, ü", "--out", str(out)]) == 0
    tex = (out / "derivation.tex").read_text(encoding="utf-8")
    assert tex.startswith("\\documentclass[10pt,a4paper]{article}")
    assert "ctex" not in tex and "\\title{Backprop, ?}" in tex
    assert "Forward pass and loss" in tex


# -- bad input -------------------------------------------------------------------------------


def _cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "derive", *args], capture_output=True, text=True, env=env, cwd=ROOT
    )


@pytest.mark.parametrize("typed,meant", [("zh-CN", "zh"), ("ZH", "zh"), ("eng", "en")])
def test_an_unknown_language_is_bad_input_with_a_hint(tmp_path, typed, meant):
    result = _cli("--lang", typed, "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert f"unknown language '{typed}'; did you mean '{meant}'?" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args", [["--lang", "zh"], ["--title", TITLE]])
def test_chinese_pdf_without_a_cjk_tex_is_bad_input_naming_the_packages(tmp_path, args):
    bin_dir = tmp_path / "bin"  # the seam of test_latex's missing pdflatex: a PATH without TeX
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    env = {**os.environ, "PATH": str(bin_dir)}
    result = _cli("--layers", "2", *args, "--pdf", "--out", str(tmp_path / "out"), env=env)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1
    assert "xelatex" in result.stderr and pdf.CJK_PACKAGES in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_certificate_record_without_a_translation_is_quoted_and_said_to_be():
    zh = language.language("zh")
    assert zh.recorded("kernel") == "证明内核"
    record = "3 layers above the weight > 2"  # a record with this run's numbers
    assert zh.recorded(record) == f"{record}（certificate.json 所记录的英文原文）"
    assert language.ENGLISH.recorded(record) == record


def test_the_experiments_are_reported_in_chinese(tmp_path):
    out = tmp_path / "out"
    for kind in ("batch-size", "sequential"):
        args = ["experiment", kind, "--data", "xor", "--epochs", "20", "--seconds", "0"]
        assert main([*args, "--out", str(out)]) == 0
    assert main(["--layers", "2", "--lang", "zh", "--out", str(out)]) == 0
    tex = (out / "derivation.tex").read_text(encoding="utf-8")
    assert "测量结果说明什么" in tex and "随机（批量 1）" in tex and "同一分布" in tex
    messages = set(template_messages("derivation.tex.j2")) | _python_messages()
    assert [f for m in messages for f in _prose_fragments(m) if f in tex] == []


def test_the_chinese_document_links_its_cross_references(chinese):
    """hyperref under xelatex (it needs texlive-fonts-recommended's pzdr.tfm):
    the sections are link targets, as in the English document."""
    if shutil.which("pdfinfo") is None:
        if REQUIRED:
            pytest.fail("pdfinfo (poppler-utils) is required under CI")
        pytest.skip("pdfinfo (poppler-utils) not installed")
    found = subprocess.run(
        ["pdfinfo", "-dests", str(chinese["layer"] / "derivation.pdf")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert '"section.1"' in found and '"figure.1"' in found
