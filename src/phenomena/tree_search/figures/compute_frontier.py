"""Figure 3: train compute vs test compute (Jones 2021). Left: Elo against training compute, one
line per width and test budget (mean over seeds). Right: Jones's iso-Elo envelopes of the levels
that enter the fit (``frontier.parquet``), each point at its interpolated crossing, and the
common slope through each level; the title gives the slope, its interval and what it rests on."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import NullFormatter

from phenomena.tree_search.estimates import frontier_players
from phenomena.tree_search.figures import budget_label, budget_palette, estimates_by_name
from phenomena.tree_search.frontier import CALIBRATED_SLOPES, JONES_SLOPE

NETWORK_STYLES = ["-", "--", ":", "-."]


def plot(curves: pd.DataFrame, summary: pd.DataFrame, estimates: pd.DataFrame, frontier: pd.DataFrame) -> plt.Figure:
    players = frontier_players(summary)
    figure, (left, right) = plt.subplots(1, 2, figsize=(12.5, 4.8), gridspec_kw={"wspace": 0.3})
    draw_elo_against_training(left, players)
    draw_envelopes(right, frontier, estimates_by_name(estimates))
    return figure


def draw_elo_against_training(axis: plt.Axes, players: pd.DataFrame) -> None:
    """Elo against training compute: colour = test budget, line style = network width."""
    palette = budget_palette(players["budget"])
    styles = dict(zip(sorted(players["network"].unique(), key=width_of), NETWORK_STYLES * 4))
    table = players.groupby(["network", "budget", "iteration"])[["train_flops", "elo"]].mean().reset_index()
    for (network, budget), line in table.groupby(["network", "budget"]):
        line = line.sort_values("train_flops")
        colour = palette[budget_label(budget)]
        axis.plot(line["train_flops"], line["elo"], marker="o", markersize=3, linestyle=styles[network], color=colour)
    for label, colour in palette.items():
        axis.plot([], [], color=colour, label=label)
    for network, style in styles.items():
        axis.plot([], [], color="black", linestyle=style, label=network)
    axis.set_xscale("log")
    axis.set(xlabel="training compute (FLOPs, log)", ylabel="Elo (random = 0)", title="Elo against training compute")
    axis.title.set_fontsize(9)
    axis.legend(fontsize=7, ncol=2)


def width_of(network: str) -> int:
    digits = "".join(c for c in network.split("_")[0] if c.isdigit())
    return int(digits) if digits else 0


def slope_title(fitted: pd.DataFrame) -> str:
    """The slope with its interval and what it rests on, or the verdict that replaces it."""
    if "frontier_slope" not in fitted.index:
        return "no frontier players"
    row = fitted.loc["frontier_slope"]
    levels = int(row["levels"])
    plural = "s" * (levels != 1)
    rests_on = f"{levels} level{plural}, {row['estimate_count']:.0f} fitted points, {row['runs']:.0f} networks"
    if not np.isfinite(row["estimate"]):
        gate = fitted.loc["test_elo_per_decade"]
        return (
            f"no slope: {row.get('verdict', 'no level has 3 fitted points')}\n(search: {gate['estimate']:.0f} Elo "
            f"per decade of test compute, 95% CI {gate['estimate_ci_low']:.0f} to {gate['estimate_ci_high']:.0f}); "
            f"{rests_on}"
        )
    low, high = CALIBRATED_SLOPES
    calibrated = "" if low <= row["estimate"] <= high else f" (interval calibrated for {low:g} to {high:g} only)"
    return (
        f"common slope {row['estimate']:.2f} (95% CI {row['estimate_ci_low']:.2f} to {row['estimate_ci_high']:.2f}; "
        f"runs and openings resampled, {row['failed_draws']:.0%} of draws without a level){calibrated}\n"
        f"{rests_on}; Jones 2021 (Hex): about {JONES_SLOPE}"
    )


def draw_envelopes(axis: plt.Axes, frontier: pd.DataFrame, fitted: pd.DataFrame) -> None:
    """The fitted levels' envelope points at their crossings (hollow: the line starts above the
    level, out of the fit) and the common slope through each; the other levels' points in grey."""
    axis.set_title(slope_title(fitted), fontsize=8)
    if len(frontier):  # every level's envelope, faint: the fitted levels are drawn over them
        others = frontier[~frontier["fitted"].astype(bool)]
        x = others["train_crossing"].fillna(others["train"])
        axis.plot(x, others["test"], ".", color="lightgrey", label="levels not fitted (< 3 crossings)")
    points = frontier[frontier["fitted"].astype(bool)] if len(frontier) else frontier
    if points.empty:
        axis.text(0.5, 0.5, "no Elo level has 3 fitted envelope points", transform=axis.transAxes, ha="center")
        axis.set_axis_off()
        return
    slope = fitted.loc["frontier_slope", "estimate"] if "frontier_slope" in fitted.index else np.nan
    levels = sorted(points["level"].unique())
    for level, colour in zip(levels, sns.color_palette("rocket_r", n_colors=len(levels))):
        mine = points[points["level"] == level]
        crossed = mine[mine["train_crossing"].notna()]
        axis.plot(crossed["train_crossing"], crossed["test"], "o", color=colour, label=f"Elo {level:.0f}")
        censored = mine[mine["train_crossing"].isna()]
        axis.plot(censored["train"], censored["test"], "o", color=colour, markerfacecolor="none")
        if np.isfinite(slope) and len(crossed) > 1:
            x, y = np.log10(crossed["train_crossing"]), np.log10(crossed["test"])
            span = np.linspace(x.min(), x.max(), 10)
            axis.plot(10**span, 10 ** (y.mean() + slope * (span - x.mean())), color=colour, linewidth=1)
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.xaxis.set_minor_formatter(NullFormatter())  # minor labels of a short log axis overlap
    axis.set(xlabel="training compute at the level (FLOPs, log)", ylabel="test compute per move (FLOPs, log)")
    axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
