"""Figure 6: Nanda et al.'s progress measures over training, grokking step marked."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from phenomena.grokking.figures import accuracy_curves, step_axes_marking_grokking, trajectory_runs

LOSSES = {
    "loss": ("full logits", "-"),
    "restricted_loss": ("restricted (key frequencies only)", "-"),
    "excluded_loss": ("excluded (key frequencies removed)", "--"),
}


def plot(curves: pd.DataFrame, summary: pd.DataFrame, progress: pd.DataFrame) -> plt.Figure:
    runs = trajectory_runs(progress)
    figure, axes = plt.subplots(3, len(runs), figsize=(3.6 * len(runs), 7.5), sharex=True, sharey="row", squeeze=False)
    for column, (run, label) in enumerate(runs.items()):
        rows = progress[progress["run"] == run]
        measures = rows.pivot_table(index="step", columns="metric", values="value")
        accuracy = accuracy_curves(curves[curves["run"] == run])
        validation = accuracy[accuracy["split"] == "validation"]
        top, middle, bottom = axes[:, column]
        for metric, (name, style) in LOSSES.items():
            top.plot(measures.index, measures[metric], style, marker="o", markersize=2.5, label=name)
        top.set_yscale("log")
        middle.plot(measures.index, measures["effective_frequencies"], marker="o", markersize=2.5, color="C3")
        share = middle.twinx()
        share.plot(measures.index, measures["key_frequency_share"], ":", color="C4", label="key-frequency share")
        share.set_ylim(0, 1.02)
        if column == len(runs) - 1:
            share.set_ylabel("share of embedding norm\nin key frequencies (dotted)")
        else:
            share.set_yticks([])
        share.grid(False)
        bottom.plot(validation["step"], validation["value"], "--", color="C1", label="validation accuracy")
        step_axes_marking_grokking((top, middle, bottom), summary, run)
        keys = rows["key_frequencies"].iloc[0]
        top.set_title(f"{label}\nkey frequencies k = {keys.replace(' ', ', ')}", fontsize=9)
        bottom.set(xlabel="optimization step (log)", ylim=(-0.02, 1.02))
    axes[0, 0].set_ylabel("training loss (log)")
    axes[1, 0].set_ylabel("effective number of\nembedding frequencies")
    axes[2, 0].set_ylabel("validation accuracy")
    axes[0, 0].legend(fontsize=7)
    axes[2, 0].legend(fontsize=7, loc="upper left")
    figure.suptitle("Progress measures (Nanda et al. 2023): the Fourier algorithm forms before the jump", y=1.0)
    figure.tight_layout()
    return figure
