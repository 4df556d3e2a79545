"""The experiments' figures, drawn from the measured rows only.

Matplotlib is an optional extra (``pip install 'derive[experiments]'``); the
figures are drawn on a bare :class:`~matplotlib.figure.Figure` with the Agg
canvas, so no display and no global pyplot state are involved.  Each function
returns the Figure (tests read the plotted data back from it) and
:func:`encode` turns it into PNG and PDF bytes.
"""

from __future__ import annotations

import io

from derive.support.errors import InputError


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _figure(width: float, height: float):
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise InputError("figures need matplotlib: pip install 'derive[experiments]'") from None
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


PAGE_SIZE = (8.0, 3.0)
"""Inches: the write-up prints figures at the text width (6.3 in), so a
figure 8 in wide keeps matplotlib's 10 pt labels at about 8 pt on the page
(a 12 in figure shrank them to 5 pt)."""

AXES = (
    ("epoch", "epochs (passes over the data)"),
    ("samples", "gradient evaluations (samples seen)"),
    ("seconds", "wall time (s)"),
)


def batch_size(runs, title: str):
    """Loss against epochs, samples seen and seconds, one line per run."""
    figure = _figure(*PAGE_SIZE)
    axes = figure.subplots(1, 3, sharey=True)
    for axis, (key, label) in zip(axes, AXES, strict=True):
        for run in runs:
            axis.plot([r[key] for r in run.rows], [r["loss"] for r in run.rows], label=run.label)
        axis.set_xlabel(label)
        axis.set_yscale("log")
        if key != "seconds":
            axis.set_xscale("symlog", linthresh=1)
        axis.set_xlim(left=0)
        axis.grid(True, alpha=0.3)
    axes[0].set_ylabel("mean loss on the data")
    axes[0].legend(fontsize="small")
    figure.suptitle(title)
    return figure


def sequential(results: dict, names: dict, title: str):
    """Loss on A and on B per epoch: A then B (solid) against A ∪ B (dashed)."""
    figure = _figure(PAGE_SIZE[0], PAGE_SIZE[1] + 0.3)
    axes = figure.subplots(1, len(results), sharey=True, squeeze=False)[0]
    for axis, (how, result) in zip(axes, results.items(), strict=True):
        for key, colour in (("loss_A", "tab:blue"), ("loss_B", "tab:orange")):
            part = key[-1]
            for schedule, style in (("sequential", "-"), ("joint", "--")):
                run = result[schedule]
                axis.plot(
                    [r["epoch"] for r in run.rows],
                    [r[key] for r in run.rows],
                    style,
                    color=colour,
                    label=f"loss on {part}, {run.label}",
                )
        axis.axvline(result["switch_epoch"], color="grey", linewidth=0.8)
        axis.set_title(f"A and B from {names[how]}")
        axis.set_xlabel("epoch (the grey line: switch from A to B)")
        axis.set_yscale("log")
        axis.grid(True, alpha=0.3)
    axes[0].set_ylabel("mean loss")
    axes[0].legend(fontsize="small")
    figure.suptitle(title)
    return figure


def encode(figure) -> tuple[bytes, bytes]:
    """PNG and PDF bytes; the PDF without a creation date, so equal data give
    equal files."""
    png, pdf = io.BytesIO(), io.BytesIO()
    figure.savefig(png, format="png", dpi=120)
    figure.savefig(pdf, format="pdf", metadata={"CreationDate": None})
    return png.getvalue(), pdf.getvalue()
