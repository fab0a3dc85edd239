"""Figure: the LLC of every model-wise double-descent network against width, beside its test
error and its parameter count, one line per label-noise level (clean labels: the control); dashed:
the same networks at the check's fraction of the SGLD step."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from phenomena.common.plotting import PALETTE, log_step_axis
from phenomena.slt.double_descent_findings import at_check_step, at_sampler_step


def plot(llc: pd.DataFrame) -> plt.Figure:
    """Left: LLC vs width (every seed a dot, line = mean) with half the parameter count, dashed at
    the check step; right: test error vs width. Dotted: each noise level's interpolation threshold
    (median over seeds)."""
    check, llc = at_check_step(llc), at_sampler_step(llc)
    noises = sorted(llc["label_noise"].unique())
    colours = dict(zip(noises, sns.color_palette(PALETTE, len(noises))))
    figure, (llc_axis, error_axis) = plt.subplots(1, 2, figsize=(10, 3.8))
    for noise in noises:
        rows = llc[llc["label_noise"] == noise]
        label = "clean labels" if noise == 0 else f"{noise:.0%} label noise"
        for axis, column in ((llc_axis, "llc"), (error_axis, "test_error")):
            means = rows.groupby("width")[column].mean()
            axis.plot(means.index, means.values, color=colours[noise], marker="o", markersize=3, label=label)
            axis.scatter(rows["width"], rows[column], color=colours[noise], s=8, alpha=0.5)
            axis.axvline(rows["interpolation_threshold"].median(), color=colours[noise], linestyle=":", linewidth=1.2)
        checked = check[check["label_noise"] == noise].groupby("width")["llc"].mean()
        if len(checked):
            factor = check["step_factor"].iloc[0]
            llc_axis.plot(
                checked.index,
                checked.values,
                color=colours[noise],
                linestyle="--",
                linewidth=1,
                label=f"{label}, {factor:g}x the step",
            )
    half = llc.drop_duplicates("width").sort_values("width")
    llc_axis.plot(half["width"], half["parameters"] / 2, color="grey", linestyle="--", label="d / 2 (regular model)")
    llc_axis.set_yscale("log")
    llc_axis.set_ylabel("LLC at the end of training (log)")
    error_axis.set_ylabel("test error")
    for axis in (llc_axis, error_axis):
        log_step_axis(axis)
        axis.set_xlabel("hidden width (log)")
    llc_axis.legend(fontsize="small")
    figure.suptitle(
        "Local learning coefficient through model-wise double descent; dots: seeds, dotted: interpolation"
        " thresholds, dashed: a smaller SGLD step",
        y=1.02,
    )
    return figure
