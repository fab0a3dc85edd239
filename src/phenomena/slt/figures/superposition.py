"""Figure: the toy model of superposition, one row per seed: training loss and LLC over training
(log steps), the loss-drop intervals shaded, and the columns of W drawn at the snapshots where
the weights change k-gon (the last snapshot of each k) and at the end."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from phenomena.slt.superposition import drop_intervals

CONFIGURATIONS = 3  # weight pictures per seed


def configuration_steps(llc: pd.DataFrame, count: int = CONFIGURATIONS) -> list[int]:
    """Snapshots worth drawing: the last snapshot of each k-gon stretch (where the weights leave
    it), the latest ``count`` of them, ending with the final snapshot."""
    run = llc.sort_values("step")
    changes = run["vertices"].ne(run["vertices"].shift(-1)).to_numpy()
    chosen = list(run.loc[changes, "step"])
    return sorted(set(chosen[-count:]))


def plot(curves: pd.DataFrame, llc: pd.DataFrame, weights: pd.DataFrame) -> plt.Figure:
    seeds = sorted(llc["seed"].unique())
    figure = plt.figure(figsize=(11, 2.3 * len(seeds)))
    grid = figure.add_gridspec(len(seeds), 2 + CONFIGURATIONS, width_ratios=[3.2, 0.3] + [1] * CONFIGURATIONS)
    for row, seed in enumerate(seeds):
        run_llc = llc[llc["seed"] == seed].sort_values("step")
        loss_axis = figure.add_subplot(grid[row, 0])
        history = curves[(curves["seed"] == seed) & (curves["metric"] == "loss")].sort_values("step")
        history = history[history["step"] > 0]
        loss_axis.plot(history["step"], history["value"], color="tab:blue", linewidth=1, label="training loss")
        snapshots = run_llc[run_llc["step"] > 0]
        drops = drop_intervals(snapshots["loss"])
        steps = snapshots["step"].to_numpy()
        for index in np.flatnonzero(drops):
            loss_axis.axvspan(steps[index], steps[index + 1], color="tab:blue", alpha=0.12, linewidth=0)
        loss_axis.set_xscale("log")
        loss_axis.set_yscale("log")
        loss_axis.set_ylabel(f"seed {seed}\nloss", color="tab:blue")
        llc_axis = loss_axis.twinx()
        llc_axis.errorbar(
            snapshots["step"],
            snapshots["llc"],
            yerr=snapshots["llc_std"],
            color="tab:red",
            marker="o",
            markersize=3,
            linewidth=1,
            label="LLC",
        )
        llc_axis.set_ylabel("LLC", color="tab:red")
        for column, step in enumerate(configuration_steps(run_llc)):
            draw_configuration(figure.add_subplot(grid[row, 2 + column]), weights, seed, step, run_llc)
        if row == len(seeds) - 1:
            loss_axis.set_xlabel("training step (log)")
    figure.suptitle(
        "Toy model of superposition: loss (blue; shaded: loss drops) and LLC (red, bars: chains) over training;"
        " right: the columns of W where the weights leave a k-gon",
        y=1.0,
        fontsize="medium",
    )
    figure.tight_layout()
    return figure


def draw_configuration(axis: plt.Axes, weights: pd.DataFrame, seed: int, step: int, llc: pd.DataFrame) -> None:
    """The columns of W at one snapshot, as arrows from the origin (a k-gon's vertices)."""
    columns = weights[(weights["seed"] == seed) & (weights["step"] == step)]
    for column in columns.itertuples():
        axis.plot([0, column.x], [0, column.y], color="tab:blue", linewidth=1.5)
        axis.plot(column.x, column.y, "o", color="tab:blue", markersize=3)
    axis.plot(0, 0, "+", color="grey", markersize=6)
    extent = max(1.0, float(np.abs(columns[["x", "y"]].to_numpy()).max()) * 1.15) if len(columns) else 1.0
    axis.set_xlim(-extent, extent)
    axis.set_ylim(-extent, extent)
    axis.set_aspect("equal")
    axis.set_xticks([])
    axis.set_yticks([])
    vertices = llc.loc[llc["step"] == step, "vertices"]
    k = int(vertices.iloc[0]) if len(vertices) else 0
    axis.set_title(f"step {step}: {k}-gon", fontsize="small")
