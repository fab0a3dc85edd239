"""Figure 3: total weight norm over steps, the grokking step (95% validation) marked."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from phenomena.common.plotting import log_step_axis
from phenomena.grokking.figures import MAIN_OPTIMIZER


def plot(curves: pd.DataFrame, summary: pd.DataFrame) -> plt.Figure:
    runs = curves[(curves["optimizer"] == MAIN_OPTIMIZER) & (curves["metric"] == "weight_norm")].copy()
    runs["setting"] = [f"frac {f:g}, wd {w:g}" for f, w in zip(runs["train_fraction"], runs["weight_decay"])]
    settings = sorted(runs["setting"].unique(), key=lambda s: ("wd 0" in s, s))
    palette = dict(zip(settings, sns.color_palette(n_colors=len(settings))))
    figure, axis = plt.subplots(figsize=(6.5, 4))
    sns.lineplot(
        data=runs,
        x="step",
        y="value",
        hue="setting",
        hue_order=settings,
        units="seed",
        estimator=None,
        palette=palette,
        ax=axis,
        alpha=0.85,
    )
    marks = summary[summary["run"].isin(runs["run"].unique())].dropna(subset=["steps_to_val_95"])
    for _, row in marks.iterrows():
        setting = f"frac {row.train_fraction:g}, wd {row.weight_decay:g}"
        axis.axvline(row.steps_to_val_95, color=palette[setting], linestyle=":", alpha=0.7)
    log_step_axis(axis)
    axis.set(
        xlabel="optimization step (log)",
        ylabel="total weight norm (L2)",
        title="Weight norm falls as the network generalizes\n(dotted: step of 95% validation accuracy)",
    )
    axis.legend(fontsize=8, title=None)
    return figure
