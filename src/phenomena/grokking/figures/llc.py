"""Figure 5: the LLC over training beside train and validation accuracy, grokking step marked, with
the memorizing control's LLC and both crossings of the geometric midpoint."""

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
from phenomena.grokking.llc_lead import in_basin


def plot(
    curves: pd.DataFrame, summary: pd.DataFrame, llc: pd.DataFrame, lead: pd.DataFrame | None = None
) -> plt.Figure:
    """``lead``: the table of :func:`phenomena.grokking.llc_lead.llc_lead`; its crossings are marked and
    the memorizing control's LLC drawn beside the run's."""
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
        mark_left_basin(bottom, llc[llc["run"] == run])
        fall = lead[lead["run"] == run] if lead is not None and len(lead) else pd.DataFrame()
        if len(fall):
            draw_crossings(top, bottom, llc, fall.iloc[0])
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
        "Model complexity (LLC) while the network memorizes, then generalizes (green: where the LLC crosses the\n"
        "geometric midpoint of its maximum and its last value; grey: the same for the memorizing control, wd 0;\n"
        "dotted: 95% validation accuracy)\n"
        f"(runs shown that never reached 95% validation accuracy: {never_label(shown)})",
        y=1.0,
    )
    figure.tight_layout()
    return figure


def mark_left_basin(axis: plt.Axes, llc: pd.DataFrame) -> None:
    """A red cross on each LLC estimate whose chains left the basin (:func:`in_basin`): left out of
    the crossings and the fall, drawn so that the reader sees why."""
    estimates = llc[llc["metric"] == "llc"]
    left = estimates[~in_basin(llc)]
    if len(left):
        label = "chains left the basin: left out"
        named = label in axis.get_legend_handles_labels()[1]  # the run's and its control's: one entry
        axis.plot(left["step"], left["value"], "x", color="C3", markersize=8, label=None if named else label)


def draw_crossings(top: plt.Axes, bottom: plt.Axes, llc: pd.DataFrame, fall: pd.Series) -> None:
    """The run's crossing (green) on both panels; its memorizing control's LLC and crossing (grey) below."""
    label = f"LLC at its geometric midpoint: step {fall['llc_crossing_step']:,.0f}"
    for axis in (top, bottom):
        axis.axvline(fall["llc_crossing_step"], color="C2", linewidth=1.5, alpha=0.7, label=label)
    control = llc[(llc["run"] == fall.get("control_run", "")) & (llc["metric"] == "llc")].sort_values("step")
    if len(control):
        memorizer = "memorizing control (wd 0)"
        bottom.plot(control["step"], control["value"], "s-", color="grey", markersize=3, label=memorizer)
        mark_left_basin(bottom, llc[llc["run"] == fall["control_run"]])
        crossing = fall["control_crossing_step"]
        if pd.notna(crossing):
            bottom.axvline(crossing, color="grey", linestyle="--", label=f"control's midpoint: step {crossing:,.0f}")
        else:
            bottom.plot([], [], color="grey", linestyle="--", label="control's midpoint: never crossed")
