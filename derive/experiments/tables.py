"""Each experiment's table: its rows of numbers and words, formatted once.

The terminal (:func:`batch_size_table`, :func:`sequential_table`, printed by
``derive experiment``) and derivation.tex (``derive/latex/experiments.py``,
from the rows :func:`derive.experiments.results.load` attaches) show the same
cells: the facts are made here, from a summary, and each side only arranges
them (pads columns; escapes them for LaTeX and sets them in a tabular).  A
number formatted in two places could say two things about one run.
"""

from __future__ import annotations


def batch_size_facts(summary: dict) -> dict:
    """The batch-size table: the common target loss, and per run the updates
    per epoch, the final loss, the epochs, samples and seconds it took, how it
    stopped, and the epochs and seconds it needed to reach the target."""
    return {
        "target": f"{summary['target_loss']:.3g}",
        "rows": [
            {
                "run": r["run"],
                "updates": f"{r['steps_per_epoch']:,}",
                "final": f"{r['final_loss']:.4g}",
                "epochs": f"{r['epochs']:,.0f}",
                "samples": f"{r['samples']:,}",
                "seconds": f"{r['seconds']:.2f}",
                "stopped": r["stopped"],
                "target_epochs": f"{r['target_epochs']:,.0f}",
                "target_seconds": f"{r['target_seconds']:.3f}",
            }
            for r in summary["runs"]
        ],
    }


def sequential_facts(summary: dict) -> dict:
    """The sequential table: per split, the loss on A after A, after B (and
    its peak during B), on B after B, both losses of the A ∪ B baseline, and
    how each of the three runs stopped."""
    return {
        "rows": [
            {
                "name": r["name"],
                "after_a": f"{r['loss_A_after_A']:.4g}",
                "after_b": f"{r['loss_A_final']:.4g}",
                "peak": f"{r['loss_A_peak_during_B']:.4g}",
                "b_final": f"{r['loss_B_final']:.4g}",
                "joint_a": f"{r['joint_loss_A']:.4g}",
                "joint_b": f"{r['joint_loss_B']:.4g}",
                "phase_A_stopped": r["phase_A_stopped"],
                "phase_B_stopped": r["phase_B_stopped"],
                "joint_stopped": r["joint_stopped"],
            }
            for r in summary["splits"]
        ]
    }


def _table(header: list[str], rows: list[list[str]]) -> str:
    """Left-aligned columns two spaces apart, for the terminal."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def batch_size_table(summary: dict) -> str:
    """The batch-size table for the terminal (the write-up leaves out the
    samples seen: its figure plots them)."""
    facts = batch_size_facts(summary)
    header = [
        "run",
        "updates/epoch",
        "final loss",
        "epochs",
        "samples seen",
        "seconds",
        "stopped",
        f"to loss {facts['target']}: epochs",
        "seconds",
    ]
    keys = "run updates final epochs samples seconds stopped target_epochs target_seconds"
    return _table(header, [[row[key] for key in keys.split()] for row in facts["rows"]])


def sequential_table(summary: dict) -> str:
    """The sequential table for the terminal: the loss on A after B with its
    peak during B, and the stops as columns (the write-up puts them in a
    sentence under its table)."""
    header = [
        "A and B from",
        "loss A after A",
        "loss A after B (peak)",
        "loss B after B",
        "A ∪ B: loss A",
        "loss B",
        "phase A stopped",
        "phase B stopped",
        "A ∪ B stopped",
    ]
    keys = (
        "name after_a after_b b_final joint_a joint_b phase_A_stopped phase_B_stopped joint_stopped"
    )
    rows = [
        {**row, "after_b": f"{row['after_b']} ({row['peak']})"}
        for row in sequential_facts(summary)["rows"]
    ]
    return _table(header, [[row[key] for key in keys.split()] for row in rows])
