"""Data sets for the experiments: built-in generators, a user's CSV file, and
the handwritten digits that ship inside scikit-learn.

Every generator is seeded and needs no download.  Inputs are standardised
(zero mean, unit variance per column) so one learning rate suits them all;
targets stay in [0, 1], the range of a sigmoid output and of the book's
squared error.  Anything wrong with a user's file is an
:class:`~derive.support.errors.InputError` naming the file, the row or the column.
"""

from __future__ import annotations

import csv
import io
import math
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from derive.support.errors import InputError, did_you_mean, one_line, quote

MAX_BYTES = 16 * 2**20
"""A CSV file is read whole into memory, so its size is bounded first."""
MAX_ROWS = 100_000
"""Data rows of a CSV file (the header not counted)."""
MAX_COLUMNS = 1024
MAX_VALUES = 1_000_000
"""Rows × columns: the numbers parsed from one file."""
MAX_MAGNITUDE = 1e100
"""Largest |value| in a CSV file: inputs are standardised, which squares them."""


@dataclass(frozen=True)
class Dataset:
    """Inputs X (samples × n_0) and targets Y (samples × n_L), and how they
    were made (the sequential experiment splits them into two regions along
    an input: :func:`derive.experiments.sequential.split`)."""

    name: str
    X: np.ndarray
    Y: np.ndarray
    description: str
    task: str  # "classification" or "regression"

    @property
    def inputs(self) -> int:
        return self.X.shape[1]

    @property
    def outputs(self) -> int:
        return self.Y.shape[1]

    def __len__(self) -> int:
        return self.X.shape[0]

    @property
    def one_hot(self) -> bool:
        """Whether every target row is one class out of two or more: each
        value 0 or 1, one 1 per row (digits); such data get a softmax
        output with ce, and the targets sum to 1 by construction."""
        Y = self.Y
        return bool(Y.shape[1] >= 2 and np.isin(Y, (0.0, 1.0)).all() and (Y.sum(axis=1) == 1).all())


def check_targets(dataset: Dataset, spec) -> None:
    """Targets the loss can use: ce compares the outputs' distribution with
    targets in [0, 1], and under --targets-sum-to-1 every row must sum to 1.
    The first row that does not is named (counted from 1, as the data rows)."""
    if not spec.loss.needs_simplex:
        return
    Y = dataset.Y
    outside = np.flatnonzero(((Y < 0) | (Y > 1)).any(axis=1))
    if outside.size:
        row = int(outside[0])
        raise InputError(
            f"{quote(dataset.name)}: loss {spec.loss.name} needs targets in [0, 1]; row "
            f"{row + 1} has {_shown(Y[row])}"
        )
    if spec.targets_sum_to_one:
        off = np.flatnonzero(np.abs(Y.sum(axis=1) - 1) > 1e-9)
        if off.size:
            row = int(off[0])
            raise InputError(
                f"{quote(dataset.name)}: --targets-sum-to-1, but the targets of row {row + 1} "
                f"sum to {Y[row].sum():.6g}"
            )


def _shown(values: np.ndarray, limit: int = 6) -> str:
    shown = ", ".join(f"{v:g}" for v in values[:limit])
    return shown + (", …" if len(values) > limit else "")


def _standardise(X: np.ndarray) -> np.ndarray:
    spread = X.std(axis=0)
    spread[spread == 0] = 1.0
    return (X - X.mean(axis=0)) / spread


def xor(samples: int, seed: int) -> Dataset:
    """Four noisy clusters at (±1, ±1); the label is 1 where the signs differ."""
    rng = np.random.default_rng(seed)
    corners = rng.integers(0, 2, size=(samples, 2))
    X = (2 * corners - 1) + rng.normal(0, 0.25, size=(samples, 2))
    Y = (corners[:, 0] != corners[:, 1]).astype(float)[:, None]
    return Dataset(
        "xor", _standardise(X), Y, f"XOR, {samples} points, noise 0.25", "classification"
    )


