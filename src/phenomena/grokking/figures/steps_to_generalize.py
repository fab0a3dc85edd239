"""Figure 2: steps to generalize vs train fraction, seed intervals, wd=0 runs marked 'never'."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from phenomena.common.plotting import log_step_axis
from phenomena.grokking.figures import control_runs, main_runs

MEASURES = {"steps_to_train_99": "99% train accuracy", "steps_to_val_95": "95% validation accuracy"}


def plot(curves: pd.DataFrame, summary: pd.DataFrame) -> plt.Figure:
    main = main_runs(summary).melt(
        id_vars=["run", "seed", "train_fraction"], value_vars=list(MEASURES), var_name="measure", value_name="steps"
    )
    main["measure"] = main["measure"].map(MEASURES)
    figure, axis = plt.subplots(figsize=(5.5, 4))
    sns.lineplot(
        data=main,
        x="train_fraction",
        y="steps",
        hue="measure",
        style="measure",
        markers=True,
        errorbar=("pi", 100),
        err_style="bars",
        ax=axis,
    )
    sns.scatterplot(data=main, x="train_fraction", y="steps", hue="measure", legend=False, alpha=0.4, ax=axis)
    never = control_runs(summary)
    never = never[never["steps_to_val_95"].isna()]
    if len(never):
        ceiling = float(summary["last_step"].max())
        axis.scatter(
            never["train_fraction"],
            np.full(len(never), ceiling),
            marker="x",
            color="black",
            zorder=5,
            label=f"weight decay 0: never reaches 95% validation (within {ceiling:,.0f} steps)",
        )
    log_step_axis(axis, "y")
    axis.set(
        xlabel="train fraction",
        ylabel="optimization steps (log)",
        title="Steps to fit vs steps to generalize\n(points: seeds; bars: seed range)",
    )
    axis.legend(fontsize=8)
    return figure
