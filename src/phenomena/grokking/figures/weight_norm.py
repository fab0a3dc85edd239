"""Figure 3: total weight norm over steps, the grokking step (95% validation) marked."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from phenomena.common.plotting import log_step_axis
from phenomena.grokking.figures import MAIN_OPTIMIZER, NEVER_MARKER, never_label, steps_shown


def setting_label(train_fraction: float, weight_decay: float) -> str:
    """Legend label of a run's setting; also the key of its colour."""
    return f"frac {train_fraction:g}, wd {weight_decay:g}"


def plot(curves: pd.DataFrame, summary: pd.DataFrame) -> plt.Figure:
    runs = curves[(curves["optimizer"] == MAIN_OPTIMIZER) & (curves["metric"] == "weight_norm")].copy()
    runs["setting"] = [setting_label(f, w) for f, w in zip(runs["train_fraction"], runs["weight_decay"])]
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
    shown = steps_shown(summary[summary["run"].isin(runs["run"].unique())])
    for row in shown.itertuples():
        color = palette[setting_label(row.train_fraction, row.weight_decay)]
        if not row.never:
            axis.axvline(row.steps, color=color, linestyle=":", alpha=0.7)
    ends = runs.sort_values("step").groupby("run").last()
    never = ends.loc[shown.loc[shown["never"], "run"]]
    axis.scatter(never["step"], never["value"], marker=NEVER_MARKER, color="black", s=45, zorder=6,
                 label=f"never reached 95% validation: {never_label(shown)}")  # fmt: skip
    log_step_axis(axis)
    axis.set(
        xlabel="optimization step (log)",
        ylabel="total weight norm (L2)",
        title="Weight norm falls as the network generalizes\n(dotted: step of 95% validation accuracy)",
    )
    axis.legend(fontsize=8, title=None)
    return figure
