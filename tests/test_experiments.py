"""``derive experiment``: the measured numbers are the plotted ones, the
written ones and the ones a fresh run of the generated trainer gives."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from derive.cli import main
from derive.experiments import batch_size, data, figures, results, sequential
from derive.experiments.trainer import verified_trainer
from derive.latex import pdf
from derive.spec.network import parse_spec
from derive.support.errors import InputError
from derive.support.progress import Progress

REQUIRED = os.environ.get("DERIVE_REQUIRE_LATEX") == "1" or bool(os.environ.get("CI"))
TINY = ["--samples", "40", "--epochs", "25", "--seconds", "0", "--seed", "3"]
"""Small, and with no time budget: the same numbers on any machine."""


def _csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def experiments(tmp_path_factory):
    """Both experiments, tiny, into one folder, through the command line."""
    out = tmp_path_factory.mktemp("experiments")
    for kind in ("batch-size", "sequential"):
        assert main(["experiment", kind, *TINY, "--out", str(out)]) == 0
    return out


# -- data -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(data.GENERATORS))
def test_generators_are_seeded_and_standardised(name):
    first, again, other = data.load(name, seed=1), data.load(name, seed=1), data.load(name, seed=2)
    assert np.array_equal(first.X, again.X) and np.array_equal(first.Y, again.Y)
    assert not np.array_equal(first.X, other.X)
    assert first.X.shape == (data.DEFAULT_SAMPLES, first.inputs)
    assert np.allclose(first.X.mean(axis=0), 0) and np.allclose(first.X.std(axis=0), 1)
    assert first.Y.min() >= 0 and first.Y.max() <= 1


def test_the_classes_are_separable_the_way_the_names_say():
    xor = data.load("xor", seed=0)
    raw_sign = np.sign(xor.X[:, 0] * xor.X[:, 1])  # standardising keeps the quadrants
    assert np.mean((raw_sign < 0) == (xor.Y[:, 0] == 1)) > 0.9
    circles = data.load("circles", seed=0)
    radius = np.hypot(circles.X[:, 0], circles.X[:, 1])
    assert radius[circles.Y[:, 0] == 1].mean() < radius[circles.Y[:, 0] == 0].mean()


def test_digits_ship_with_scikit_learn():
    pytest.importorskip("sklearn") if not REQUIRED else None
    digits = data.load("digits", samples=100, seed=0)
    assert digits.X.shape == (100, 64) and digits.Y.shape == (100, 10)
    assert np.all(digits.Y.sum(axis=1) == 1)


def test_a_csv_file(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b,label\n1,2,0\n2,3,1\n3,5,1\n4,4,0\n")
    loaded = data.load(str(path), target="label")
    assert loaded.X.shape == (4, 2) and loaded.Y[:, 0].tolist() == [0, 1, 1, 0]
    by_number = data.load(str(path), target="3")
    assert np.array_equal(by_number.Y, loaded.Y)
    scaled = data.load(str(path), target="b")
    assert scaled.Y.min() == 0 and scaled.Y.max() == 1 and "scaled" in scaled.description


def test_a_misspelt_data_set_is_named():
    with pytest.raises(InputError, match="unknown data set 'mons'; did you mean 'moons'?"):
        data.load("mons")
    with pytest.raises(InputError, match=r"unknown data set 'zzz' \(built in:"):
        data.load("zzz")


@pytest.mark.parametrize(
    "content, target, message",
    [
        (None, "y", "no such file"),
        ("a,y\n1,2\nx,3\n", "y", "row 3, column 'a' is not a number"),
        ("a,y\n1,nan\n2,3\n", "y", "is 'nan'"),
        ("a,y\n1,2\n2,3\n", "z", "no column 'z'"),
        ("a,y\n1,2\n2\n", "y", "row 3 has 1 fields"),
        ("a,y\n1,2\n2,2\n", "y", "constant"),
        ("a,y\n1,1\n2,1\n", "y", "constant"),
        ("a,a,y\n1,2,0\n2,3,1\n", "y", "more than once"),
        ("y\n1\n2\n", "y", "no inputs"),
        ("a,y\n", "y", "at least one data row"),
        ("a,y\n1,0\n", None, "--target"),
        ("a,y\n1,0\n2,1\n", "3", "columns are numbered 1..2"),
    ],
)
def test_bad_data_is_one_clear_error(tmp_path, content, target, message):
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputError, match=message):
        data.load(str(path), target=target)


def _refused(args, capsys, out):
    """``derive experiment batch-size ARGS``: exit 2, one printable line, nothing written."""
    assert main(["experiment", "batch-size", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.rstrip("\n").split("\n")) == 1 and err.strip().isprintable(), err
    assert not out.exists()
    return err


def test_streams_devices_and_folders_are_refused_before_reading(tmp_path, capsys):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)  # no writer: opening it for reading the usual way blocks forever
    for path, kind in (("/dev/zero", "a device"), (tmp_path, "a folder"), (fifo, "a pipe")):
        done = []
        args = ["--data", str(path), "--target", "y"]
        worker = threading.Thread(
            target=lambda args=args, done=done: done.append(
                _refused(args, capsys, tmp_path / "out")
            ),
            daemon=True,
        )
        worker.start()
        worker.join(timeout=60)
        assert done and kind in done[0], (path, done)


def test_a_file_over_the_size_limit_is_refused_by_its_size(tmp_path, capsys):
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:
        handle.truncate(data.MAX_BYTES + 1)  # sparse: nothing is written, nothing read
    err = _refused(["--data", str(path), "--target", "y"], capsys, tmp_path / "out")
    assert "larger than 16.0 MiB" in err


def test_at_most_the_limit_is_read_from_a_file_whose_size_is_not_known():
    status = Path("/proc/self/status")  # a regular file that says its size is 0
    if not status.exists():
        pytest.skip("needs Linux's /proc")
    assert os.stat(status).st_size == 0
    assert data.read_bounded(status, limit=10**6).startswith(b"Name:")
    with pytest.raises(InputError, match="larger than 100 bytes"):
        data.read_bounded(status, limit=100)


@pytest.mark.parametrize(
    "header, rows, message",
    [
        ("a,y", ["1,0", "2,1"] * (data.MAX_ROWS // 2) + ["3,0"], "more than 100,000 data rows"),
        (",".join(f"c{i}" for i in range(data.MAX_COLUMNS + 1)), [], "more than 1,024 columns"),
        (",".join(f"c{i}" for i in range(1000)), [",".join(["1"] * 1000)] * 1001, "1,000,000"),
    ],
    ids=["rows", "columns", "values"],
)
def test_rows_columns_and_values_are_limited(tmp_path, capsys, header, rows, message):
    path = tmp_path / "data.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    assert message in _refused(["--data", str(path), "--target", "1"], capsys, tmp_path / "out")


def test_a_value_whose_square_overflows_is_refused(tmp_path, capsys):
    """Found by review: a column of ±1e300 standardised to zeros, silently,
    with NumPy's overflow warning on stderr."""
    path = tmp_path / "huge.csv"
    path.write_text("x,t\n1e300,0\n-1e300,1\n2,0\n")
    err = _refused(["--data", str(path), "--target", "t"], capsys, tmp_path / "out")
    assert "row 2, column 'x' is '1e300', beyond ±1e+100" in err
    assert "RuntimeWarning" not in err


