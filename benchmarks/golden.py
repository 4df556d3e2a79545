"""Golden outputs: what derive prints and writes for a fixed set of jobs, saved
once and compared after a change that must not change behaviour (a move of
modules, a printer unified, a registry rebuilt).

    python benchmarks/golden.py --save DIR      # before the change
    python benchmarks/golden.py --compare DIR   # after it: lists what differs

Every job runs in a fresh process, as a user would start it.  What varies
from run to run is normalised away before saving: timings ("0.06 s"), the
temporary output folder's path, set order (PYTHONHASHSEED=0), and in
certificate.json the recorded seconds, the digest, the numbers of SymPy's
Dummy symbols and the hashes of the trusted base (which change with any edit
of the kernel's files, by design).  Everything else must be byte-identical.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

OUTPUTS = ("derivation.json", "trainer.py", "derivation.tex", "certificate.json")

NETWORKS = [
    ["--layers", "1"],
    ["--layers", "2", "--notation", "xigua"],
    ["--layers", "2", "--notation", "xigua", "--activation", "tanh", "--loss", "bce"],
    ["--layers", "3"],
    ["--layers", "3", "--activation", "relu,tanh,sigmoid", "--loss", "bce", "--no-bias"],
    ["--layers", "2", "--widths", "2,3,1", "--activation", "softplus,identity"],
    ["--layers", "2", "--activation", "erf(x),max(x, x/10)", "--loss", "max(yhat - y, 0)^2"],
    ["--layers", "4", "--widths", "2,2,2,2,1", "--activation", "x/(1+abs(x))"],
    ["--layers", "3", "--widths", "784,256,128,10"],
]
PROVE = [
    ["prove", "--layers", "3", "--strategy", "both", "--general", "--paths"],
    ["prove", "--layers", "5", "--activation", "tanh"],
]
CLAIMS = [
    ["check", "delta[l][j] = fprime(z[l][j])*Sum(w[l+1][k,j]*delta[l+1][k], (k, 1, n[l+1]))"],
    ["check", "delta[l][j] = fprime(z[l][j])*Sum(w[l+1][k,j]*delta[l+1][k], (k, 1, n[l]))"],
    ["check", "--notation", "xigua", "e[h] = b[h]*(1-b[h])*Sum(w[h,j]*g[j], (j, 1, l))"],
    ["check", "--notation", "xigua", "e[h] = b[h]*(1-b[h])*w[h,j]*g[j]"],
    ["check", "--widths", "2,3,1", "dE/dw[1][1,1] = delta[1][1]*x[1]"],
    ["check", "--latex", r"\delta^{l}_{j} = f'(z^{l}_{j}) \sum_{k} w^{l+1}_{kj} \delta^{l+1}_{k}"],
    ["check", "--json", "--widths", "2,2,1", "dE/db[2][1] = delta[2][1]"],
]
BAD = [
    ["--layers", "0"],
    ["--activation", "sigmod"],
    ["--layers", "2", "--activation", "x + log(0)"],
    ["check", "dE/dw[h,j] = -g[j]*b[h]"],
]


def jobs() -> dict[str, list[str]]:
    table = {}
    for argv in NETWORKS + PROVE + CLAIMS + BAD:
        name = re.sub(r"[^A-Za-z0-9]+", "_", " ".join(argv)).strip("_")[:90]
        table[name] = argv
    return table


_SECONDS = re.compile(r"\b\d+\.\d+[ \u00a0]s\b")  # "0.03\u00a0s" in the proofs' lines


def _normal_text(text: str, folder: str) -> str:
    return _SECONDS.sub("T s", text.replace(folder, "OUT")).replace("\u00a0", " ")


def _normal_certificate(text: str) -> str:
    document = json.loads(text)

    def scrub(value):
        if isinstance(value, dict):
            if set(value) >= {"kernel_modules", "checker_modules"}:  # the trusted base
                value = {
                    **value,
                    "kernel_modules": dict.fromkeys(value["kernel_modules"], "…"),
                    "checker_modules": dict.fromkeys(value["checker_modules"], "…"),
                }
            return {
                key: "…" if key in ("seconds", "sha256", "hash", "digest") else scrub(item)
                for key, item in value.items()
            }
        if isinstance(value, list) and value[:1] == ["Dummy"]:  # SymPy numbers them randomly
            return [value[0], value[1], "…", *map(scrub, value[3:])]
        if isinstance(value, list):
            return [scrub(item) for item in value]
        return value

    return json.dumps(scrub(document), indent=1, ensure_ascii=False, sort_keys=True)


def run(argv: list[str]) -> dict[str, str]:
    """What one job prints, returns and writes, normalised."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"
        command = [sys.executable, "-m", "derive", *argv]
        if argv[0] not in ("prove", "check"):
            command += ["--out", str(out)]
        # set order, as in every run; lines unwrapped: where the terminal would
        # wrap them depends on the temporary folder's length (tests check wrapping)
        environment = {**os.environ, "PYTHONHASHSEED": "0", "COLUMNS": "100000"}
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, env=environment)
        result = {
            "exit": str(done.returncode),
            "stdout": _normal_text(done.stdout, str(out)),
            "stderr": _normal_text(done.stderr, str(out)),
        }
        for name in OUTPUTS:
            path = out / name
            if path.exists():
                text = path.read_text(encoding="utf-8")
                if name == "certificate.json":
                    result[name] = _normal_certificate(text)
                else:
                    result[name] = _normal_text(text, str(out))
        return result


def save(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, argv in jobs().items():
        print(f"saving {name}", file=sys.stderr)
        (folder / f"{name}.json").write_text(
            json.dumps({"argv": argv, **run(argv)}, indent=1, ensure_ascii=False),
            encoding="utf-8",
        )


def compare(folder: Path) -> int:
    differing = 0
    for name, argv in jobs().items():
        path = folder / f"{name}.json"
        if not path.exists():
            print(f"{name}: no saved output")
            differing += 1
            continue
        saved = json.loads(path.read_text(encoding="utf-8"))
        now = run(argv)
        if saved.get("certificate.json"):  # saved before a normalisation was added
            saved["certificate.json"] = _normal_certificate(saved["certificate.json"])
        for key in sorted(set(saved) - {"argv"} | set(now)):
            if saved.get(key) != now.get(key):
                differing += 1
                print(f"== {name}: {key} differs")
                diff = difflib.unified_diff(
                    (saved.get(key) or "").splitlines(),
                    (now.get(key) or "").splitlines(),
                    "saved",
                    "now",
                    lineterm="",
                    n=1,
                )
                print("\n".join(list(diff)[:40]))
    print(f"{differing} differences in {len(jobs())} jobs")
    return 1 if differing else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path)
    group.add_argument("--compare", type=Path)
    args = parser.parse_args()
    if args.save:
        save(args.save)
        return 0
    return compare(args.compare)


if __name__ == "__main__":
    raise SystemExit(main())
