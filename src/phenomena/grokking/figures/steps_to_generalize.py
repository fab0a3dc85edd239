"""Figure 2: steps to generalize vs train fraction, seed intervals; runs that never generalize at their budget."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from phenomena.common.plotting import log_step_axis
from phenomena.grokking.figures import control_runs, draw_never, main_runs, steps_shown

MEASURES = {"steps_to_train_99": "99% train accuracy", "steps_to_val_95": "95% validation accuracy"}


def plot(curves: pd.DataFrame, summary: pd.DataFrame) -> plt.Figure:
    """Runs that never reach 95% validation count at their budget (so the seed range includes
    them) and are drawn there as crosses, main runs and weight-decay-0 controls alike."""
    main = main_runs(summary).copy()
    main["steps_to_val_95"] = steps_shown(main)["steps"]
    main = main.melt(
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
    shown = steps_shown(pd.concat([main_runs(summary), control_runs(summary)]))
    draw_never(axis, shown["train_fraction"], shown)
    log_step_axis(axis, "y")
    axis.set(
        xlabel="train fraction",
        ylabel="optimization steps (log)",
        title="Steps to fit vs steps to generalize\n(points: seeds; bars: seed range)",
    )
    axis.legend(fontsize=8)
    return figure
