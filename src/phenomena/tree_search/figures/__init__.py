"""One module per figure, each with ``plot(curves, summary) -> Figure``.

``curves`` is the tidy table (training history, and per snapshot x budget: Elo, interval,
solver accuracy, score against the raw policy; ``step`` is the training iteration);
``summary`` is the Elo table, one row per player and run, baselines included.
"""

from __future__ import annotations

import pandas as pd
import seaborn as sns


def player_metric(curves: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Rows of one per-player metric of the raw policy and PUCT players (budget >= 0; the
    Gumbel players have their own figure), with the budget as a readable label."""
    rows = curves[(curves["metric"] == metric) & (curves["budget"] >= 0) & (curves["search"] != "gumbel")].copy()
    rows["search"] = rows["budget"].map(budget_label)
    return rows


def budget_label(budget: int) -> str:
    return "raw policy" if budget == 0 else f"MCTS {int(budget)}"


def budget_palette(budgets) -> dict[str, tuple]:
    """One colour per budget, from light (raw policy) to dark (largest search)."""
    budgets = sorted(set(int(b) for b in budgets))
    colours = sns.color_palette("viridis_r", n_colors=len(budgets))
    return {budget_label(b): c for b, c in zip(budgets, colours)}


def baselines(summary: pd.DataFrame, column: str) -> dict[str, float]:
    """Mean value of ``column`` for the baseline players (random, pure MCTS, perfect) across runs."""
    rows = summary[summary["kind"].isin(["random", "pure_mcts", "perfect"])]
    names = {"random": lambda group: "random (anchor)", "perfect": lambda group: "perfect play (solver)"}
    return {
        names.get(kind, lambda group: f"pure MCTS {int(group['budget'].iloc[0])}")(group): float(group[column].mean())
        for kind, group in rows.groupby("kind")
        if column in group and group[column].notna().any()
    }


def network_players(summary: pd.DataFrame) -> pd.DataFrame:
    """The network players' rows of the summary (no baselines, no estimates)."""
    return summary[summary["kind"] == "network"]


def estimates_by_name(estimates: pd.DataFrame) -> pd.DataFrame:
    """The estimates table (Gumbel minus PUCT, frontier slope) indexed by name; with several
    seeds, the mean of each estimate and of its bounds."""
    if estimates.empty or "estimate_name" not in estimates:
        return pd.DataFrame(columns=["estimate", "estimate_ci_low", "estimate_ci_high", "level"])
    return estimates.groupby("estimate_name").mean(numeric_only=True)


def network_panels(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Rows of a curves table split by network width (and self-play search, when Gumbel
    self-play runs are present), each with a panel title; seeds share a panel."""
    keys = ["hidden", "selfplay_search"] if rows["selfplay_search"].nunique() > 1 else ["hidden"]
    panels = {}
    for key, group in rows.groupby(keys):
        key = key if isinstance(key, tuple) else (key,)
        title = f"MLP width {key[0]}" + (f", {key[1]} self-play" if len(key) > 1 else "")
        panels[title] = group
    return panels