def test_names_from_the_file_are_shown_escaped(tmp_path, capsys):
    odd = tmp_path / "x\n\x1b[2J.csv"
    odd.write_text('a,"b\n\x1b[31mc",y\n1,2,0\n2,x,1\n')
    err = _refused(["--data", str(odd), "--target", "y"], capsys, tmp_path / "out")
    assert "x\\n\\x1b[2J.csv" in err and "column 'b\\n\\x1b[31mc' is not a number" in err
    err = _refused(["--data", str(odd), "--target", "z"], capsys, tmp_path / "out")
    assert "(columns: 'a', 'b\\n\\x1b[31mc', 'y')" in err


def test_a_csv_written_by_excel_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("a,b,t\n1,2,0\n2,1,1\n".encode("utf-8-sig"))
    assert data.load(str(path), target="a").Y[:, 0].tolist() == [0, 1]


def test_a_relu_network_with_one_output_trains(tmp_path, capsys):
    """Its output rule is proved at the single unit (it once failed there)."""
    args = ["experiment", "batch-size", "--activation", "relu", *TINY, "--out", str(tmp_path)]
    assert main(args) == 0, capsys.readouterr().err
    assert (tmp_path / "batch-size.csv").exists()


def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    for args in (
        ["--data", "nope"],
        ["--widths", "3,4,1"],  # moons has 2 inputs
        ["--lr", "-1"],
        ["--epochs", "0"],
        ["--seconds", "0.001"],  # 0 is no budget; a budget is at least 0.01 s
        ["--batch-sizes", "0,5"],
        ["--data", str(tmp_path / "missing.csv"), "--target", "y"],
        ["--batch-size", "5"],  # the sequential experiment's option
    ):
        assert main(["experiment", "batch-size", *args, "--out", str(out)]) == 2, args
        assert len(capsys.readouterr().err.strip().splitlines()) == 1
    for args in (["--batch-sizes", "1,5"], ["--data", "x.csv", "--target", "y", "--samples", "9"]):
        assert main(["experiment", "sequential", *args, "--out", str(out)]) == 2, args
        assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not out.exists()


