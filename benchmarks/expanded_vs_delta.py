"""How the expanded chain rule's cost grows with depth, against the δ form.

For each depth L at a fixed width, times (median of several runs, each in a
fresh process so SymPy's caches start cold):

* ``sympy.diff``   — SymPy differentiating the expanded loss for every parameter
* ``memo diff``    — derive's elementary-rule differentiation (each shared node once)
* ``δ form``       — building every δ^l_j and every gradient in δ form, expanded
* ``cli``          — ``python -m derive --layers L`` end to end, SymPy import included

and prints a Markdown table with ratios against the δ form measured in the
same process.  ``sympy.diff`` is skipped where one run would pass --budget
seconds (it grows ≈ ×3–6 per layer).

    python benchmarks/expanded_vs_delta.py [--width 3] [--max-depth 6] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fresh_process import seconds_in_fresh_process

ROOT = Path(__file__).resolve().parent.parent

_CHILD = r"""
import json, sys, time
sys.path.insert(0, {root!r})
import sympy
from derive.derivation.gradients import Derivation
from derive.model.network import Network
from derive.spec.network import parse_spec
depth, width, what = {depth}, {width}, {what!r}
network = Network(parse_spec(str(depth), ",".join([str(width)] * (depth + 1))))
derivation = Derivation(network)
loss = network.loss_expanded
start = time.perf_counter()
if what == "sympy.diff":
    [sympy.diff(loss, p) for p in network.parameters()]
elif what == "memo diff":
    [derivation.expanded_gradient(p) for p in network.parameters()]
else:
    [derivation.delta_form_expanded(p) for p in network.parameters()]
print(json.dumps(time.perf_counter() - start))
"""


def child(depth: int, width: int, what: str, timeout: float) -> float | None:
    code = _CHILD.format(root=str(ROOT), depth=depth, width=width, what=what)
    return seconds_in_fresh_process(code, timeout)


def cli_time(depth: int, width: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        widths = ",".join([str(width)] * (depth + 1))
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "derive",
                "--layers",
                str(depth),
                "--widths",
                widths,
                "--out",
                folder,
            ],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--width", type=int, default=3)
    parser.add_argument("--max-depth", type=int, default=6)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--budget", type=float, default=60.0, help="seconds allowed for one sympy.diff run"
    )
    args = parser.parse_args()

    print(f"width {args.width}, median of {args.runs} runs, seconds (× the δ form's time)\n")
    print("| L | parameters | δ form | memo diff | sympy.diff | cli end to end |")
    print("|---|---|---|---|---|---|")
    sympy_gave_up = False
    for depth in range(1, args.max_depth + 1):
        parameters = depth * args.width * (args.width + 1)
        medians = {}
        for what in ("δ form", "memo diff", "sympy.diff"):
            if what == "sympy.diff" and sympy_gave_up:
                medians[what] = None
                continue
            runs = []
            for _ in range(args.runs if what != "sympy.diff" else min(args.runs, 3)):
                value = child(depth, args.width, what, args.budget)
                if value is None:
                    break
                runs.append(value)
            medians[what] = statistics.median(runs) if runs else None
            if what == "sympy.diff" and medians[what] is None:
                sympy_gave_up = True
        cli = statistics.median(cli_time(depth, args.width) for _ in range(args.runs))
        base = medians["δ form"]

        def cell(value, base=base):
            if value is None:
                return f"> {args.budget:.0f} s"
            return f"{value:.3f} ({value / base:.1f}×)"

        print(
            f"| {depth} | {parameters} | {base:.3f} | {cell(medians['memo diff'])} | "
            f"{cell(medians['sympy.diff'])} | {cli:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
