"""Figure: the Grokfast repository's comparison (Adam without weight decay against Grokfast-EMA on
Adam with L2 weight decay), with Adam at that L2 decay and no filter, and AdamW with weight decay."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from phenomena.common.plotting import log_step_axis
from phenomena.grokking.figures import accuracy_curves, draw_never, steps_shown

ARMS = ["adam", "adam_l2", "grokfast_adam", "adamw_decayed"]


def arm_of(frame: pd.DataFrame) -> pd.Series:
    """Each row's arm: Adam (AdamW at wd 0), Adam with L2, Grokfast on Adam with L2, AdamW with wd > 0;
    None for the other runs."""
    optimizer, decayed = frame["optimizer"], frame["weight_decay"] > 0
    arms = np.select(
        [(optimizer == "adamw") & ~decayed, optimizer == "adam_l2", optimizer == "grokfast_adam",
         (optimizer == "adamw") & decayed],
        ARMS, default="",
    )  # fmt: skip
    return pd.Series(arms, index=frame.index)


def compared(frame: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """Rows of the four arms at the fractions and seeds where Grokfast on Adam with L2 ran."""
    repository = summary[summary["optimizer"] == "grokfast_adam"]
    keep = frame["train_fraction"].isin(repository["train_fraction"]) & frame["seed"].isin(repository["seed"])
    frame = frame[keep].assign(arm=arm_of(frame[keep]))
    return frame[frame["arm"] != ""]


def labels(summary: pd.DataFrame) -> dict[str, str]:
    decay = summary.loc[summary["optimizer"].isin(["adam_l2", "grokfast_adam"]), "weight_decay"].max()
    decayed = summary.loc[(summary["optimizer"] == "adamw") & (summary["weight_decay"] > 0), "weight_decay"].max()
    return {
        "adam": "Adam (no weight decay)",
        "adam_l2": f"Adam, L2 {decay:g}",
        "grokfast_adam": f"Grokfast-EMA, Adam, L2 {decay:g}",
        "adamw_decayed": f"AdamW, wd {decayed:g}",
    }


def plot(curves: pd.DataFrame, summary: pd.DataFrame) -> plt.Figure:
    names = labels(summary)
    shown = steps_shown(compared(summary, summary))
    order = [arm for arm in ARMS if arm in set(shown["arm"])]
    palette = dict(zip(order, sns.color_palette("deep", n_colors=len(order))))
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [3, 2]})
    validation = accuracy_curves(compared(curves, summary))
    validation = validation[validation["split"] == "validation"]
    for arm in order:
        for index, (_, run) in enumerate(validation[validation["arm"] == arm].groupby("run")):
            axes[0].plot(run["step"], run["value"], color=palette[arm], alpha=0.7, label=None if index else names[arm])
    log_step_axis(axes[0])
    axes[0].set(xlabel="optimization step (log)", ylabel="validation accuracy", title="Validation accuracy (seeds)")
    axes[0].legend(fontsize=8)
    position = shown["arm"].map({arm: index for index, arm in enumerate(order)}).to_numpy(dtype=float)
    position += np.random.default_rng(0).uniform(-0.15, 0.15, len(shown))
    reached = ~shown["never"].to_numpy()
    axes[1].scatter(position[reached], shown["steps"][reached], c=[palette[a] for a in shown["arm"][reached]], s=30)
    draw_never(axes[1], position, shown)
    counts = shown.groupby("arm")["never"].agg(["size", "sum"])
    ticks = [f"{names[arm]}\n{counts.loc[arm, 'size'] - counts.loc[arm, 'sum']} of {counts.loc[arm, 'size']} reached"
             for arm in order]  # fmt: skip
    axes[1].set_xticks(range(len(order)), ticks, rotation=15, fontsize=7)
    axes[1].set_yscale("log")
    axes[1].set(ylabel="steps to 95% validation accuracy (log)", title="Steps to generalize (dots: seeds)")
    axes[1].legend(fontsize=7, loc="upper right")
    fractions = ", ".join(f"{f:g}" for f in sorted(shown["train_fraction"].unique()))
    figure.suptitle(f"The Grokfast repository's comparison: Adam vs Grokfast-EMA on Adam with L2 weight decay, "
                    f"and the same L2 decay without the filter (train fraction {fractions})", y=1.02)  # fmt: skip
    return figure
