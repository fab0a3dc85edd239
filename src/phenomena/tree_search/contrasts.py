"""Who is compared with whom in the findings, and the Elo contrast's interval: the players of a
snapshot, (run, player, opponent) pairs, and Elo differences with a jackknife over runs and
opening classes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from phenomena.common.stats import Interval, jackknife_variance, t_quantile
from phenomena.tree_search.elo import linearized_draws
from phenomena.tree_search.players import NETWORK, RANDOM
from phenomena.tree_search.scores import units_text


def network_players(summary: pd.DataFrame) -> pd.DataFrame:
    """The network players, each once per seed."""
    return summary[summary["kind"] == NETWORK].drop_duplicates(["seed", "player"])


def snapshot_players(summary: pd.DataFrame, which: str) -> pd.DataFrame:
    """The network players of each run's ``first`` or ``last`` snapshot."""
    players = network_players(summary)
    pick = players.groupby(["seed", "network"])["iteration"].transform("min" if which == "first" else "max")
    return players[players["iteration"] == pick]


def matched(players: pd.DataFrame, opponents: pd.DataFrame, on: list[str]) -> list[tuple[str, str, str]]:
    """(run, player, opponent) for each player and the opponent that shares its ``on`` columns."""
    merged = players.merge(opponents, on=on, suffixes=("", "_opponent"))
    return list(zip(run_of(merged), merged["player"], merged["player_opponent"]))


def run_of(players: pd.DataFrame) -> pd.Series:
    """Each row's training run, named as :func:`phenomena.tree_search.arena.run_players` names it."""
    return players["network"].astype(str) + "_seed" + players["seed"].astype(str)


def against(players: pd.DataFrame, opponent: str) -> list[tuple[str, str, str]]:
    return list(zip(run_of(players), players["player"], [opponent] * len(players)))


def elo_contrast(games: pd.DataFrame, pairs: list[tuple[str, str, str]]) -> Interval:
    """Mean Elo of the pairs' players minus their opponents' (one fit of every game, random = 0),
    with a t interval whose variance adds the leave-one-run-out replicates' and the
    leave-one-class-out replicates' (the Elo refitted by one Newton step without each class)."""
    names = sorted(set(games["first"]) | set(games["second"]))
    index = {name: i for i, name in enumerate(names)}
    classes, unit_of_game = np.unique(games["opening_unit"].to_numpy(), return_inverse=True)
    leave_one_out = 1 - np.eye(len(classes), dtype=int)
    first, second = games["first"].map(index).to_numpy(), games["second"].map(index).to_numpy()
    elo, replicates = linearized_draws(
        first, second, games["score_first"].to_numpy(float), len(names), unit_of_game, leave_one_out, index[RANDOM]
    )
    players, opponents = [index[p] for _, p, _ in pairs], [index[o] for _, _, o in pairs]
    gaps = elo[players] - elo[opponents]
    runs = np.array([run for run, _, _ in pairs])
    variance = jackknife_variance((replicates[:, players] - replicates[:, opponents]).mean(1))
    run_names = sorted(set(runs))
    if len(run_names) > 1:
        variance += jackknife_variance(np.array([gaps[runs != run].mean() for run in run_names]))
    n_units = min(len(run_names), len(classes)) if len(run_names) > 1 else len(classes)
    half = t_quantile(n_units) * np.sqrt(variance)
    estimate = float(gaps.mean())
    method = "jackknife over runs and opening classes (variances added), t(G-1)"
    return Interval(
        estimate, estimate - half, estimate + half, method, units_text(len(run_names), len(classes)), n_units
    )
