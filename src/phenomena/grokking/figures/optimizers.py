"""Figure 4: AdamW vs AdamW at the matched learning rate vs Grokfast, on the same splits."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from phenomena.common.plotting import log_step_axis
from phenomena.grokking.figures import accuracy_curves

ORDER = ["adamw", "adamw_lr_matched", "grokfast"]


def compared(frame: pd.DataFrame) -> pd.DataFrame:
    """Runs at the train fractions where every optimizer variant ran with weight decay."""
    decayed = frame[frame["weight_decay"] > 0]
    variants = decayed.groupby("train_fraction")["optimizer"].nunique()
    fractions = variants[variants == decayed["optimizer"].nunique()].index
    return decayed[decayed["train_fraction"].isin(fractions)]


def plot(curves: pd.DataFrame, summary: pd.DataFrame) -> plt.Figure:
    data = accuracy_curves(compared(curves))
    data = data[data["split"] == "validation"]
    order = [o for o in ORDER if o in set(data["optimizer"])]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [3, 2]})
    draw_validation_accuracy(left, data, order)
    steps = compared(summary)
    draw_steps_to_generalize(right, steps, order)
    fractions = ", ".join(f"{f:g}" for f in sorted(steps["train_fraction"].unique()))
    figure.suptitle(f"AdamW vs matched-lr AdamW vs Grokfast-EMA (train fraction {fractions})", y=1.02)
    return figure


def draw_validation_accuracy(axis: plt.Axes, data: pd.DataFrame, order: list[str]) -> None:
    """Validation accuracy against step, one line per run, coloured by optimizer."""
    sns.lineplot(
        data=data,
        x="step",
        y="value",
        hue="optimizer",
        hue_order=order,
        units="run",
        estimator=None,
        ax=axis,
        alpha=0.85,
    )
    log_step_axis(axis)
    axis.set(
        xlabel="optimization step (log)", ylabel="validation accuracy", title="Validation accuracy (one line per seed)"
    )


def draw_steps_to_generalize(axis: plt.Axes, steps: pd.DataFrame, order: list[str]) -> None:
    """Steps to 95% validation accuracy per optimizer: a dot per seed, a bar at the mean."""
    sns.stripplot(
        data=steps,
        x="optimizer",
        y="steps_to_val_95",
        order=order,
        hue="optimizer",
        hue_order=order,
        size=7,
        ax=axis,
        legend=False,
    )
    sns.pointplot(
        data=steps,
        x="optimizer",
        y="steps_to_val_95",
        order=order,
        color="black",
        errorbar=None,
        markers="_",
        markersize=20,
        linestyle="none",
        ax=axis,
    )
    axis.set(ylabel="steps to 95% validation accuracy", xlabel="", title="Steps to generalize (dots: seeds, bar: mean)")
    axis.tick_params(axis="x", labelrotation=15)
