"""Scores between paired players, with intervals over the two sources of chance: training runs
and opening classes.

A pooled score (a ratio of sums: the players' total score over their games) is laid out on a
grid of cells, one per training run and opening class (an opening, both colours and its mirror
image: deterministic players replay the same game on the same opening, so a class is one unit).
Runs and classes are crossed (every run plays every opening), so neither alone is the unit: the
interval is a two-way cluster jackknife, the variance of the leave-one-run-out replicates plus
that of the leave-one-class-out replicates minus that of the leave-one-cell-out replicates
(Cameron, Gelbach and Miller 2011), with t(G-1) for G the fewer of runs and classes.
``tests/tree_search/test_scores.py`` checks its coverage on synthetic arenas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phenomena.common.stats import LEVEL, Interval, jackknife_variance, t_quantile

UNITS = "an opening, both colours and its mirror image"
METHOD = "two-way jackknife over runs and opening classes, t(G-1)"


def cell_scores(games: pd.DataFrame, pairs: list[tuple[str, str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """Per (run, opening class) cell, the players' summed score against their opponents and the
    number of games: two arrays (runs, classes). ``pairs``: (run, player, opponent)."""
    parts = []
    for run, player, opponent in pairs:
        as_first = games[(games["first"] == player) & (games["second"] == opponent)]
        as_second = games[(games["first"] == opponent) & (games["second"] == player)]
        parts += [
            pd.DataFrame({"run": run, "unit": as_first["opening_unit"], "score": as_first["score_first"]}),
            pd.DataFrame({"run": run, "unit": as_second["opening_unit"], "score": 1 - as_second["score_first"]}),
        ]
    scores = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["run", "unit", "score"])
    if scores.empty:
        raise ValueError(f"no games between the pairs {pairs[:3]}...")
    grid = scores.pivot_table(index="run", columns="unit", values="score", aggfunc=["sum", "size"], fill_value=0)
    return grid["sum"].to_numpy(float), grid["size"].to_numpy(float)


def two_way_interval(sums: np.ndarray, counts: np.ndarray, level: float = LEVEL) -> Interval:
    """The pooled score ``sums.sum() / counts.sum()`` with its two-way jackknife interval (module
    docstring). With one run it is the one-way jackknife over classes, t(classes - 1)."""
    total, games = sums.sum(), counts.sum()
    estimate = float(total / games)
    runs, classes = sums.shape

    def variance(left_out_sums: np.ndarray, left_out_counts: np.ndarray) -> float:
        kept = games - left_out_counts
        replicates = (total - left_out_sums)[kept > 0] / kept[kept > 0]
        return jackknife_variance(replicates) if len(replicates) > 1 else 0.0

    by_class = variance(sums.sum(0), counts.sum(0))
    spread = by_class
    if runs > 1:
        spread += variance(sums.sum(1), counts.sum(1)) - variance(sums.ravel(), counts.ravel())
    n_units = min(runs, classes) if runs > 1 else classes
    half = t_quantile(n_units, level) * np.sqrt(max(spread, by_class))
    return Interval(estimate, estimate - half, estimate + half, METHOD, units_text(runs, classes), n_units, level)


def units_text(runs: int, classes: int) -> str:
    """What G counts, for the findings table: the fewer of runs and classes."""
    if runs == 1:
        return f"opening classes (1 training run): {UNITS}"
    return f"(the fewer of {runs} training runs and {classes} opening classes)"


def score_interval(games: pd.DataFrame, pairs: list[tuple[str, str, str]]) -> Interval:
    """The pooled score of the pairs' players against their opponents (:func:`two_way_interval`)."""
    return two_way_interval(*cell_scores(games, pairs))
