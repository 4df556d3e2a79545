"""What ``derive check`` costs, end to end, in fresh processes.

Each row runs ``python -m derive check …`` as a user would (claim on the
command line, or on standard input for inputs too long for argv) and takes
the median wall time of --runs rounds; the baseline, measured at the start
and the end of each round (the faster of the two), is a process that only
imports derive.claims (Python and SymPy's
import: the floor every check pays).  Adversarial rows must be refused
(exit 2) well under 2 s; the table reports their slowest round too.

    python benchmarks/check.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CLAIMS = [
    (
        "book Δw_hj, sizes symbolic (27 nets)",
        ["--notation", "xigua", "Delta w[h,j] = eta*g[j]*b[h]"],
        4,
    ),
    (
        "book Δv_ih, sizes symbolic (27 nets)",
        ["--notation", "xigua", "Delta v[i,h] = eta*e[h]*x[i]"],
        4,
    ),
    (
        "seed Δv_ih in LaTeX (27 nets)",
        [
            "--notation",
            "xigua",
            r"\Delta{v_{ih}}=-\eta * b_h * (1-b_h) * x_i * \sum^l_{j=1}[(\hat{y^k_j}- y^k_j) * "
            r"\hat{y^k_j} * (1- \hat{y^k_j}) * (W_{hj}) ]",
        ],
        4,
    ),
    (
        "δ recursion, every size (52 nets + symbolic)",
        ["delta[l][j] = fprime(z[l][j])*Sum(w[l+1][k,j]*delta[l+1][k], (k, 1, n[l+1]))"],
        0,
    ),
    ("∂E/∂w^l_jk, every size (52 nets + symbolic)", ["dE/dw[l][j,k] = delta[l][j]*a[l-1][k]"], 0),
    (
        "softsign slope, sizes symbolic (52 nets + 8 searched)",
        ["--activation", "x/(1+abs(x))", "d(a[l][j])/d(z[l][j]) = 1/(1 + abs(z[l][j]))^2"],
        4,
    ),
    (
        "|ŷ − y| sign rule, --widths 2,3,2",
        ["--loss", "abs(yhat-y)", "--widths", "2,3,2", "dE/da[L][j] = sign(a[L][j]-y[j])"],
        0,
    ),
    (
        "LaTeX with 3 960 spaces (27 nets)",
        ["--notation", "xigua", r"\Delta w_{hj} = \eta g_j b_h" + " " * 3960 + "."],
        4,
    ),
    (
        "δ recursion, --widths 4,4,4,4,4",
        [
            "--widths",
            "4,4,4,4,4",
            "delta[l][j] = fprime(z[l][j])*Sum(w[l+1][k,j]*delta[l+1][k], (k, 1, n[l+1]))",
        ],
        0,
    ),
    (
        "δ recursion, --layers 6 (widths all 1, 2, 3 + symbolic)",
        ["--layers", "6", "delta[l][j] = Sum(w[l+1][k,j]*delta[l+1][k], k)*a[l][j]*(1-a[l][j])"],
        0,
    ),
    ("false: Σ forgotten", ["--notation", "xigua", "e[h] = b[h]*(1-b[h])*w[h,j]*g[j]"], 1),
    (
        "false: Σ to n[l], --layers 5 (searched)",
        [
            "--layers",
            "5",
            "delta[l][j] = fprime(z[l][j])*Sum(w[l+1][k,j]*delta[l+1][k], (k, 1, n[l]))",
        ],
        1,
    ),
    (
        "false: transposed recursion",
        ["delta[l][j] = fprime(z[l][j])*Sum(w[l+1][j,k]*delta[l+1][k], (k, 1, n[l+1]))"],
        1,
    ),
]

ADVERSARIAL = [
    ("__import__('os').system(…)", "__import__('os').system('touch /tmp/x') = 1"),
    ("9**9**9**9", "dE/dw[h,j] = 9**9**9**9"),
    ("100 000 nested parentheses", "dE/dw[h,j] = " + "(" * 100_000 + "1" + ")" * 100_000),
    ("1 MB string", "dE/dw[h,j] = " + "b[h]+" * 200_000 + "1"),
    ("NUL byte", "dE/dw[h,j] = b[h]\x00"),
    ("Σ over 10^9 terms", "dE/dw[h,j] = Sum(b[h], (j, 1, 10**9))"),
    ("cos(cosh(cosh(69)))", "dE/dw[h,j] = cos(cosh(cosh(69)))"),
    ("sinh(sinh(sinh(sinh(3))))", "dE/dw[h,j] = sinh(sinh(sinh(sinh(3))))"),
]


def _time(command: list[str], stdin: bytes | None, expected: int) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, input=stdin, capture_output=True, cwd=ROOT)
    elapsed = time.perf_counter() - started
    if result.returncode != expected:
        raise SystemExit(f"{command[:6]}… exited {result.returncode}: {result.stderr[:300]!r}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    check = [sys.executable, "-m", "derive", "check"]
    floor = [sys.executable, "-c", "import derive.claims"]
    rows = [(name, check + args, None, code) for name, args, code in CLAIMS]
    rows += [(name, check + ["--notation", "xigua", "-"], text.encode(), 2)
             for name, text in ADVERSARIAL]  # fmt: skip
    times: dict[str, list[float]] = {"floor": []}
    ratios: dict[str, list[float]] = {}
    for _ in range(runs):
        # The floor before and after each round: the first process of a round
        # can be slower (cold file cache), which would flatter every ratio.
        before = _time(floor, None, 0)
        measured = {name: _time(command, stdin, code) for name, command, stdin, code in rows}
        base = min(before, _time(floor, None, 0))
        times["floor"].append(base)
        for name, elapsed in measured.items():
            times.setdefault(name, []).append(elapsed)
            ratios.setdefault(name, []).append(elapsed / base)
    print("| claim | exit | median s | slowest s | ÷ import floor |\n|---|---|---|---|---|")
    print(
        f"| import derive.claims (floor) | 0 | {statistics.median(times['floor']):.2f} | "
        f"{max(times['floor']):.2f} | 1.0× |"
    )
    for name, _, _, code in rows:
        print(
            f"| {name} | {code} | {statistics.median(times[name]):.2f} | "
            f"{max(times[name]):.2f} | {statistics.median(ratios[name]):.1f}× |"
        )


if __name__ == "__main__":
    main()
