"""One module per figure, each with ``plot(curves, summary) -> Figure``.

``curves`` is the tidy table (training history, and per snapshot x budget: Elo, interval,
solver accuracy, score against the raw policy; ``step`` is the training iteration);
``summary`` is the Elo table, one row per player and run, baselines included.
"""

from __future__ import annotations

import pandas as pd
import seaborn as sns


def player_metric(curves: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Rows of one per-player metric (budget >= 0), with the budget as a readable label."""
    rows = curves[(curves["metric"] == metric) & (curves["budget"] >= 0)].copy()
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
    """Mean value of ``column`` for the random and pure-MCTS players across runs."""
    rows = summary[summary["kind"] != "network"]
    return {
        ("random (anchor)" if kind == "random" else f"pure MCTS {int(group['budget'].iloc[0])}"): float(
            group[column].mean()
        )
        for kind, group in rows.groupby("kind")
        if column in group and group[column].notna().any()
    }
