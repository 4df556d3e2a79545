"""Training steps per second: the generated trainer against a hand-written
NumPy step and PyTorch CPU eager.

One step is what ``train`` does per batch: the gradient of the batch's mean
loss (forward and backward pass) and the in-place update p ← p − η ∂E/∂p.
Each implementation runs in its own fresh process (BENCHMARKING.md: mixing
frameworks' thread pools in one process gives ±100 % spreads); the order
rotates across rounds, and the table reports the median steps/s of the
generated trainer and the median over rounds of each per-round ratio.

    python benchmarks/trainer_speed.py [--rounds 3] [--seconds 1.5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from fresh_process import seconds_in_fresh_process

ROOT = Path(__file__).resolve().parent.parent

CASES = [  # widths, batch, dtype
    ("784,256,128,10", 32, "float64"),
    ("784,256,128,10", 32, "float32"),
    ("784,256,128,10", 256, "float64"),
    ("784,256,128,10", 256, "float32"),
    ("2,3,1", 1, "float64"),
]

_SETUP = r"""
import json, sys, time
import numpy
widths = tuple(int(w) for w in {widths!r}.split(","))
batch, dtype, budget = {batch}, numpy.dtype({dtype!r}), {seconds}
rng = numpy.random.default_rng(0)
X = rng.normal(size=(batch, widths[0])).astype(dtype)
Y = rng.uniform(size=(batch, widths[-1])).astype(dtype)
lr = 0.01
"""

_GENERATED = r"""
import importlib.util
spec = importlib.util.spec_from_file_location("trainer", {path!r})
trainer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(trainer)
params = trainer.init_params(seed=0, dtype=dtype)
buffers = {{key: numpy.empty_like(value) for key, value in params.items()}}

def step():
    trainer._step(params, X, Y, lr, buffers)
"""

_NUMPY = r"""
params = {{}}
for layer in range(1, len(widths)):
    params[f"W{{layer}}"] = rng.uniform(-0.1, 0.1, (widths[layer], widths[layer - 1])).astype(dtype)
    params[f"b{{layer}}"] = numpy.zeros(widths[layer], dtype=dtype)
depth = len(widths) - 1

def sigmoid(z):
    return 1 / (1 + numpy.exp(-z))

def step():
    activations = [X]
    for layer in range(1, depth + 1):
        z = activations[-1] @ params[f"W{{layer}}"].T + params[f"b{{layer}}"]
        activations.append(sigmoid(z))
    out = activations[-1]
    delta = (out - Y) * out * (1 - out)
    scale = 1.0 / batch
    for layer in range(depth, 0, -1):
        below = activations[layer - 1]
        grad_w = (delta.T @ below) * scale
        grad_b = delta.sum(axis=0) * scale
        if layer > 1:
            delta = (delta @ params[f"W{{layer}}"]) * below * (1 - below)
        params[f"W{{layer}}"] -= lr * grad_w
        params[f"b{{layer}}"] -= lr * grad_b
"""

_TORCH = r"""
import torch
tdtype = getattr(torch, {dtype!r})
params = []
for layer in range(1, len(widths)):
    w = torch.empty(widths[layer], widths[layer - 1], dtype=tdtype).uniform_(-0.1, 0.1)
    params += [w.requires_grad_(), torch.zeros(widths[layer], dtype=tdtype, requires_grad=True)]
tX, tY = torch.from_numpy(X), torch.from_numpy(Y)

def step():
    out = tX
    for w, b in zip(params[::2], params[1::2]):
        out = torch.sigmoid(out @ w.T + b)
    (0.5 * ((out - tY) ** 2).sum(dim=1).mean()).backward()
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
"""

_TIME = r"""
for _ in range(20):
    step()
count, start = 0, time.perf_counter()
while time.perf_counter() - start < budget:
    for _ in range(10):
        step()
    count += 10
print(json.dumps(count / (time.perf_counter() - start)))
"""


def generate(widths: str, folder: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from derive.codegen.trainer import trainer_source
    from derive.model.network import Network
    from derive.spec.network import parse_spec

    layers = str(len(widths.split(",")) - 1)
    path = folder / f"trainer_{widths.replace(',', '_')}.py"
    path.write_text(trainer_source(Network(parse_spec(layers, widths))), encoding="utf-8")
    return path


def steps_per_second(kind, widths, batch, dtype, seconds, path) -> float:
    setup = _SETUP.format(widths=widths, batch=batch, dtype=dtype, seconds=seconds)
    body = {"generated": _GENERATED, "numpy": _NUMPY, "torch": _TORCH}[kind]
    code = setup + body.format(dtype=dtype, path=str(path)) + _TIME
    value = seconds_in_fresh_process(code, timeout=120)
    if value is None:
        raise RuntimeError(f"{kind} timed out")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=1.5)
    args = parser.parse_args()
    kinds = ["generated", "numpy", "torch"]
    with tempfile.TemporaryDirectory() as folder:
        paths = {w: generate(w, Path(folder)) for w, _, _ in CASES}
        print(f"median of {args.rounds} rounds, fresh process per run, sigmoid, half-MSE\n")
        columns = ["widths", "batch", "dtype", "generated steps/s"]
        columns += ["÷ hand-written NumPy", "÷ PyTorch eager"]
        print("| " + " | ".join(columns) + " |")
        print("|---|---|---|---|---|---|")
        for widths, batch, dtype in CASES:
            rates = {kind: [] for kind in kinds}
            for round_number in range(args.rounds):
                order = kinds[round_number % 3 :] + kinds[: round_number % 3]
                for kind in order:
                    rates[kind].append(
                        steps_per_second(kind, widths, batch, dtype, args.seconds, paths[widths])
                    )
            ratio = {
                other: statistics.median(
                    g / o for g, o in zip(rates["generated"], rates[other], strict=True)
                )
                for other in ("numpy", "torch")
            }
            print(
                f"| {widths.replace(',', '-')} | {batch} | {dtype} | "
                f"{statistics.median(rates['generated']):,.0f} | {ratio['numpy']:.2f}× | "
                f"{ratio['torch']:.2f}× |",
                flush=True,
            )


if __name__ == "__main__":
    main()
