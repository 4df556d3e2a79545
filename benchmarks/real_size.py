"""Real-size networks end to end: every command against the default job,
and the default job against SymPy's import, measured in the same run.

Each command runs in a fresh process; every round runs all of them, in an
order rotated from round to round, so a load on the shared machine falls
on every row alike.  A row reports the median wall time and the median over
rounds of its ratio to the baseline measured in that round:

* ``import sympy, numpy``: the floor any run of derive pays;
* ``python -m derive --layers 3``: the default job (baseline of the rest);
* the MNIST-size main job, 784-256-128-10, writing all four files;
* the index-form proof alone (a process that imports derive and runs it)
  at depth 3 and widths 8 … 1024 (the width sweep: flat, because no proof
  step writes a sum out), and at width 512 and depths 20 and 100;
* ``python -m proofs verify`` of the default job's and the MNIST-size
  job's certificates (the replay of every kernel step);
* ``derive prove --layers 20`` at width 512, end to end.

    python benchmarks/real_size.py [--rounds 5] [--timeout 300] [--only TEXT …]
                                   [--compare DIR]

``--only`` keeps the rows whose name contains one of the texts (the import
and the default job always run: they are the baselines).  ``--compare DIR``
adds the default job run in another checkout (``git worktree add DIR
COMMIT``), in the same rounds, so that a change's cost is measured against
the code before it on the same machine and load.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _widths(depth: int, width: int) -> str:
    return ",".join([str(width)] * (depth + 1))


def _proof(depth: int, width: int) -> str:
    """A process that imports derive and runs only the index-form proof."""
    return (
        "from derive.model.network import Network; from derive.spec.network import parse_spec; "
        "from proofs.index_form import IndexFormProof; "
        f"assert IndexFormProof(Network(parse_spec('{depth}', '{_widths(depth, width)}')))"
        ".run().holds"
    )


def commands(out: Path) -> dict[str, list[str]]:
    python = [sys.executable]
    rows = {
        "import sympy, numpy": python + ["-c", "import sympy, numpy"],
        "default job: --layers 3": python + ["-m", "derive", "--layers", "3", "--out", str(out)],
        "main job 784-256-128-10": python
        + ["-m", "derive", "--layers", "3", "--widths", "784,256,128,10", "--out", str(out)],
    }
    for width in (8, 64, 512, 1024):
        rows[f"index-form proof, L = 3, width {width}"] = python + ["-c", _proof(3, width)]
    for depth in (20, 100):
        rows[f"index-form proof, L = {depth}, width 512"] = python + ["-c", _proof(depth, 512)]
    for label, folder in (("default job", "default"), ("784-256-128-10", "mnist")):
        certificate = str(out.parent / folder / "certificate.json")
        rows[f"proofs verify, {label}'s certificate"] = python + [
            "-m", "proofs", "verify", certificate,
        ]  # fmt: skip
    rows["derive prove --layers 20, width 512"] = python + [
        "-m", "derive", "prove", "--layers", "20", "--widths", _widths(20, 512),
    ]  # fmt: skip
    return rows


def wall(argv: list[str], timeout: float, cwd: Path = ROOT) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, capture_output=True, check=True, timeout=timeout)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--only", nargs="+", default=None, metavar="TEXT")
    parser.add_argument("--compare", type=Path, default=None, metavar="DIR")
    args = parser.parse_args()
    floor, default = "import sympy, numpy", "default job: --layers 3"
    with tempfile.TemporaryDirectory() as folder:
        rows = commands(Path(folder) / "out")
        if args.only:
            rows = {
                name: argv
                for name, argv in rows.items()
                if name in (floor, default) or any(text in name for text in args.only)
            }
        where = dict.fromkeys(rows, ROOT)
        if args.compare:
            compared = f"{default}, in {args.compare}"
            rows[compared], where[compared] = rows[default], args.compare.resolve()
        for name, target in (
            ("default job: --layers 3", "default"),
            ("main job 784-256-128-10", "mnist"),
        ):
            if name in rows:  # the certificates to verify
                wall(rows[name][:-1] + [str(Path(folder) / target)], args.timeout)
        names = list(rows)
        times: dict[str, list[float]] = {name: [] for name in names}
        for round_number in range(args.rounds):
            shift = round_number % len(names)
            for name in names[shift:] + names[:shift]:
                times[name].append(wall(rows[name], args.timeout, where[name]))
            print(f"round {round_number + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    print(f"median of {args.rounds} rounds, fresh processes, order rotated per round\n")
    print("| command | seconds | ÷ import sympy, numpy | ÷ default job |")
    print("|---|---|---|---|")
    for name in names:
        ratio_floor = statistics.median(
            t / f for t, f in zip(times[name], times[floor], strict=True)
        )
        ratio_default = statistics.median(
            t / d for t, d in zip(times[name], times[default], strict=True)
        )
        print(
            f"| {name} | {statistics.median(times[name]):.2f} | {ratio_floor:.2f}× "
            f"| {ratio_default:.2f}× |"
        )


if __name__ == "__main__":
    main()
