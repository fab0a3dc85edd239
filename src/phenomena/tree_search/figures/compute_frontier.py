"""Figure 3: train compute vs test compute (Jones 2021): Elo per budget against training
compute, and the iso-Elo frontier: for each Elo level, the cheapest (train, test) pairs."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from phenomena.tree_search.figures import budget_label, budget_palette


def first_crossing(train_flops: np.ndarray, elo: np.ndarray, level: float) -> float:
    """Train compute at which ``elo`` first reaches ``level`` (log-linear interpolation between
    snapshots); nan if it never does, or already did at the first snapshot (the crossing is unknown)."""
    above = np.flatnonzero(elo >= level)
    if len(above) == 0 or above[0] == 0:
        return float("nan")
    k = above[0]
    x0, x1, y0, y1 = np.log10(train_flops[k - 1]), np.log10(train_flops[k]), elo[k - 1], elo[k]
    return float(10 ** (x0 + (level - y0) / (y1 - y0) * (x1 - x0)))


def plot(curves: pd.DataFrame, summary: pd.DataFrame) -> plt.Figure:
    players = summary[(summary["kind"] == "network") & (summary["train_flops"] > 0)]
    table = players.groupby(["budget", "iteration"])[["train_flops", "flops_per_move", "elo"]].mean().reset_index()
    palette = budget_palette(table["budget"])
    figure, (left, right) = plt.subplots(1, 2, figsize=(11.5, 4.2), gridspec_kw={"wspace": 0.35})
    for budget, line in table.groupby("budget"):
        line = line.sort_values("train_flops")
        left.plot(
            line["train_flops"],
            line["elo"],
            marker="o",
            color=palette[budget_label(budget)],
            label=budget_label(budget),
        )
    left.set_xscale("log")
    left.set(
        xlabel="training compute (FLOPs, log)", ylabel="Elo", title="Elo against training compute, per test budget"
    )
    left.legend(fontsize=8)
    low, high = table["elo"].min(), table["elo"].max()
    levels = np.linspace(low, high, 7)[1:-1]
    colours = sns.color_palette("rocket_r", n_colors=len(levels))
    for level, colour in zip(levels, colours):
        points = []
        for _, line in table.groupby("budget"):
            line = line.sort_values("train_flops")
            train = first_crossing(line["train_flops"].to_numpy(), line["elo"].to_numpy(), level)
            if np.isfinite(train):
                points.append((train, line["flops_per_move"].iloc[0]))
        if points:
            x, y = zip(*sorted(points))
            right.plot(x, y, marker="o", color=colour, label=f"Elo {level:.0f}")
    right.set_xscale("log")
    right.set_yscale("log")
    right.set(
        xlabel="training compute (FLOPs, log)",
        ylabel="test compute per move (FLOPs, log)",
        title="Iso-Elo frontier: train compute traded for search",
    )
    if right.lines:
        right.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    else:  # no budget reaches a level after its first snapshot (few snapshots, as in the smoke preset)
        right.text(
            0.5,
            0.5,
            "no budget crosses an Elo level\nbetween two snapshots:\ntrain for more iterations",
            transform=right.transAxes,
            ha="center",
            va="center",
        )
    return figure
