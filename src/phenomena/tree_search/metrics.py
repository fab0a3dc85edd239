"""From games and solver accuracies to the study's tables: Elo ladder, search-vs-policy
scores, and the tidy curves the figures read."""

from __future__ import annotations

import numpy as np
import pandas as pd

from phenomena.common.tables import TIDY_COLUMNS, to_tidy
from phenomena.tree_search.arena import NETWORK, RANDOM
from phenomena.tree_search.elo import bootstrap_elo, mean_with_interval

STUDY = "tree_search"


def elo_table(games: pd.DataFrame, players: pd.DataFrame, samples: int, seed: int) -> pd.DataFrame:
    """The players table with Bradley-Terry Elo (random = 0) and its bootstrap interval."""
    index = {name: i for i, name in enumerate(players["player"])}
    first = games["first"].map(index).to_numpy()
    second = games["second"].map(index).to_numpy()
    elo, low, high = bootstrap_elo(
        first, second, games["score_first"].to_numpy(), len(players), index[RANDOM], samples, seed
    )
    table = players.copy()
    table["elo"], table["ci_low"], table["ci_high"] = elo, low, high
    table["games"] = [int(((games["first"] == p) | (games["second"] == p)).sum()) for p in players["player"]]
    return table


def player_scores(games: pd.DataFrame, player: str, opponent: str) -> np.ndarray:
    """Scores (1 win, 0.5 draw, 0 loss) of ``player`` in its games against ``opponent``."""
    as_first = games[(games["first"] == player) & (games["second"] == opponent)]["score_first"]
    as_second = 1 - games[(games["first"] == opponent) & (games["second"] == player)]["score_first"]
    return pd.concat([as_first, as_second]).to_numpy()


def search_vs_policy(games: pd.DataFrame, players: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Score of every search budget against the raw policy of the same snapshot, with intervals."""
    rows = []
    network = players[players["kind"] == NETWORK]
    for iteration, snapshot in network.groupby("iteration"):
        policy = snapshot[snapshot["budget"] == 0]["player"]
        if policy.empty:
            continue
        for _, searcher in snapshot[snapshot["budget"] > 0].iterrows():
            scores = player_scores(games, searcher["player"], policy.iloc[0])
            if len(scores) == 0:
                continue
            mean, low, high = mean_with_interval(scores, seed=seed)
            wins, draws = float((scores == 1).mean()), float((scores == 0.5).mean())
            rows.append(
                {
                    "iteration": iteration,
                    "budget": searcher["budget"],
                    "score": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "wins": wins,
                    "draws": draws,
                    "games": len(scores),
                }
            )
    return pd.DataFrame(rows)


def summarize_run(elo: pd.DataFrame, accuracy: pd.DataFrame, run: str, seed: int, sweep: dict) -> pd.DataFrame:
    """One row per player of one run: Elo, interval, solver accuracy, compute."""
    columns = [c for c in ("optimal_move", "value_correct") if c in accuracy]
    summary = elo.merge(accuracy[["player", *columns]], on="player", how="left")
    summary.insert(0, "seed", seed)
    summary.insert(0, "run", run)
    summary.insert(0, "study", STUDY)
    for key, value in sweep.items():
        summary[key] = value
    return summary


def player_curves(summary: pd.DataFrame, versus: pd.DataFrame, run: str, seed: int, sweep: dict) -> pd.DataFrame:
    """Tidy rows of the network players: Elo, interval and solver accuracy per snapshot and budget,
    and the score of each budget against the raw policy. ``step`` is the training iteration."""
    network = summary[summary["kind"] == NETWORK]
    metrics = ["elo", "ci_low", "ci_high", "optimal_move", "value_correct", "train_flops"]
    long = network.melt(
        id_vars=["iteration", "budget"], value_vars=[m for m in metrics if m in network], var_name="metric"
    )
    long["split"] = "arena"
    long.loc[long["metric"].isin(["optimal_move", "value_correct"]), "split"] = "solver"
    if len(versus):
        versus_long = versus.melt(
            id_vars=["iteration", "budget"], value_vars=["score", "ci_low", "ci_high"], var_name="metric"
        )
        versus_long["metric"] = "vs_policy_" + versus_long["metric"]
        versus_long["split"] = "arena"
        long = pd.concat([long, versus_long], ignore_index=True)
    long = long.rename(columns={"iteration": "step"})
    long["study"], long["run"], long["seed"] = STUDY, run, seed
    for key, value in sweep.items():
        long[key] = value
    return to_tidy(long[[*TIDY_COLUMNS, *sweep, "budget"]])


def training_curves(history: pd.DataFrame) -> pd.DataFrame:
    """Training history rows with the player column of the curves table (-1: not a player)."""
    history = history.copy()
    history["budget"] = -1
    return history
