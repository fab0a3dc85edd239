"""Figure 6: Nanda et al.'s progress measures over training beside their controls, grokking step marked."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pandas as pd

from phenomena.grokking.controls import departure_from_controls
from phenomena.grokking.figures import (
    accuracy_curves,
    never_label,
    step_axes_marking_grokking,
    steps_shown,
    trajectory_runs,
)


def panel_runs(progress: pd.DataFrame, max_runs: int = 4) -> dict[str, str]:
    """The grokking runs measured beside their controls (by seed), else the runs of
    :func:`~phenomena.grokking.figures.trajectory_runs`; name -> panel title."""
    controlled = progress[progress["control"] != "none"].drop_duplicates("run").sort_values(["train_fraction", "seed"])
    if controlled.empty:
        return trajectory_runs(progress, max_runs)
    return {
        row.run: f"frac {row.train_fraction:g}, wd {row.weight_decay:g}, {row.optimizer}, seed {row.seed}"
        for row in controlled.head(max_runs).itertuples()
    }


def plot(curves: pd.DataFrame, summary: pd.DataFrame, progress: pd.DataFrame) -> plt.Figure:
    runs = panel_runs(progress)
    figure, axes = plt.subplots(3, len(runs), figsize=(4.2 * len(runs), 8.5), sharex=True, sharey="row", squeeze=False)
    for column, (run, label) in enumerate(runs.items()):
        rows = progress[progress["run"] == run]
        top, middle, bottom = axes[:, column]
        draw_losses(top, rows, departure_from_controls(progress, run))
        own = rows[rows["control"] == "none"].pivot_table(index="step", columns="metric", values="value")
        memorizer = rows[rows["control"] == "memorizer"]
        middle.plot(own.index, own["effective_frequencies"], marker="o", markersize=2.5, color="C3", label="this run")
        if len(memorizer):
            control_name = memorizer["measured_run"].iloc[0]
            control_own = progress[(progress["run"] == control_name) & (progress["control"] == "none")]
            effective = control_own[control_own["metric"] == "effective_frequencies"].sort_values("step")
            middle.plot(effective["step"], effective["value"], "--", color="C3", alpha=0.6, label="memorizer (wd 0)")
        accuracy = accuracy_curves(curves[curves["run"] == run])
        validation = accuracy[accuracy["split"] == "validation"]
        bottom.plot(validation["step"], validation["value"], "-", color="C1", label="validation accuracy")
        if len(memorizer):
            control = accuracy_curves(curves[curves["run"] == control_name])
            control = control[control["split"] == "validation"]
            bottom.plot(control["step"], control["value"], "--", color="grey", label="memorizer (wd 0)")
        step_axes_marking_grokking((top, middle, bottom), summary, run)
        keys = rows.loc[rows["control"] == "none", "key_frequencies"].iloc[0]
        top.set_title(f"{label}\nkey frequencies k = {keys.replace(' ', ', ')}", fontsize=9)
        bottom.set(xlabel="optimization step (log)", ylim=(-0.02, 1.02))
    axes[0, 0].set_ylabel("training loss")
    axes[1, 0].set_ylabel("effective number of\nembedding frequencies")
    axes[2, 0].set_ylabel("validation accuracy")
    axes[0, 0].legend(fontsize=6.5, loc="lower left")
    axes[1, 0].legend(fontsize=7)
    axes[2, 0].legend(fontsize=7, loc="upper left")
    shown = steps_shown(summary[summary["run"].isin(list(runs))])
    figure.suptitle(
        "Progress measures (Nanda et al. 2023) beside their controls: the memorizing run (wd 0, same split) and\n"
        "random non-key frequencies; green: where the restricted loss leaves both controls' band for good\n"
        f"(runs shown that never reached 95% validation accuracy: {never_label(shown)})",
        y=1.0,
    )
    figure.tight_layout()
    return figure


def draw_losses(axis: plt.Axes, rows: pd.DataFrame, departure: float) -> None:
    """The run's full, restricted and excluded losses, the memorizer's restricted loss at the
    same key frequencies, the band of restricted losses at random frequencies, chance, departure."""
    restricted = rows[rows["metric"] == "restricted_loss"]
    own = rows[rows["control"] == "none"].pivot_table(index="step", columns="metric", values="value")
    axis.plot(own.index, own["loss"], "-", color="C0", alpha=0.6, label="full logits")
    axis.plot(own.index, own["restricted_loss"], marker="o", markersize=2.5, color="C1", label="restricted (key k)")
    axis.plot(own.index, own["excluded_loss"], "--", color="C2", alpha=0.7, label="excluded (key k removed)")
    memorizer = restricted[restricted["control"] == "memorizer"].sort_values("step")
    if len(memorizer):
        axis.plot(memorizer["step"], memorizer["value"], "--", marker="s", markersize=2, color="C3",
                  label="control: memorizer, restricted (key k)")  # fmt: skip
    random = restricted[restricted["control"] == "random_frequencies"]
    if len(random):
        band = random.groupby("step")["value"].agg(["min", "max"])
        label = f"control: restricted at random k ({random['frequency_set'].nunique()} sets)"
        axis.fill_between(band.index, band["min"], band["max"], color="grey", alpha=0.35, label=label)
    axis.axhline(math.log(rows["modulus"].iloc[0]), color="black", linewidth=0.8, alpha=0.5, label="chance, log p")
    if not math.isnan(departure):
        label = f"leaves both controls: step {departure:,.0f}"
        axis.axvline(departure, color="green", linewidth=1.5, alpha=0.8, label=label)
    chance = math.log(rows["modulus"].iloc[0])
    axis.set_ylim(0, 1.5 * chance)  # linear: the controls sit within a nat of chance, where a log axis hides them