# -- the numbers ----------------------------------------------------------------


def test_the_csv_holds_what_a_fresh_run_of_the_generated_trainer_gives(experiments):
    """Re-run the trainer from the same seed, batch size by batch size: the
    losses per epoch are the CSV's, to the last bit."""
    meta = json.loads((experiments / "batch-size.json").read_text())
    setup = meta["setup"]
    dataset = data.load("moons", samples=setup["samples"], seed=setup["seed"])
    trainer = verified_trainer(parse_spec("2", ",".join(map(str, setup["widths"]))))
    rows = _csv(experiments / "batch-size.csv")
    for size in setup["batch_sizes"]:
        params = trainer.init_params(seed=setup["seed"])
        fresh = trainer.train(
            params,
            dataset.X,
            dataset.Y,
            lr=setup["lr"],
            epochs=setup["epochs"],
            batch_size=size,
            tol=setup["tol"],
            seed=setup["seed"],
        )
        recorded = [float(r["loss"]) for r in rows if int(r["batch_size"]) == size]
        assert recorded == fresh["loss"]
        assert [int(r["samples"]) for r in rows if int(r["batch_size"]) == size] == [
            e * setup["samples"] for e in range(len(fresh["loss"]))
        ]


def test_the_sequential_csv_is_training_on_a_then_on_b(experiments):
    meta = json.loads((experiments / "sequential.json").read_text())
    setup = meta["setup"]
    dataset = data.load("moons", samples=setup["samples"], seed=setup["seed"])
    trainer = verified_trainer(parse_spec("2", ",".join(map(str, setup["widths"]))))
    rows = _csv(experiments / "sequential.csv")
    for how, facts in meta["splits"].items():
        in_a, in_b = sequential.split(dataset, how, setup["seed"])
        params = trainer.init_params(seed=setup["seed"])
        options = dict(
            lr=setup["lr"],
            epochs=setup["epochs"],
            batch_size=setup["batch_size"],
            tol=setup["tol"],
            seed=setup["seed"],
        )
        trainer.train(params, dataset.X[in_a], dataset.Y[in_a], **options)
        mine = [r for r in rows if r["split"] == how and r["schedule"] == "A then B"]
        at_switch = next(r for r in mine if int(r["epoch"]) == facts["switch_epoch"])
        assert float(at_switch["loss_A"]) == trainer.loss(params, dataset.X[in_a], dataset.Y[in_a])
        trainer.train(params, dataset.X[in_b], dataset.Y[in_b], **options)
        assert float(mine[-1]["loss_B"]) == trainer.loss(params, dataset.X[in_b], dataset.Y[in_b])
        assert float(mine[-1]["loss_A"]) == trainer.loss(params, dataset.X[in_a], dataset.Y[in_a])