def moons(samples: int, seed: int) -> Dataset:
    """Two interleaving half circles (as scikit-learn's make_moons), noise 0.2."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=samples)
    angle = rng.uniform(0, math.pi, size=samples)
    X = np.where(
        labels[:, None] == 0,
        np.column_stack([np.cos(angle), np.sin(angle)]),
        np.column_stack([1 - np.cos(angle), 0.5 - np.sin(angle)]),
    )
    X = X + rng.normal(0, 0.2, size=X.shape)
    Y = labels.astype(float)[:, None]
    return Dataset(
        "moons", _standardise(X), Y, f"two moons, {samples} points, noise 0.2", "classification"
    )


def circles(samples: int, seed: int) -> Dataset:
    """A disc inside a ring (radii 0.5 and 1), noise 0.1; label 1 inside."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=samples)
    angle = rng.uniform(0, 2 * math.pi, size=samples)
    radius = np.where(labels == 1, 0.5, 1.0)
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    X = X + rng.normal(0, 0.1, size=X.shape)
    Y = labels.astype(float)[:, None]
    return Dataset(
        "circles", _standardise(X), Y, f"concentric circles, {samples} points", "classification"
    )


def sine(samples: int, seed: int) -> Dataset:
    """y = 0.5 + 0.4 sin(2πx) + noise (σ = 0.05) for x uniform in [0, 1]:
    a regression inside a sigmoid's range."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, size=samples)
    y = 0.5 + 0.4 * np.sin(2 * math.pi * x) + rng.normal(0, 0.05, size=samples)
    return Dataset(
        "sine",
        _standardise(x[:, None]),
        np.clip(y, 0, 1)[:, None],
        f"noisy sine, {samples} points",
        "regression",
    )


def digits(samples: int | None, seed: int) -> Dataset:
    """The 8×8 handwritten digits bundled with scikit-learn (1797 images, no
    download); pixels scaled to [0, 1], labels one-hot over 10 outputs."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise InputError(
            "--data digits needs scikit-learn: pip install 'derive[experiments]'"
        ) from None
    bunch = load_digits()
    X = bunch.data / 16.0
    Y = np.eye(10)[bunch.target]
    if samples is not None and samples < len(X):
        chosen = np.random.default_rng(seed).choice(len(X), size=samples, replace=False)
        X, Y = X[chosen], Y[chosen]
    return Dataset("digits", X, Y, f"scikit-learn's 8x8 digits, {len(X)} images", "classification")


GENERATORS = {"xor": xor, "moons": moons, "circles": circles, "sine": sine}
DEFAULT_SAMPLES = 200


def load(name: str, target: str | None = None, samples: int | None = None, seed: int = 0):
    """A built-in data set by name, ``digits``, or a CSV file with ``target``."""
    if name in GENERATORS:
        if target is not None:
            raise InputError(f"--target is for a CSV file, not the built-in {quote(name)}")
        return GENERATORS[name](samples or DEFAULT_SAMPLES, seed)
    if name == "digits":
        return digits(samples, seed)
    if name.lower().endswith(".csv") or Path(name).exists():
        return from_csv(Path(name), target)
    known = ", ".join([*GENERATORS, "digits"])
    raise InputError(
        f"unknown data set {quote(name)}{did_you_mean(name, [*GENERATORS, 'digits'])} "
        f"(built in: {known}; or a file.csv)"
    )


