"""The grokking figures, one module each, and the helpers they share.

Each figure module has ``plot(curves, summary, ...) -> Figure``: the study's curves and
summary tables, and for the ``progress``, ``llc`` and ``llc_final`` figures the ``progress``
or ``llc`` table as well. The helpers here pick the runs a figure shows (the main AdamW runs
with weight decay, the weight-decay-0 control, the runs measured along training) and mark
the grokking step on step axes, and draw the runs that never generalized at their step
budget with one marker (:func:`steps_shown`, :func:`never_label`), so that no run drops out
of a figure as a missing value.

A figure's code lives in its own file so that the workflow can declare that file as the
figure rule's input: editing one figure reruns that figure alone; editing this file reruns
them all.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phenomena.common.plotting import log_step_axis
from phenomena.grokking.runs import BASELINE_OPTIMIZER

MAIN_OPTIMIZER = BASELINE_OPTIMIZER
NEVER_MARKER = "x"
"""The marker of a run that never reached the threshold, drawn at its step budget."""


def steps_shown(summary: pd.DataFrame, column: str = "steps_to_val_95") -> pd.DataFrame:
    """The summary with ``steps``: ``column``, or the run's budget (its last step) where it never got
    there, and ``never``: True for those runs."""
    shown = summary.copy()
    shown["never"] = shown[column].isna()
    shown["steps"] = shown[column].fillna(shown["last_step"].astype(float))
    return shown


def never_label(shown: pd.DataFrame) -> str:
    """Legend text of the never-generalized runs of :func:`steps_shown`: budget and count."""
    never = shown[shown["never"]]
    budget = never["steps"].max() if len(never) else shown["last_step"].max()
    return f"never (>= {budget:,.0f} steps): {len(never)} of {len(shown)} runs"


def draw_never(axis, x, shown: pd.DataFrame, **style) -> None:
    """The never-generalized runs of :func:`steps_shown` at their budget, one marker each,
    labelled with their count (also when it is 0, so the figure says none was left out)."""
    never = shown["never"].to_numpy()
    axis.scatter(
        np.asarray(x)[never], shown["steps"].to_numpy()[never], marker=NEVER_MARKER, color="black", s=45, zorder=6,
        label=never_label(shown), **style,
    )  # fmt: skip


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

    The main AdamW runs with weight decay are preferred, by train fraction and seed; at most
    ``max_runs``.
    """
    counts = table.groupby("run")["step"].nunique()
    rows = table[table["run"].isin(counts[counts > 1].index)].drop_duplicates("run")
    main = main_runs(rows)
    rows = (main if len(main) else rows).sort_values(["train_fraction", "seed", "weight_decay"]).head(max_runs)
    return {
        row.run: f"frac {row.train_fraction:g}, wd {row.weight_decay:g}, {row.optimizer}, seed {row.seed}"
        for row in rows.itertuples()
    }