def test_no_time_budget_stops_nothing_and_says_so(experiments):
    """--seconds 0 is no time budget: every run ends by ‖g‖ < ε or its epochs."""
    for name in ("batch-size", "sequential"):
        meta = json.loads((experiments / f"{name}.json").read_text())
        assert meta["setup"]["seconds"] == 0 and meta["time_budget_stops"] == []
    batch = json.loads((experiments / "batch-size.json").read_text())
    rows = _csv(experiments / "batch-size.csv")
    for run, reason in batch["stopped"].items():
        last = [int(r["epoch"]) for r in rows if r["run"] == run][-1]
        assert (reason, last) == ("epoch budget", 25) or reason == "‖g‖ < ε"
    found, _ = results.load(experiments)
    assert "time budget" not in found["sequential"]["answer"]


def test_the_joint_baseline_gets_the_epochs_both_phases_took(experiments):
    meta = json.loads((experiments / "sequential.json").read_text())
    rows = _csv(experiments / "sequential.csv")
    for how, facts in meta["splits"].items():
        both = [int(r["epoch"]) for r in rows if (r["split"], r["schedule"]) == (how, "A then B")]
        joint = [
            int(r["epoch"]) for r in rows if (r["split"], r["schedule"]) == (how, "A ∪ B shuffled")
        ]
        assert facts["joint_epoch_budget"] == both[-1]
        assert joint[-1] <= both[-1]
        if facts["joint_stopped"] == "epoch budget":
            assert joint[-1] == both[-1]


def test_a_run_the_time_budget_stops_is_named_with_its_epoch_everywhere(tmp_path, capsys):
    """A budget of 0.01 s cannot train a million epochs on any machine: every
    phase is stopped by it (the A ∪ B baseline, with twice the time for the
    epochs both phases took, may finish them), and the table, the JSON, the
    summary sentence and the write-up name each run it stopped and the epoch
    the CSV says that run reached."""
    budget = ["--samples", "40", "--epochs", "1000000", "--seconds", "0.01", "--seed", "3"]
    out = tmp_path / "out"
    assert main(["experiment", "sequential", *budget, "--out", str(out)]) == 0
    table = capsys.readouterr().out
    meta = json.loads((out / "sequential.json").read_text())
    rows = _csv(out / "sequential.csv")
    stops = meta["time_budget_stops"]
    for how, name in sequential.SPLIT_NAMES.items():
        facts = meta["splits"][how]
        mine = {
            schedule: [
                int(r["epoch"]) for r in rows if (r["split"], r["schedule"]) == (how, schedule)
            ]
            for schedule in ("A then B", "A ∪ B shuffled")
        }
        switch, end, joint = facts["switch_epoch"], mine["A then B"][-1], mine["A ∪ B shuffled"][-1]
        expected = {
            f"phase A ({name})": (switch, 1000000),
            f"phase B ({name})": (end - switch, 1000000),
        }
        if facts["joint_stopped"] == "time budget":
            expected[f"the A ∪ B baseline ({name})"] = (joint, end)
        else:
            assert (facts["joint_stopped"], joint) == ("epoch budget", end)
        for run, (epoch, of) in expected.items():
            assert {"run": run, "epoch": epoch, "of": of} in stops
            assert f"{run} at epoch {epoch:,} of {of:,}" in table  # the summary sentence
        line = next(line for line in table.splitlines() if line.startswith(name))
        assert line.count("time budget at epoch") == len(expected)  # the table
    assert len(stops) >= 4
    assert main(["--layers", "2", "--widths", "2,8,1", "--out", str(out)]) == 0
    capsys.readouterr()
    tex = (out / "derivation.tex").read_text()
    assert "A ∪ B" not in tex  # the write-up sets it as mathematics
    assert tex.count("time budget at epoch") == len(stops)  # how the runs stopped
    for stop in stops:  # there, and in the answer
        assert tex.count(f"at epoch {stop['epoch']:,} of {stop['of']:,}") >= 2
    assert "--seconds 0" in tex or "{-}{-}seconds 0" in tex


