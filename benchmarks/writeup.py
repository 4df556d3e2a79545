"""What derivation.tex costs: the main job with and without --pdf, and the
parts of it the write-up adds.

For each depth L (default widths), in fresh processes, median of --runs:

* ``job``         — ``python -m derive --layers L`` end to end (the baseline);
* ``job --pdf``   — the same with the PDF compiled (latexmk or pdflatex);
* ``walkthrough`` — the checked step-by-step chains, as the certificate records;
* ``paths``       — the sum-over-paths theorem (L = 3 only), likewise;
* ``render``      — printing derivation.tex from the checked expressions
  (in-process, after the proofs; median of the same runs).

Ratios are against ``job`` measured in the same round.

    python benchmarks/writeup.py [--depths 1,2,3,4,6] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_RENDER = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from derive.latex.document import document
from derive.derivation.gradients import Derivation
from derive.model.network import Network
from derive.notation.naming import notation
from derive.present.presentation import Presentation
from derive.spec.network import parse_spec
from proofs.certificate import build
from proofs.run import run_proofs
spec = parse_spec({depth!r}, None, None, None, True)
derivation = Derivation(Network(spec))
presentation = Presentation(derivation, notation("layer"))
strategies = ("layered", "walkthrough") + (("paths",) if spec.depth == 3 else ())
proofs = run_proofs(derivation, strategies, walkthrough_layers=presentation.shown_layers())
certificate = build(derivation, proofs)
started = time.perf_counter()
document(presentation, proofs.steps, certificate, None)
print(json.dumps(time.perf_counter() - started))
"""


def _job(depth: int, pdf: bool) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "derive", "--layers", str(depth), "--out", folder]
        started = time.perf_counter()
        subprocess.run(command + (["--pdf"] if pdf else []), cwd=ROOT, check=True,
                       capture_output=True)  # fmt: skip
        elapsed = time.perf_counter() - started
        certificate = json.loads((Path(folder) / "certificate.json").read_text())
    seconds = {t["name"]: t["seconds"] for t in certificate["theorems"]}
    return elapsed, seconds


def _render(depth: int) -> float:
    code = _RENDER.format(root=str(ROOT), depth=str(depth))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depths", default="1,2,3,4,6")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    pdf = shutil.which("pdflatex") is not None
    print("| L | job | job --pdf | walkthrough | paths | render |")
    print("|---|---|---|---|---|---|")
    for depth in map(int, args.depths.split(",")):
        rounds = []
        for _ in range(args.runs):
            job, seconds = _job(depth, pdf=False)
            with_pdf = _job(depth, pdf=True)[0] if pdf else float("nan")
            rounds.append((job, with_pdf, seconds, _render(depth)))
        job = statistics.median(r[0] for r in rounds)
        with_pdf = statistics.median(r[1] for r in rounds)
        ratio = statistics.median(r[1] / r[0] for r in rounds)
        walk = statistics.median(r[2].get("chain rule, step by step", 0.0) for r in rounds)
        paths = statistics.median(r[2].get("sum over paths (L = 3)", 0.0) for r in rounds)
        render = statistics.median(r[3] for r in rounds)
        print(
            f"| {depth} | {job:.2f} | {with_pdf:.2f} ({ratio:.2f}×) | {walk:.2f} | "
            f"{paths:.2f} | {render:.2f} |"
        )


if __name__ == "__main__":
    main()
