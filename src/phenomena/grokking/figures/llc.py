"""Figure 5: the LLC over training beside train and validation accuracy, grokking step marked."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from phenomena.grokking.figures import (
    accuracy_curves,
    never_label,
    step_axes_marking_grokking,
    steps_shown,
    trajectory_runs,
)


def plot(
    curves: pd.DataFrame, summary: pd.DataFrame, llc: pd.DataFrame, lead: pd.DataFrame | None = None
) -> plt.Figure:
    """``lead``: the table of :func:`phenomena.grokking.metrics.llc_lead`; its half-fall steps are marked."""
    runs = trajectory_runs(llc)
    figure, axes = plt.subplots(2, len(runs), figsize=(3.6 * len(runs), 5.2), sharex=True, sharey="row", squeeze=False)
    for column, (run, label) in enumerate(runs.items()):
        top, bottom = axes[0, column], axes[1, column]
        accuracy = accuracy_curves(curves[curves["run"] == run])
        for split, style in (("train", "-"), ("validation", "--")):
            rows = accuracy[accuracy["split"] == split]
            top.plot(rows["step"], rows["value"], style, label=f"{split} accuracy")
        estimate = llc[(llc["run"] == run)].pivot_table(index="step", columns="metric", values="value")
        bottom.errorbar(
            estimate.index, estimate["llc"], yerr=estimate["llc_std"], marker="o", markersize=3, color="C2",
            capsize=2, label="LLC (bars: spread over chains)",
        )  # fmt: skip
        fall = lead[lead["run"] == run] if lead is not None else pd.DataFrame()
        if len(fall):
            label_fall = f"LLC half way down: step {fall['llc_half_fall_step'].iloc[0]:,}"
            for axis in (top, bottom):
                axis.axvline(fall["llc_half_fall_step"].iloc[0], color="C2", linewidth=1.5, alpha=0.7, label=label_fall)
        step_axes_marking_grokking((top, bottom), summary, run)
        top.set(title=label, ylim=(-0.02, 1.02))
        bottom.set_yscale("log")  # the LLC spans three decades from memorization to the algorithm
        bottom.set(xlabel="optimization step (log)")
    axes[0, 0].set_ylabel("accuracy")
    axes[1, 0].set_ylabel("local learning coefficient (log)")
    axes[0, 0].legend(fontsize=8, loc="center left")
    for axis in axes[1]:
        axis.legend(fontsize=7)
    shown = steps_shown(summary[summary["run"].isin(list(runs))])
    figure.suptitle(
        "Model complexity (LLC) while the network memorizes, then generalizes (green: the LLC half way down\n"
        "from its peak to its last value; dotted: 95% validation accuracy)\n"
        f"(runs shown that never reached 95% validation accuracy: {never_label(shown)})",
        y=1.0,
    )
    figure.tight_layout()
    return figure
