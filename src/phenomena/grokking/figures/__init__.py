"""The grokking figures, one module each, and the helpers they share.

Each figure module has ``plot(curves, summary, ...) -> Figure``: the study's curves and
summary tables, and for the ``progress``, ``llc`` and ``llc_final`` figures the ``progress``
or ``llc`` table as well. The helpers here pick the runs a figure shows (the main AdamW runs
with weight decay, the weight-decay-0 control, the runs measured along training) and mark
the grokking step on step axes.

A figure's code lives in its own file so that the workflow can declare that file as the
figure rule's input: editing one figure reruns that figure alone; editing this file reruns
them all.
"""

from __future__ import annotations

import pandas as pd

from phenomena.common.plotting import log_step_axis

MAIN_OPTIMIZER = "adamw"


def main_runs(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of the baseline runs: AdamW with weight decay (the grokking runs proper)."""
    return frame[(frame["optimizer"] == MAIN_OPTIMIZER) & (frame["weight_decay"] > 0)]


def control_runs(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of the weight-decay-0 AdamW runs, the control that should not grok."""
    return frame[(frame["optimizer"] == MAIN_OPTIMIZER) & (frame["weight_decay"] == 0)]


def accuracy_curves(curves: pd.DataFrame) -> pd.DataFrame:
    """Accuracy rows with readable split names for legends."""
    accuracy = curves[curves["metric"] == "accuracy"].copy()
    accuracy["split"] = accuracy["split"].map({"train": "train", "val": "validation"})
    return accuracy


def grokking_step(summary: pd.DataFrame, run: str) -> float | None:
    """The run's first step at 95% validation accuracy, None if it never got there."""
    step = summary.loc[summary["run"] == run, "steps_to_val_95"]
    return float(step.iloc[0]) if len(step) and pd.notna(step.iloc[0]) else None


def step_axes_marking_grokking(axes, summary: pd.DataFrame, run: str) -> None:
    """Log step axes, with a dotted line at the run's grokking step where it has one."""
    step = grokking_step(summary, run)
    for axis in axes:
        if step is not None:
            axis.axvline(step, color="black", linestyle=":", alpha=0.8, label="grokking step (95% val.)")
        log_step_axis(axis)


def trajectory_runs(table: pd.DataFrame, max_runs: int = 4) -> dict[str, str]:
    """Runs of ``table`` measured at more than their last step, by name -> panel title.

    The main AdamW runs with weight decay are preferred, one seed (the lowest), by train
    fraction; at most ``max_runs``.
    """
    counts = table.groupby("run")["step"].nunique()
    rows = table[table["run"].isin(counts[counts > 1].index)].drop_duplicates("run")
    main = main_runs(rows)
    rows = main if len(main) else rows
    rows = rows[rows["seed"] == rows["seed"].min()].sort_values(["train_fraction", "weight_decay"]).head(max_runs)
    return {
        row.run: f"frac {row.train_fraction:g}, wd {row.weight_decay:g}, {row.optimizer}, seed {row.seed}"
        for row in rows.itertuples()
    }