def from_csv(path: Path, target: str | None) -> Dataset:
    """Numeric columns with a header row; ``target`` (a name or a 1-based
    number) is the output, every other column an input.  Targets outside
    [0, 1] are scaled into it (min–max), and the description says so."""
    name = quote(path)
    if target is None:
        raise InputError(f"{name}: say which column is the target with --target COL")
    try:
        text = read_bounded(path).decode("utf-8-sig")  # Excel writes a BOM
        rows = list(_rows(csv.reader(io.StringIO(text, newline="")), name))
    except UnicodeDecodeError as error:
        raise InputError(f"{name}: not UTF-8 text (byte {error.start + 1})") from None
    except csv.Error as error:
        raise InputError(f"{name}: not a CSV file ({one_line(str(error))})") from None
    if len(rows) < 2:
        raise InputError(f"{name}: needs a header row and at least one data row")
    header, body = rows[0], rows[1:]
    if len(header) * len(body) > MAX_VALUES:
        raise InputError(
            f"{name}: {len(body):,} rows of {len(header)} columns is more than "
            f"{MAX_VALUES:,} values"
        )
    repeated = sorted({column for column in header if header.count(column) > 1})
    if repeated:
        raise InputError(f"{name}: the header names column {quote(repeated[0])} more than once")
    column = _column(header, target, name)
    values = np.empty((len(body), len(header)))
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise InputError(
                f"{name}: row {number} has {len(row)} fields, the header {len(header)}"
            )
        for index, field in enumerate(row):
            try:
                value = float(field)
            except ValueError:
                raise InputError(
                    f"{name}: row {number}, column {quote(header[index])} is not a number: "
                    f"{quote(field, 20)}"
                ) from None
            if not math.isfinite(value):
                raise InputError(
                    f"{name}: row {number}, column {quote(header[index])} is {quote(field, 20)}"
                )
            if abs(value) > MAX_MAGNITUDE:
                raise InputError(
                    f"{name}: row {number}, column {quote(header[index])} is {quote(field, 20)}, "
                    f"beyond ±{MAX_MAGNITUDE:g} (its square, which standardising takes, "
                    f"would overflow)"
                )
            values[number - 2, index] = value
    Y = values[:, [column]]
    X = np.delete(values, column, axis=1)
    if X.shape[1] == 0:
        raise InputError(f"{name}: the target is the only column; there are no inputs")
    note = ""
    low, high = Y.min(), Y.max()
    if high == low:
        raise InputError(
            f"{name}: the target {quote(header[column])} is constant; nothing to learn"
        )
    if low < 0 or high > 1:
        Y = (Y - low) / (high - low)
        note = f", target scaled from [{low:g}, {high:g}] to [0, 1]"
    task = "classification" if set(np.unique(Y)) <= {0.0, 1.0} else "regression"
    shown = one_line(path.name)
    return Dataset(
        shown,
        _standardise(X),
        Y,
        f"{shown}, {len(Y)} rows, target {quote(header[column], 40)}{note}",
        task,
    )


def read_bounded(path: Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    A FIFO, a device (``/dev/zero``), a socket or a folder is refused before
    anything is read; it is opened without blocking (a FIFO with no writer
    would otherwise wait forever) and checked again on the open descriptor,
    in case the name changed in between.  At most ``limit + 1`` bytes are
    read, so a file that grows while it is read costs no more memory."""
    name = quote(path)
    _require_regular(_attempt(os.stat, path, name), name, limit)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)
    descriptor = _attempt(os.open, path, name, flags)
    try:
        _require_regular(os.fstat(descriptor), name, limit)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(descriptor, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        raise InputError(f"{name}: cannot be read ({_reason(error)})") from None
    finally:
        os.close(descriptor)
    if size > limit:
        raise InputError(f"{name}: larger than {_size(limit)}")
    return b"".join(chunks)


def _attempt(call, path: Path, name: str, *args):
    """``call(path, *args)``, its failure an InputError naming the file."""
    try:
        return call(path, *args)
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except (OSError, ValueError) as error:  # ValueError: a NUL byte in the name
        raise InputError(f"{name}: cannot be read ({_reason(error)})") from None


def _require_regular(status: os.stat_result, name: str, limit: int) -> None:
    mode = status.st_mode
    if not stat.S_ISREG(mode):
        kind = (
            "a folder"
            if stat.S_ISDIR(mode)
            else "a pipe"
            if stat.S_ISFIFO(mode)
            else "a device"
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "not a regular file"
        )
        raise InputError(f"{name}: {kind}, not a file (give a CSV file)")
    if status.st_size > limit:
        raise InputError(f"{name}: {_size(status.st_size)}, larger than {_size(limit)}")


def _reason(error: Exception) -> str:
    return one_line(str(getattr(error, "strerror", None) or error))


def _size(count: int) -> str:
    return f"{count / 2**20:.1f} MiB" if count >= 2**20 else f"{count:,} bytes"


def _rows(reader, name: str):
    for number, row in enumerate(reader, start=1):
        if number > MAX_ROWS + 1:
            raise InputError(f"{name}: more than {MAX_ROWS:,} data rows")
        if len(row) > MAX_COLUMNS:
            raise InputError(f"{name}: more than {MAX_COLUMNS:,} columns")
        if row:
            yield [field.strip() for field in row]


def _column(header: list[str], target: str, name: str) -> int:
    if target in header:
        return header.index(target)
    if target.isdigit() and len(target) < 8:
        if 1 <= int(target) <= len(header):
            return int(target) - 1
        raise InputError(f"{name}: --target {target}: columns are numbered 1..{len(header)}")
    columns = ", ".join(quote(h, 20) for h in header[:20])
    raise InputError(f"{name}: no column {quote(target)} (columns: {columns})")
