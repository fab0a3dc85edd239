"""Figure 1: train and validation accuracy vs step, one panel per train fraction."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from phenomena.common.plotting import log_step_axis
from phenomena.grokking.figures import NEVER_MARKER, accuracy_curves, main_runs, never_label, steps_shown


def plot(curves: pd.DataFrame, summary: pd.DataFrame) -> plt.Figure:
    data = accuracy_curves(main_runs(curves))
    fractions = sorted(data["train_fraction"].unique())
    grid = sns.relplot(
        data=data,
        x="step",
        y="value",
        hue="split",
        style="split",
        units="seed",
        estimator=None,
        col="train_fraction",
        col_order=fractions,
        kind="line",
        height=3.2,
        aspect=1.1,
        facet_kws={"sharex": True},
        alpha=0.85,
    )
    grid.set(ylim=(-0.02, 1.02))
    shown = steps_shown(main_runs(summary))
    for fraction, axis in zip(fractions, grid.axes.flat):
        log_step_axis(axis)
        mark_never(axis, data, shown[shown["train_fraction"] == fraction])
    grid.set_axis_labels("optimization step (log)", "accuracy")
    grid.set_titles("train fraction {col_name}")
    grid.figure.suptitle(
        "Grokking: training fits at once, validation jumps much later (one line per seed)\n"
        f"{NEVER_MARKER}: end of a run that never reached 95% validation accuracy, {never_label(shown)}",
        y=1.08,
    )
    return grid.figure


def mark_never(axis, data: pd.DataFrame, shown: pd.DataFrame) -> None:
    """A cross at the last validation accuracy of each run that never generalized (at its budget)."""
    for row in shown[shown["never"]].itertuples():
        last = data[(data["run"] == row.run) & (data["split"] == "validation")].sort_values("step").iloc[-1]
        axis.scatter(last["step"], last["value"], marker=NEVER_MARKER, color="black", s=45, zorder=6)
