"""Figure: lazy vs rich training: the tangent kernel's change against width and output scale, and
the learned functions of a narrow and a wide network beside their linearizations."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from phenomena.common.plotting import log_step_axis
from phenomena.inductive_bias.figures import interval_text, method_text, summary_rows
from phenomena.inductive_bias.metrics import last_records


def plot(curves: pd.DataFrame, functions: pd.DataFrame, summary: pd.DataFrame) -> plt.Figure:
    change = last_records(curves, "grid", "kernel_change")
    slopes = summary_rows(summary, "kernel", "kernel_change_slope_vs_width")
    alpha_slopes = summary_rows(summary, "kernel", "kernel_change_slope_vs_alpha")
    figure, axes = plt.subplots(1, 3, figsize=(15, 4.3))
    draw_change(axes[0], change[change["alpha"] == 1.0], "width", slopes, "width (alpha 1)")
    reference = change[change["alpha"] != 1.0]["width"].unique()
    if len(reference):
        at_reference = change[change["width"] == reference[0]]
        draw_change(axes[1], at_reference, "alpha", alpha_slopes, f"output scale alpha (width {reference[0]})")
    else:
        axes[1].set_visible(False)
    draw_functions(axes[2], functions)
    fits = [(axis, rows.iloc[0]) for axis, rows in (("width", slopes), ("alpha", alpha_slopes)) if len(rows)]
    text = "; ".join(f"{axis}^{interval_text(row, digits=2)}" for axis, row in fits)
    if fits:
        text = f"\n(relative kernel change ~ {text}, {method_text(fits[0][1])})"
    figure.suptitle("Wide networks train lazily: their tangent kernel barely moves" + text, y=1.05)
    figure.tight_layout()
    return figure


def draw_change(axis: plt.Axes, change: pd.DataFrame, column: str, slopes: pd.DataFrame, label: str) -> None:
    """Relative kernel change per seed (points) against ``column``, log-log, with the fitted line."""
    axis.scatter(change[column], change["value"], color="C0", s=18, alpha=0.7, label="one seed")
    means = change.groupby(column)["value"].mean()
    if len(slopes):
        row = slopes.iloc[0]
        x = np.array(sorted(means.index), dtype=float)
        intercept = np.mean(np.log(means.to_numpy()) - row["value"] * np.log(means.index.to_numpy(dtype=float)))
        axis.plot(
            x,
            np.exp(intercept) * x ** row["value"],
            color="C3",
            label=f"slope {row['value']:.2f} [{row['low']:.2f}, {row['high']:.2f}]\n(per-seed fits, t-interval)",
        )
    log_step_axis(axis, "x")
    axis.set_yscale("log")
    axis.set(xlabel=label, ylabel="||K_T - K_0|| / ||K_0||", title=f"How far the kernel moves, by {column}")
    axis.legend(fontsize=8)


def draw_functions(axis: plt.Axes, functions: pd.DataFrame) -> None:
    """Seed 0's narrowest and widest networks (alpha 1) and their linearized predictions; the target."""
    rows = functions[(functions["alpha"] == 1.0) & (functions["seed"] == functions["seed"].min())]
    widths = sorted(rows["width"].unique())
    chosen = [widths[0], widths[-1]]
    target = rows[(rows["metric"] == "target") & (rows["width"] == widths[0])]
    axis.plot(target["x"], target["value"], color="0.5", linestyle=":", label="target sin(3x)")
    for colour, width in zip(("C1", "C0"), chosen):
        for metric, style in (("network", "-"), ("linearized", "--")):
            line = rows[(rows["width"] == width) & (rows["metric"] == metric)]
            name = "network" if metric == "network" else "kernel prediction with K_0"
            axis.plot(line["x"], line["value"], color=colour, linestyle=style, label=f"width {width}: {name}")
    axis.set(xlabel="x (training points on [-1, 1])", ylabel="f(x)", title="Learned function vs kernel regression")
    axis.legend(fontsize=7)
