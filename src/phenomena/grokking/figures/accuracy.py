"""Figure 1: train and validation accuracy vs step, one panel per train fraction."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from phenomena.common.plotting import log_step_axis
from phenomena.grokking.figures import accuracy_curves, main_runs


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
    for axis in grid.axes.flat:
        log_step_axis(axis)
    grid.set_axis_labels("optimization step (log)", "accuracy")
    grid.set_titles("train fraction {col_name}")
    grid.figure.suptitle("Grokking: training fits at once, validation jumps much later (one line per seed)", y=1.04)
    return grid.figure