def test_a_batch_size_run_the_time_budget_stops_is_named_with_its_epoch(tmp_path, capsys):
    budget = ["--samples", "40", "--epochs", "1000000", "--seconds", "0.01", "--seed", "3"]
    out = tmp_path / "out"
    args = ["experiment", "batch-size", *budget, "--batch-sizes", "1,full", "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    meta = json.loads((out / "batch-size.json").read_text())
    rows = _csv(out / "batch-size.csv")
    assert meta["stopped"] == {
        "stochastic (batch 1)": "time budget",
        "full batch (40)": "time budget",
    }
    for run in meta["stopped"]:
        epoch = [int(r["epoch"]) for r in rows if r["run"] == run][-1]
        assert {"run": run, "epoch": epoch, "of": 1000000} in meta["time_budget_stops"]
        assert f"{run} at epoch {epoch:,} of 1,000,000" in printed  # the summary sentence
        assert f"time budget at epoch {epoch:,} of 1,000,000" in printed  # the table


def test_the_figure_plots_the_measured_rows():
    dataset = data.load("xor", samples=30, seed=0)
    spec = parse_spec("2", "2,3,1")
    trainer = verified_trainer(spec)
    setup = batch_size.Setup(dataset, spec, 0.5, 10, 1e-4, 10.0, 0, (1, 5, 30))
    runs = batch_size.run(setup, trainer)
    written = list(
        csv.DictReader(
            io.StringIO(
                results.csv_text(
                    batch_size.CSV_FIELDS, batch_size.csv_rows(setup.batch_sizes, runs)
                )
            )
        )
    )
    figure = figures.batch_size(runs, "test")
    for axis, (key, _) in zip(figure.axes, figures.AXES, strict=True):
        for line, size in zip(axis.get_lines(), setup.batch_sizes, strict=True):
            mine = [r for r in written if int(r["batch_size"]) == size]
            assert list(line.get_xdata()) == [float(r[key]) for r in mine]
            assert list(line.get_ydata()) == [float(r["loss"]) for r in mine]
    png, document = figures.encode(figure)
    assert png.startswith(b"\x89PNG") and document.startswith(b"%PDF")


def test_the_summary_is_recomputed_from_the_csv(experiments):
    found, problems = results.load(experiments)
    assert problems == []
    summary = found["batch-size"]["summary"]
    rows = _csv(experiments / "batch-size.csv")
    for run in summary["runs"]:
        mine = [r for r in rows if r["run"] == run["run"]]
        assert run["final_loss"] == float(mine[-1]["loss"])
        assert run["epochs"] == int(mine[-1]["epoch"])
        assert min(float(r["loss"]) for r in mine) <= summary["target_loss"]


def test_a_damaged_result_is_reported_not_used(tmp_path):
    shutil.copy(Path(__file__), tmp_path / "irrelevant.py")
    (tmp_path / "batch-size.json").write_text("{not json")
    (tmp_path / "batch-size.csv").write_text("run\n")
    found, problems = results.load(tmp_path)
    assert found == {} and len(problems) == 1


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda setup: setup.update(lr="x"), "setup.lr is missing or not a number"),
        (lambda setup: setup.pop("dataset"), "setup.dataset is missing or not a text"),
        (lambda setup: setup.update(epochs="many"), "setup.epochs"),
        (lambda setup: setup.update(widths=[2, 0, 1]), "setup.widths"),
        (lambda setup: setup.update(bias=1), "setup.bias"),
    ],
)
def test_a_hand_edited_setup_is_a_note_not_a_crash(experiments, tmp_path, capsys, edit, message):
    for name in ("batch-size.json", "batch-size.csv"):
        shutil.copy(experiments / name, tmp_path / name)
    meta = json.loads((tmp_path / "batch-size.json").read_text())
    edit(meta["setup"])
    (tmp_path / "batch-size.json").write_text(json.dumps(meta))
    assert main(["--layers", "2", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "batch-size.csv/.json" in out and message in out and "not used" in out
    assert "Experiments" not in (tmp_path / "derivation.tex").read_text()


# -- the write-up ---------------------------------------------------------------


def test_the_write_up_answers_both_questions_from_the_csv(experiments, capsys):
    assert main(["--layers", "2", "--out", str(experiments)]) == 0
    capsys.readouterr()
    tex = (experiments / "derivation.tex").read_text()
    assert r"\section{Experiments: the note's two open questions}" in tex
    assert r"\includegraphics[width=\textwidth]{batch-size.pdf}" in tex
    assert r"\includegraphics[width=\textwidth]{sequential.pdf}" in tex
    rows = _csv(experiments / "batch-size.csv")
    final = [r for r in rows if r["run"] == "stochastic (batch 1)"][-1]
    assert f"{float(final['loss']):.4g}" in tex
    assert tex.count("What the measurements say.") == 2


def _latex_rows(tex: str, after: str) -> list[list[str]]:
    """The cells of the first table after ``after`` in derivation.tex."""
    body = tex[tex.index(after) :]
    body = body[body.index(r"\midrule") + len(r"\midrule") : body.index(r"\bottomrule")]
    return [line.removesuffix(r" \\").split(" & ") for line in body.strip().splitlines()]


def _terminal_rows(printed: str, first: str, count: int) -> list[list[str]]:
    """The cells of the ``count`` rows after the header that starts with ``first``."""
    lines = printed.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(first)) + 1
    return [re.split(r"  +", line.strip()) for line in lines[start : start + count]]


def test_the_terminal_and_the_write_up_show_the_same_cells(tmp_path, capsys):
    """One function makes each table's cells: the write-up's rows are the
    terminal's, cell for cell, less the columns it leaves out (samples seen;
    the peak and the stops, which it puts in a sentence), with the counts
    grouped by thousands in both (1,200 updates per epoch at batch size 1)."""
    small = ["--samples", "1200", "--epochs", "2", "--seconds", "0", "--seed", "3"]
    out = tmp_path / "out"
    assert (
        main(["experiment", "batch-size", *small, "--batch-sizes", "1,full", "--out", str(out)])
        == 0
    )
    assert main(["experiment", "sequential", *small, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert main(["--layers", "2", "--widths", "2,8,1", "--out", str(out)]) == 0
    capsys.readouterr()
    tex = (out / "derivation.tex").read_text()
    batch = _terminal_rows(printed, "run ", 2)
    assert batch[0][1] == "1,200"
    assert _latex_rows(tex, r"\subsection{Per-sample") == [r[:4] + r[5:] for r in batch]
    splits = _terminal_rows(printed, "A and B from", 2)
    expected = [[r[0], r[1], r[2].split(" (")[0], *r[3:6]] for r in splits]
    assert _latex_rows(tex, r"\subsection{Does training") == expected


def test_the_write_up_with_experiments_compiles(experiments, tmp_path, capsys):
    if shutil.which("pdflatex") is None:
        if REQUIRED:
            pytest.fail("pdflatex is required (CI or DERIVE_REQUIRE_LATEX=1)")
        pytest.skip("pdflatex not installed")
    out = tmp_path / "out"
    shutil.copytree(experiments, out)
    assert main(["--layers", "2", "--out", str(out), "--pdf"]) == 0
    capsys.readouterr()
    assert (out / "derivation.pdf").read_bytes().startswith(b"%PDF")
    tex = (out / "derivation.tex").read_text()
    assets = {name: (out / name).read_bytes() for name in ("batch-size.pdf", "sequential.pdf")}
    compiled = pdf.compile_tex(tex, pdf.find_engine(), assets=assets)
    assert pdf.first_error(compiled.log) is None
    assert pdf.overfull_boxes(compiled.log) == []


def test_without_results_there_is_no_experiments_section(tmp_path, capsys):
    assert main(["--layers", "1", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    assert "Experiments" not in (tmp_path / "derivation.tex").read_text()


# -- progress ---------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_training_shows_a_progress_bar_on_a_terminal():
    stream = Terminal()
    progress = Progress(stream, delay=0.0, verb="training")
    dataset = data.load("xor", samples=20, seed=0)
    spec = parse_spec("2", "2,2,1")
    setup = batch_size.Setup(dataset, spec, 0.5, 5, 0.0, 10.0, 0, (1, 20))
    batch_size.run(setup, verified_trainer(spec), progress)
    progress.close()
    assert "training stochastic (batch 1) [" in stream.getvalue()


def test_a_diverging_run_is_reported_without_numpy_warnings(tmp_path, capsys):
    """Found by review: exp(x) on the digits diverged, and NumPy's overflow
    warnings reached stderr around the table that says "diverged"."""
    import warnings

    argv = ["experiment", "batch-size", "--data", "xor", "--activation", "exp(x)", "--lr", "50"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main([*argv, *TINY, "--out", str(tmp_path / "out")]) == 0
    assert "diverged" in capsys.readouterr().out
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]


def test_the_regions_split_halves_the_data_even_where_the_first_input_is_constant():
    """The digits' first pixel is 0 in every image: a split at its median left
    B empty, and the sequential experiment crashed."""
    from derive.experiments.data import Dataset
    from derive.experiments.sequential import split

    rng = np.random.default_rng(0)
    X = np.column_stack([np.zeros(9), rng.normal(size=9), rng.normal(size=9)])
    data = Dataset("flat", X, np.zeros((9, 1)), "constant first column", "regression")
    in_a, in_b = split(data, "regions", 0)
    assert in_a.sum() == 4 and in_b.sum() == 5
    assert X[in_a, 1].max() < X[in_b, 1].min()  # two regions along the input that varies


def test_ce_on_one_output_names_the_loss_not_softmax(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["experiment", "batch-size", "--loss", "ce", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "loss ce compares a distribution over two or more classes" in err
    assert "use --loss bce" in err and "\n" not in err
    assert not out.exists()


def test_ce_targets_outside_the_unit_interval_are_refused_naming_the_row():
    from derive.experiments.data import Dataset, check_targets

    X = np.zeros((3, 2))
    Y = np.array([[1.0, 0.0], [0.2, 0.8], [1.5, 0.0]])
    spec = parse_spec(None, "2,3,2", "tanh,softmax", "ce")
    with pytest.raises(InputError, match=r"needs targets in \[0, 1\]; row 3 has 1\.5, 0"):
        check_targets(Dataset("soft", X, Y, "soft", "classification"), spec)
    declared = parse_spec(None, "2,3,2", "tanh,softmax", "ce", targets_sum_to_one=True)
    Y = np.array([[1.0, 0.0], [0.2, 0.7], [0.5, 0.5]])
    with pytest.raises(InputError, match="targets of row 2 sum to 0.9"):
        check_targets(Dataset("soft", X, Y, "soft", "classification"), declared)
    check_targets(Dataset("soft", X, np.eye(2)[[0, 1, 1]], "one-hot", "classification"), declared)


def test_one_hot_data_get_a_softmax_output_with_ce_by_default():
    from argparse import Namespace

    from derive.experiments.command import network
    from derive.experiments.data import Dataset

    X, Y = np.zeros((4, 3)), np.eye(3)[[0, 1, 2, 1]]
    data_set = Dataset("classes", X, Y, "three classes", "classification")
    given = dict(layers=None, widths=None, bias=True, targets_sum_to_one=False)
    spec = network(Namespace(activation=None, loss=None, **given), data_set)
    assert [a.name for a in spec.activations] == ["sigmoid", "softmax"]
    assert spec.loss.name == "ce" and spec.targets_sum_to_one
    spec = network(Namespace(activation=None, loss="mse", **given), data_set)
    assert spec.loss.name == "mse" and not spec.normalised_output


def test_the_digits_train_a_softmax_output_in_both_experiments(tmp_path):
    for kind in ("batch-size", "sequential"):
        out = tmp_path / kind
        argv = ["experiment", kind, "--data", "digits", "--samples", "60", "--epochs", "3"]
        assert main([*argv, "--seconds", "0", "--out", str(out)]) == 0
        setup = json.loads((out / f"{kind}.json").read_text())["setup"]
        assert setup["activation"] == ["sigmoid", "softmax"] and setup["loss"] == "ce"
        assert setup["targets_sum_to_one"] is True
