"""Figure 4: AdamW vs Grokfast-EMA (same lr and wd) vs AdamW with a bigger step at the same decay."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from phenomena.common.plotting import log_step_axis
from phenomena.grokking.figures import accuracy_curves, draw_never, steps_shown

LABELS = {"adamw": "AdamW", "adamw_step_control": "AdamW, k x lr, wd / k", "grokfast": "Grokfast-EMA"}
ORDER = list(LABELS)  # the AdamW variants (decoupled weight decay); Adam with L2: grokfast_repository.py


def compared(frame: pd.DataFrame) -> pd.DataFrame:
    """Runs of the AdamW variants at the (train fraction, weight decay > 0) settings where every
    variant that ran with weight decay ran."""
    decayed = frame[(frame["weight_decay"] > 0) & frame["optimizer"].isin(ORDER)]
    variants = decayed.groupby(["train_fraction", "weight_decay"])["optimizer"].nunique()
    settings = variants[variants == decayed["optimizer"].nunique()].index
    return decayed[pd.MultiIndex.from_frame(decayed[["train_fraction", "weight_decay"]]).isin(settings)]


def plot(curves: pd.DataFrame, summary: pd.DataFrame) -> plt.Figure:
    runs = compared(curves)
    order = [o for o in ORDER if o in set(runs["optimizer"])]
    palette = dict(zip(order, sns.color_palette(n_colors=len(order))))
    figure, axes = plt.subplots(1, 4, figsize=(18, 4.2), gridspec_kw={"width_ratios": [3, 3, 2, 2]})
    validation = accuracy_curves(runs)
    draw_curves(axes[0], validation[validation["split"] == "validation"], order, palette, "validation accuracy")
    axes[0].set(title="Validation accuracy (one line per seed)")
    draw_curves(axes[1], runs[runs["metric"] == "update_norm"], order, palette, "update norm per step (log)")
    axes[1].set(yscale="log", title="Step each optimizer takes: |parameter change| per step")
    steps = steps_shown(compared(summary))
    draw_steps_to_generalize(axes[2], steps, order, palette)
    draw_speedups(axes[3], steps, order, palette)
    figure.subplots_adjust(wspace=0.35)
    fractions = ", ".join(f"{f:g}" for f in sorted(steps["train_fraction"].unique()))
    seeds = steps.groupby("optimizer")["seed"].nunique().min()
    figure.suptitle(
        f"AdamW vs Grokfast-EMA at the same lr and weight decay, and AdamW with a k-times bigger step at the same "
        f"decay per step (train fraction {fractions}, {seeds} seeds each)",
        y=1.03,
    )
    return figure


def draw_curves(axis: plt.Axes, data: pd.DataFrame, order: list[str], palette: dict, ylabel: str) -> None:
    """One line per run against the step, coloured by optimizer."""
    data = data.assign(optimizer=data["optimizer"].map(LABELS))
    sns.lineplot(
        data=data, x="step", y="value", hue="optimizer", hue_order=[LABELS[o] for o in order],
        palette={LABELS[o]: palette[o] for o in order}, units="run", estimator=None, ax=axis, alpha=0.7,
    )  # fmt: skip
    log_step_axis(axis)
    axis.set(xlabel="optimization step (log)", ylabel=ylabel)
    axis.legend(fontsize=7, title=None)


def draw_steps_to_generalize(axis: plt.Axes, steps: pd.DataFrame, order: list[str], palette: dict) -> None:
    """Steps to 95% validation accuracy per optimizer: a dot per seed (a cross at the budget for a
    run that never got there), a bar at the geometric mean."""
    position = steps["optimizer"].map({o: i for i, o in enumerate(order)})
    jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(steps))
    reached = ~steps["never"].to_numpy()
    axis.scatter(
        (position + jitter)[reached], steps["steps"][reached], c=[palette[o] for o in steps["optimizer"][reached]],
        s=30, zorder=5,
    )  # fmt: skip
    draw_never(axis, position + jitter, steps)
    for index, optimizer in enumerate(order):
        mean = np.exp(np.log(steps.loc[steps["optimizer"] == optimizer, "steps"]).mean())
        axis.plot([index - 0.3, index + 0.3], [mean, mean], color="black", linewidth=2)
    axis.set_xticks(range(len(order)), [LABELS[o] for o in order], rotation=15, fontsize=8)
    axis.set(ylabel="steps to 95% validation accuracy", title="Steps to generalize\n(dots: seeds, bar: geometric mean)")
    axis.legend(fontsize=7, loc="upper left")


def draw_speedups(axis: plt.Axes, steps: pd.DataFrame, order: list[str], palette: dict) -> None:
    """Speed-up over AdamW on the same split, per seed (a run at its budget: a bound), with the geometric
    mean over the seeds where both reached 95% and its t-interval on the log ratios."""
    others = [o for o in order if o != "adamw"]
    for index, optimizer in enumerate(others):
        rows = steps[steps["optimizer"] == optimizer]
        jitter = np.random.default_rng(index).uniform(-0.12, 0.12, len(rows))
        axis.scatter(index + jitter, rows["speedup_vs_adamw"], color=palette[optimizer], s=30, zorder=5)
        first = rows.iloc[0]
        mean, low, high = first["speedup_geomean"], first["speedup_low"], first["speedup_high"]
        axis.errorbar(index + 0.3, mean, yerr=[[mean - low], [high - mean]], fmt="D", color="black", capsize=4)
        axis.annotate(
            f"{first['speedup_geomean']:.2f}x\n[{first['speedup_low']:.2f}, {first['speedup_high']:.2f}]\n"
            f"{first['speedup_seeds']} seeds",
            (index + 0.36, first["speedup_geomean"]), fontsize=8, va="center",
        )  # fmt: skip
    axis.axhline(1.0, color="grey", linestyle="--", linewidth=1)
    axis.set_yscale("log")
    axis.set_xticks(range(len(others)), [LABELS[o] for o in others], rotation=15, fontsize=8)
    axis.set_xlim(-0.5, len(others) - 0.1)
    axis.set(
        ylabel="speed-up over AdamW (steps to 95%, log)",
        title="Speed-up per seed (dots), geometric mean and\n95% t-interval on log ratios (diamond)",
    )
