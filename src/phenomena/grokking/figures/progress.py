"""Figure 6: Nanda et al.'s progress measures over training beside their controls, on the training
and on the validation pairs, grokking step marked."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pandas as pd

from phenomena.grokking.controls import DEPARTURE_FACTOR, RANDOM_BAND, departure_from_controls
from phenomena.grokking.figures import (
    accuracy_curves,
    never_label,
    step_axes_marking_grokking,
    steps_shown,
    trajectory_runs,
)

SPLIT_NAMES = {"train": "training pairs", "val": "validation pairs"}


def panel_runs(progress: pd.DataFrame, max_runs: int = 4) -> dict[str, str]:
    """The grokking runs measured beside a memorizer (by fraction and seed), else the runs of
    :func:`~phenomena.grokking.figures.trajectory_runs`; name -> panel title."""
    controlled = (
        progress[progress["control"] == "memorizer"].drop_duplicates("run").sort_values(["train_fraction", "seed"])
    )
    if controlled.empty:
        return trajectory_runs(progress, max_runs)
    return {
        row.run: f"frac {row.train_fraction:g}, wd {row.weight_decay:g}, {row.optimizer}, seed {row.seed}"
        for row in controlled.head(max_runs).itertuples()
    }


def plot(curves: pd.DataFrame, summary: pd.DataFrame, progress: pd.DataFrame) -> plt.Figure:
    runs = panel_runs(progress)
    figure, axes = plt.subplots(4, len(runs), figsize=(4.2 * len(runs), 11), sharex=True, sharey="row", squeeze=False)
    for column, (run, label) in enumerate(runs.items()):
        rows = progress[progress["run"] == run]
        train, val, middle, bottom = axes[:, column]
        for axis, split in ((train, "train"), (val, "val")):
            edge = departure_from_controls(progress, run, split=split)
            half = departure_from_controls(progress, run, split=split, controls=RANDOM_BAND, factor=DEPARTURE_FACTOR)
            draw_losses(axis, rows[rows["split"] == split], edge, half)
        memorizer = rows[rows["control"] == "memorizer"]
        control_name = memorizer["measured_run"].iloc[0] if len(memorizer) else None
        draw_effective_frequencies(middle, progress, run, control_name)
        accuracy = accuracy_curves(curves[curves["run"] == run])
        validation = accuracy[accuracy["split"] == "validation"]
        bottom.plot(validation["step"], validation["value"], "-", color="C1", label="validation accuracy")
        if control_name is not None:
            control = accuracy_curves(curves[curves["run"] == control_name])
            control = control[control["split"] == "validation"]
            bottom.plot(control["step"], control["value"], "--", color="grey", label="memorizer (wd 0)")
        step_axes_marking_grokking((train, val, middle, bottom), summary, run)
        keys = rows.loc[rows["control"] == "none", "key_frequencies"].iloc[0]
        train.set_title(f"{label}\nkey frequencies k = {keys.replace(' ', ', ')}", fontsize=9)
        bottom.set(xlabel="optimization step (log)", ylim=(-0.02, 1.02))
    axes[0, 0].set_ylabel("loss on the training pairs")
    axes[1, 0].set_ylabel("loss on the validation pairs")
    axes[2, 0].set_ylabel("effective number of\nembedding frequencies")
    axes[3, 0].set_ylabel("validation accuracy")
    axes[0, 0].legend(fontsize=6.5, loc="lower left")
    axes[2, 0].legend(fontsize=7)
    axes[3, 0].legend(fontsize=7, loc="upper left")
    shown = steps_shown(summary[summary["run"].isin(list(runs))])
    figure.suptitle(
        "Progress measures (Nanda et al. 2023) beside their controls, on the training pairs (top) and the\n"
        "validation pairs (2nd row): the memorizing run (wd 0, same split) and random non-key frequencies;\n"
        "green: where the restricted loss leaves both controls' band for good, dashed: falls below "
        f"{DEPARTURE_FACTOR:g}x\nthe lowest random-frequency control for good (runs shown that never reached 95% "
        f"validation accuracy: {never_label(shown)})",
        y=1.0,
    )
    figure.tight_layout()
    return figure


def draw_losses(axis: plt.Axes, rows: pd.DataFrame, departure: float, half: float) -> None:
    """On one split's rows: the run's full, restricted and excluded losses, the memorizer's
    restricted loss at the same key frequencies, the band of restricted losses at random
    frequencies, chance; where the restricted loss leaves both controls for good (``departure``)
    and falls below :data:`DEPARTURE_FACTOR` of the random band for good (``half``)."""
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
    chance = math.log(rows["modulus"].iloc[0])
    axis.axhline(chance, color="black", linewidth=0.8, alpha=0.5, label="chance, log p")
    marks = [(departure, "-", "leaves both controls"), (half, "--", f"< {DEPARTURE_FACTOR:g}x lowest random k")]
    for line, (step, style, what) in enumerate(marks):
        if not math.isnan(step):
            axis.axvline(step, color="green", linestyle=style, linewidth=1.5, alpha=0.8)
            axis.text(0.98, 0.95 - 0.08 * line, f"{what}: step {step:,.0f}", transform=axis.transAxes, ha="right",
                      va="top", fontsize=7, color="green")  # fmt: skip
    axis.text(0.02, 0.95, SPLIT_NAMES[rows["split"].iloc[0]], transform=axis.transAxes, va="top", fontsize=8)
    axis.set_ylim(0, 1.5 * chance)  # linear: the controls sit within a nat of chance, where a log axis hides them


def draw_effective_frequencies(axis: plt.Axes, progress: pd.DataFrame, run: str, memorizer: str | None) -> None:
    """The run's effective number of embedding frequencies, the band of its embedding with the
    residues permuted (the random control), and the memorizer's own where there is one."""
    rows = progress[(progress["run"] == run) & (progress["metric"] == "effective_frequencies")]
    own = rows[rows["control"] == "none"].sort_values("step")
    axis.plot(own["step"], own["value"], marker="o", markersize=2.5, color="C3", label="this run")
    permuted = rows[rows["control"] == "permuted_residues"]
    if len(permuted):
        band = permuted.groupby("step")["value"].agg(["min", "max"])
        label = f"control: residues permuted ({permuted['frequency_set'].nunique()} draws)"
        axis.fill_between(band.index, band["min"], band["max"], color="grey", alpha=0.35, label=label)
    if memorizer is not None:
        control = progress[(progress["run"] == memorizer) & (progress["control"] == "none")]
        effective = control[control["metric"] == "effective_frequencies"].sort_values("step")
        axis.plot(effective["step"], effective["value"], "--", color="C3", alpha=0.6, label="memorizer (wd 0)")
