"""How long the proofs take as depth grows.

For each depth at a fixed width, in a fresh process per run (median of
--runs): the layer-by-layer proof (theorem b), the full-expansion proof
(theorem a, skipped where one run would pass --budget seconds), and, once,
the theorem for all depths and widths (c).  Prints a Markdown table; the
layered column should grow linearly with depth, the expansion one faster.

    python benchmarks/proofs.py [--width 3] [--depths 1,2,4,8,16,32] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from fresh_process import seconds_in_fresh_process

ROOT = Path(__file__).resolve().parent.parent

_CHILD = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from derive.gradients import Derivation
from derive.model import Network
from derive.spec import parse_spec
from proofs.expanded import prove_expanded
from proofs.general import prove_general
from proofs.layered import LayeredProof
depth, width, what = {depth}, {width}, {what!r}
start = time.perf_counter()
if what == "general":
    verdicts = [prove_general()]
else:
    derivation = Derivation(Network(parse_spec(str(depth), ",".join([str(width)] * (depth + 1)))))
    verdicts = LayeredProof(derivation).run() if what == "layered" else [prove_expanded(derivation)]
assert all(v.holds for v in verdicts)
print(json.dumps(time.perf_counter() - start))
"""


def child(depth: int, width: int, what: str, timeout: float) -> float | None:
    code = _CHILD.format(root=str(ROOT), depth=depth, width=width, what=what)
    return seconds_in_fresh_process(code, timeout)


def median(depth, width, what, runs, budget):
    values = []
    for _ in range(runs):
        value = child(depth, width, what, budget)
        if value is None:
            return None
        values.append(value)
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--width", type=int, default=3)
    parser.add_argument("--depths", default="1,2,4,8,16,32")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--budget", type=float, default=60.0)
    args = parser.parse_args()
    depths = [int(d) for d in args.depths.split(",")]

    general = median(0, 0, "general", args.runs, args.budget)
    print(f"width {args.width}, median of {args.runs} runs, seconds (per layer in brackets)\n")
    print(f"theorem for all depths and widths: {general:.2f} s\n")
    print("| L | layer by layer | full expansion |")
    print("|---|---|---|")
    expansion_gave_up = False
    for depth in depths:
        layered = median(depth, args.width, "layered", args.runs, args.budget)
        expanded = None
        if not expansion_gave_up:
            expanded = median(depth, args.width, "expanded", 1, args.budget)
            expansion_gave_up = expanded is None
        layered_cell = f"{layered:.2f} ({layered / depth:.3f})" if layered else "—"
        expanded_cell = f"{expanded:.2f}" if expanded is not None else f"> {args.budget:.0f} s"
        print(f"| {depth} | {layered_cell} | {expanded_cell} |", flush=True)


if __name__ == "__main__":
    main()
