"""Figure 3: train compute vs test compute (Jones 2021). Left: Elo against training compute, one
line per network and test budget. Right: the iso-Elo curves (cheapest test compute per move
that reaches an Elo level, for each training compute) with Jones's fitted common slope."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import NullFormatter

from phenomena.tree_search.figures import budget_label, budget_palette, estimates_by_name
from phenomena.tree_search.frontier import frontier_players, iso_elo_points

NETWORK_STYLES = ["-", "--", ":", "-."]


def plot(curves: pd.DataFrame, summary: pd.DataFrame, estimates: pd.DataFrame) -> plt.Figure:
    players = frontier_players(summary)
    figure, (left, right) = plt.subplots(1, 2, figsize=(12.5, 4.6), gridspec_kw={"wspace": 0.3})
    draw_elo_against_training(left, players)
    draw_iso_elo_curves(right, players, estimates_by_name(estimates))
    return figure


def draw_elo_against_training(axis: plt.Axes, players: pd.DataFrame) -> None:
    """Elo against training compute: colour = test budget, line style = network."""
    palette = budget_palette(players["budget"])
    styles = dict(zip(sorted(players["network"].unique(), key=width_of), NETWORK_STYLES * 4))
    table = players.groupby(["network", "budget", "iteration"])[["train_flops", "elo"]].mean().reset_index()
    for (network, budget), line in table.groupby(["network", "budget"]):
        line = line.sort_values("train_flops")
        axis.plot(
            line["train_flops"],
            line["elo"],
            marker="o",
            markersize=3,
            linestyle=styles[network],
            color=palette[budget_label(budget)],
        )
    for label, colour in palette.items():
        axis.plot([], [], color=colour, label=label)
    for network, style in styles.items():
        axis.plot([], [], color="black", linestyle=style, label=network)
    axis.set_xscale("log")
    axis.set(xlabel="training compute (FLOPs, log)", ylabel="Elo (random = 0)", title="Elo against training compute")
    axis.legend(fontsize=7, ncol=2)


def width_of(network: str) -> int:
    digits = "".join(c for c in network.split("_")[0] if c.isdigit())
    return int(digits) if digits else 0


def draw_iso_elo_curves(axis: plt.Axes, players: pd.DataFrame, fitted: pd.DataFrame) -> None:
    """The iso-Elo curves at the fitted levels, and the common-slope lines through them."""
    levels = fitted[fitted.index.str.startswith("frontier_slope_elo")]
    if players.empty or levels.empty:
        axis.text(
            0.5,
            0.5,
            "fewer than 3 points on every iso-Elo curve:\ntrain longer or add snapshots",
            transform=axis.transAxes,
            ha="center",
            va="center",
        )
        axis.set_axis_off()
        return
    slope = fitted.loc["frontier_slope"]
    elo = players.groupby("player")["elo"].mean()
    colours = sns.color_palette("rocket_r", n_colors=len(levels))
    for (_, row), colour in zip(levels.sort_values("level").iterrows(), colours):
        points = iso_elo_points(players.drop_duplicates("player"), elo, row["level"])
        x, y = np.log10(points["train"]), np.log10(points["test"])
        axis.plot(
            points["train"],
            points["test"],
            marker="o",
            linestyle="none",
            color=colour,
            label=f"Elo {row['level']:.0f} ({len(points)} points)",
        )
        span = np.linspace(x.min(), x.max(), 10)
        axis.plot(10**span, 10 ** (y.mean() + slope["estimate"] * (span - x.mean())), color=colour, linewidth=1)
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.xaxis.set_minor_formatter(NullFormatter())  # minor labels of a short log axis overlap
    r_squared = fitted.loc["frontier_r_squared", "estimate"] if "frontier_r_squared" in fitted.index else np.nan
    axis.set(
        xlabel="training compute (FLOPs, log)",
        ylabel="test compute per move (FLOPs, log)",
        title=(
            f"Iso-Elo curves; common slope {slope['estimate']:.2f} "
            f"(95% CI {slope['estimate_ci_low']:.2f} to {slope['estimate_ci_high']:.2f}), R² {r_squared:.2f}"
        ),
    )
    axis.title.set_fontsize(9)
    axis.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
