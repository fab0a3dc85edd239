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
    figure, (left, right) = plt.subplots(1, 2, figsize=(11.5, 4.2), gridspec_kw={"wspace": 0.35})
    draw_elo_against_training(left, table)
    draw_iso_elo_frontier(right, table)
    return figure


def draw_elo_against_training(axis: plt.Axes, table: pd.DataFrame) -> None:
    """Elo against training compute, one line per test budget."""
    palette = budget_palette(table["budget"])
    for budget, line in table.groupby("budget"):
        line = line.sort_values("train_flops")
        axis.plot(
            line["train_flops"],
            line["elo"],
            marker="o",
            color=palette[budget_label(budget)],
            label=budget_label(budget),
        )
    axis.set_xscale("log")
    axis.set(
        xlabel="training compute (FLOPs, log)", ylabel="Elo", title="Elo against training compute, per test budget"
    )
    axis.legend(fontsize=8)


def frontier_points(table: pd.DataFrame, level: float) -> list[tuple[float, float]]:
    """(train compute, test compute per move) at which each budget first reaches Elo ``level``."""
    points = []
    for _, line in table.groupby("budget"):
        line = line.sort_values("train_flops")
        train = first_crossing(line["train_flops"].to_numpy(), line["elo"].to_numpy(), level)
        if np.isfinite(train):
            points.append((train, line["flops_per_move"].iloc[0]))
    return points


def draw_iso_elo_frontier(axis: plt.Axes, table: pd.DataFrame) -> None:
    """For five Elo levels between the lowest and highest, the (train, test) compute pairs that reach it."""
    low, high = table["elo"].min(), table["elo"].max()
    levels = np.linspace(low, high, 7)[1:-1]
    colours = sns.color_palette("rocket_r", n_colors=len(levels))
    for level, colour in zip(levels, colours):
        points = frontier_points(table, level)
        if points:
            x, y = zip(*sorted(points))
            axis.plot(x, y, marker="o", color=colour, label=f"Elo {level:.0f}")
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set(
        xlabel="training compute (FLOPs, log)",
        ylabel="test compute per move (FLOPs, log)",
        title="Iso-Elo frontier: train compute traded for search",
    )
    if axis.lines:
        axis.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    else:  # no budget reaches a level after its first snapshot (few snapshots, as in the smoke preset)
        axis.text(
            0.5,
            0.5,
            "no budget crosses an Elo level\nbetween two snapshots:\ntrain for more iterations",
            transform=axis.transAxes,
            ha="center",
            va="center",
        )
