"""The generated training step against its GEMM floor.

The floor is the same step with only its matrix products: for 784-256-128-10
the three forward products, the two backward products δ^{l+1} W^{l+1} and
the three weight gradients δ^T a, each into a preallocated output (at
batch 1 the weight gradients are outer products, computed by broadcasting,
which is 2-4x faster than numpy.matmul with an inner dimension of 1, as the
generated step does).  No elementwise work, no allocation: the step cannot
be faster than that.  The
fraction floor ÷ step is how close the generated code gets to the hardware.

Each (batch, dtype) runs in its own fresh process; both the floor and the
step are timed in that process, interleaved, for --seconds each, over
--rounds rounds; the table gives the median of each round's fraction.  The
BLAS library, its kernel and thread count (threadpoolctl) are printed with it:
set OPENBLAS_NUM_THREADS (or OMP_NUM_THREADS) to change them.

    python benchmarks/gemm_floor.py [--rounds 5] [--seconds 1.0] [--widths 784,256,128,10]
                                    [--batches 1,32,256] [--activation sigmoid,sigmoid,softmax]
                                    [--loss ce]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CHILD = r"""
import importlib.util, json, sys, time
import numpy
sys.path.insert(0, {root!r})
widths = tuple(int(w) for w in {widths!r}.split(","))
batch, dtype, budget, rounds = {batch}, numpy.dtype({dtype!r}), {seconds}, {rounds}
spec = importlib.util.spec_from_file_location("trainer", {path!r})
trainer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(trainer)
params = trainer.init_params(seed=0, dtype=dtype)
buffers = {{}}  # the step keeps its arrays here, per batch size and dtype
rng = numpy.random.default_rng(0)
X = rng.normal(size=(batch, widths[0])).astype(dtype)
Y = rng.uniform(size=(batch, widths[-1])).astype(dtype)
depth = len(widths) - 1
W = [None] + [params[f"W{{l}}"] for l in range(1, depth + 1)]
a = [X] + [numpy.empty((batch, widths[l]), dtype) for l in range(1, depth + 1)]
d = [None] + [numpy.empty((batch, widths[l]), dtype) for l in range(1, depth + 1)]
g = [None] + [numpy.empty_like(W[l]) for l in range(1, depth + 1)]
for l in range(1, depth + 1):
    d[l][...] = rng.normal(size=d[l].shape)

def floor():
    for l in range(1, depth + 1):
        numpy.matmul(a[l - 1], W[l].T, out=a[l])
    for l in range(depth - 1, 0, -1):
        numpy.matmul(d[l + 1], W[l + 1], out=d[l])
    for l in range(1, depth + 1):
        if batch == 1:  # an outer product: broadcast beats matmul with inner dimension 1
            numpy.multiply(d[l].T, a[l - 1], out=g[l])
        else:
            numpy.matmul(d[l].T, a[l - 1], out=g[l])

def step():
    trainer._step(params, X, Y, 1e-9, buffers)

def rate(function):
    function()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < budget:
        function()
        count += 1
    return count / (time.perf_counter() - start)

fractions, steps = [], []
for _ in range(rounds):
    floor_rate, step_rate = rate(floor), rate(step)
    fractions.append(step_rate / floor_rate)
    steps.append(step_rate)
try:
    from threadpoolctl import threadpool_info
    blas = [(i["internal_api"], i.get("architecture"), i["num_threads"])
            for i in threadpool_info() if i["user_api"] == "blas"]
except ImportError:
    blas = []
print(json.dumps({{"fractions": fractions, "steps": steps, "blas": blas}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--widths", default="784,256,128,10")
    parser.add_argument("--batches", default="1,32,256", help="comma-separated batch sizes")
    parser.add_argument("--activation", default=None, help="as derive's (default sigmoid)")
    parser.add_argument("--loss", default=None, help="as derive's (default mse)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from derive.codegen.trainer import trainer_source
    from derive.model.network import Network
    from derive.spec.network import parse_spec

    widths = args.widths
    spec = parse_spec(str(len(widths.split(",")) - 1), widths, args.activation, args.loss, True)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trainer.py"
        path.write_text(trainer_source(Network(spec)), encoding="utf-8")
        print(
            f"widths {widths}, {', '.join(a.name for a in spec.activations)}, {spec.loss.name}; "
            f"median of {args.rounds} rounds of "
            f"{args.seconds:g} s each, a fresh process per row\n"
        )
        print("| batch | dtype | steps/s | ÷ GEMM floor | BLAS kernel (threads) |")
        print("|---|---|---|---|---|")
        for batch in (int(b) for b in args.batches.split(",")):
            for dtype in ("float64", "float32"):
                code = _CHILD.format(
                    root=str(ROOT), widths=widths, batch=batch, dtype=dtype,
                    seconds=args.seconds, rounds=args.rounds, path=str(path),
                )  # fmt: skip
                result = subprocess.run(
                    [sys.executable, "-c", code], capture_output=True, text=True, check=True
                )
                data = json.loads(result.stdout)
                blas = ", ".join(
                    f"{name} {kernel or ''} ({threads})".replace("  ", " ")
                    for name, kernel, threads in data["blas"]
                )
                print(
                    f"| {batch} | {dtype} | {statistics.median(data['steps']):.0f} | "
                    f"{statistics.median(data['fractions']):.2f} | {blas or '?'} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
