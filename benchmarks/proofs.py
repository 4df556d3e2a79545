"""How long the proofs take as depth and width grow.

For each depth at a fixed width, in a fresh process per run (median of
--runs): the per-unit layer-by-layer proof (theorem b), the full-expansion
proof (theorem a, skipped where one run would pass --budget seconds), and,
once, the theorem for all depths and widths (c).  Then, for each of
--sizes (depth × width), the index-form proof (theorem b with the units
symbolic) against the per-unit proof as baseline, measured in the same run.
Prints Markdown tables; the layer-by-layer column should grow linearly with depth,
the expansion one faster.

    python benchmarks/proofs.py [--width 3] [--depths 1,2,4,8,16,32] [--runs 3]
                                [--sizes 4x8,4x16,50x16,100x64]
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
from derive.derivation.gradients import Derivation
from derive.model.network import Network
from derive.spec.network import parse_spec
from proofs.expanded import prove_expanded
from proofs.general import prove_general
from proofs.index_form import IndexFormProof
from proofs.per_unit import PerUnitProof
depth, width, what = {depth}, {width}, {what!r}
start = time.perf_counter()
spec = parse_spec(str(depth), ",".join([str(width)] * (depth + 1))) if depth else None
if what == "general":
    outcomes = [prove_general()]
elif what == "index":
    outcomes = [IndexFormProof(Network(spec)).run()]
elif what == "per-unit":
    outcomes = PerUnitProof(Derivation(Network(spec))).run()
else:
    outcomes = [prove_expanded(Derivation(Network(spec)))]
assert all(v.holds for v in outcomes)
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
    parser.add_argument("--sizes", default="4x8,4x16,50x16,100x64")
    args = parser.parse_args()
    depths = [int(d) for d in args.depths.split(",")]

    general = median(0, 0, "general", args.runs, args.budget)
    print(f"width {args.width}, median of {args.runs} runs, seconds (per layer in brackets)\n")
    print(f"theorem for all depths and widths: {general:.2f} s\n")
    print("| L | layer by layer | full expansion |")
    print("|---|---|---|")
    expansion_gave_up = False
    for depth in depths:
        per_unit = median(depth, args.width, "per-unit", args.runs, args.budget)
        expanded = None
        if not expansion_gave_up:
            expanded = median(depth, args.width, "expanded", 1, args.budget)
            expansion_gave_up = expanded is None
        per_unit_cell = f"{per_unit:.2f} ({per_unit / depth:.3f})" if per_unit else "—"
        expanded_cell = f"{expanded:.2f}" if expanded is not None else f"> {args.budget:.0f} s"
        print(f"| {depth} | {per_unit_cell} | {expanded_cell} |", flush=True)

    print("\n| L × width | index form | per layer | per-unit proof | per-unit ÷ index form |")
    print("|---|---|---|---|---|")
    per_unit_gave_up = False
    for size in args.sizes.split(","):
        depth, width = (int(part) for part in size.split("x"))
        index = median(depth, width, "index", args.runs, args.budget)
        per_unit = None
        if not per_unit_gave_up:
            per_unit = median(depth, width, "per-unit", 1, args.budget)
            per_unit_gave_up = per_unit is None
        index_cell = f"{index:.2f}" if index is not None else f"> {args.budget:.0f} s"
        per_layer = f"{index / depth:.3f}" if index is not None else "—"
        unit_cell = f"{per_unit:.2f}" if per_unit is not None else f"> {args.budget:.0f} s"
        ratio = f"{per_unit / index:.1f}×" if per_unit and index else "—"
        row = f"| {depth} × {width} | {index_cell} | {per_layer} | {unit_cell} | {ratio} |"
        print(row, flush=True)


if __name__ == "__main__":
    main()
