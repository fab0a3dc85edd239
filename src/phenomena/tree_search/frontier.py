"""The train/test compute frontier (Jones 2021): how much test-time search one unit of training
compute is worth.

For an Elo level, each (network, search budget) line of snapshots reaches the level at some
training compute (interpolated between snapshots, log-linear); with the budget's test compute
per move this is one (train, test) point. The iso-Elo curve is the lower-left envelope of those
points over networks and budgets: the cheapest test compute for each training compute. Jones's
form fits log10(test) = a_level + slope * log10(train), one slope for all levels: -slope is how
many times less test compute one times more training compute buys (slope -1: one for one).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phenomena.tree_search.elo import percentile_interval

MIN_POINTS = 3
"""Points an iso-Elo curve needs to take part in the fit."""


def first_crossing(train_flops: np.ndarray, elo: np.ndarray, level: float) -> float:
    """Train compute at which ``elo`` first reaches ``level`` (log-linear interpolation between
    snapshots); nan if it never does, or already did at the first snapshot (the crossing is unknown)."""
    above = np.flatnonzero(elo >= level)
    if len(above) == 0 or above[0] == 0:
        return float("nan")
    k = above[0]
    x0, x1, y0, y1 = np.log10(train_flops[k - 1]), np.log10(train_flops[k]), elo[k - 1], elo[k]
    return float(10 ** (x0 + (level - y0) / (y1 - y0) * (x1 - x0)))


def frontier_players(summary: pd.DataFrame) -> pd.DataFrame:
    """The players the frontier is built from: raw policy and PUCT players of trained snapshots
    (AlphaZero self-play runs), one row per (network, budget, snapshot)."""
    rows = summary[
        (summary["kind"] == "network") & (summary["search"].isin(["policy", "puct"])) & (summary["train_flops"] > 0)
    ]
    if "selfplay_search" in rows:
        rows = rows[rows["selfplay_search"] == "puct"]
    return rows[["player", "network", "budget", "iteration", "train_flops", "flops_per_move", "elo"]].copy()


def iso_elo_points(players: pd.DataFrame, elo: pd.Series, level: float) -> pd.DataFrame:
    """The iso-Elo curve at ``level``: the (train, test) points on the lower-left envelope.

    ``elo`` maps player names to Elo (the fit, or one bootstrap draw)."""
    points = []
    table = players.assign(elo=players["player"].map(elo))
    for (network, budget), line in table.groupby(["network", "budget"]):
        line = line.sort_values("train_flops")
        train = first_crossing(line["train_flops"].to_numpy(), line["elo"].to_numpy(), level)
        if np.isfinite(train):
            points.append(
                {"network": network, "budget": budget, "train": train, "test": line["flops_per_move"].iloc[0]}
            )
    if not points:
        return pd.DataFrame(columns=["network", "budget", "train", "test"])
    points = pd.DataFrame(points).sort_values(["train", "test"])
    envelope = points["test"] < points["test"].cummin().shift(fill_value=np.inf)
    return points[envelope].reset_index(drop=True)


def fit_common_slope(curves: dict[float, pd.DataFrame]) -> tuple[float, float]:
    """Least-squares slope of log10(test) on log10(train) with one intercept per level, and the
    fraction of the within-level variance of log10(test) it explains (R^2)."""
    xs, ys = [], []
    for points in curves.values():
        x, y = np.log10(points["train"].to_numpy()), np.log10(points["test"].to_numpy())
        xs.append(x - x.mean())
        ys.append(y - y.mean())
    x, y = np.concatenate(xs), np.concatenate(ys)
    if len(x) < 2 or not (x**2).sum() > 0:
        return float("nan"), float("nan")
    slope = float((x * y).sum() / (x**2).sum())
    residual = y - slope * x
    r_squared = float(1 - (residual**2).sum() / (y**2).sum()) if (y**2).sum() > 0 else float("nan")
    return slope, r_squared


def candidate_levels(players: pd.DataFrame, count: int) -> np.ndarray:
    """``count`` Elo levels spread between the 10% and 90% quantiles of the frontier players' Elo."""
    low, high = np.percentile(players["elo"], [10, 90])
    return np.linspace(low, high, count)


def estimate_frontier(
    summary: pd.DataFrame, draws: pd.DataFrame, level_count: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Iso-Elo curves and Jones's slope with its bootstrap interval.

    Returns (points: one row per level and envelope point; estimates: rows named
    ``frontier_slope``, ``frontier_r_squared`` and ``frontier_slope_elo<level>`` per level). The
    levels are those of ``level_count`` candidates whose curve has at least ``MIN_POINTS``
    points in the fit; each bootstrap draw refits the curves at the same levels.
    """
    players = frontier_players(summary)
    empty = pd.DataFrame(columns=["estimate_name", "estimate", "estimate_ci_low", "estimate_ci_high"])
    if players.empty:
        return pd.DataFrame(columns=["level", "network", "budget", "train", "test"]), empty
    elo = players.set_index("player")["elo"]
    curves = {level: iso_elo_points(players, elo, level) for level in candidate_levels(players, level_count)}
    curves = {level: points for level, points in curves.items() if len(points) >= MIN_POINTS}
    points = pd.concat([p.assign(level=level) for level, p in curves.items()], ignore_index=True) if curves else None
    if not curves:
        return pd.DataFrame(columns=["level", "network", "budget", "train", "test"]), empty
    slope, r_squared = fit_common_slope(curves)
    per_level = {level: fit_common_slope({level: p})[0] for level, p in curves.items()}
    boot_slopes, boot_levels = [], {level: [] for level in curves}
    for _, draw in draws.iterrows():
        drawn = {level: iso_elo_points(players, draw, level) for level in curves}
        usable = {level: p for level, p in drawn.items() if len(p) >= 2}
        if usable:
            boot_slopes.append(fit_common_slope(usable)[0])
        for level, p in usable.items():
            boot_levels[level].append(fit_common_slope({level: p})[0])
    rows = [estimate_row("frontier_slope", slope, boot_slopes, len(points))]
    rows.append({"estimate_name": "frontier_r_squared", "estimate": r_squared, "estimate_count": len(points)})
    for level, value in per_level.items():
        row = estimate_row(f"frontier_slope_elo{level:.0f}", value, boot_levels[level], len(curves[level]))
        rows.append({**row, "level": level})
    return points, pd.DataFrame(rows)


def estimate_row(name: str, value: float, draws: list[float], count: int) -> dict:
    finite = np.asarray([d for d in draws if np.isfinite(d)])
    low, high = percentile_interval(finite) if len(finite) else (np.nan, np.nan)
    return {
        "estimate_name": name,
        "estimate": value,
        "estimate_ci_low": float(low),
        "estimate_ci_high": float(high),
        "estimate_count": count,
    }
