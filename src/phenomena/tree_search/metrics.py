"""From games and solver accuracies to the study's tables: Elo ladder, search-vs-policy
scores, and the tidy curves the figures read."""

from __future__ import annotations

import numpy as np
import pandas as pd

from phenomena.common.tables import TIDY_COLUMNS, to_tidy
from phenomena.tree_search.arena import NETWORK, PERFECT, RANDOM
from phenomena.tree_search.elo import bootstrap_draws, mean_with_interval, percentile_interval

STUDY = "tree_search"


def elo_table(games: pd.DataFrame, players: pd.DataFrame, samples: int, seed: int) -> pd.DataFrame:
    """The players table with Bradley-Terry Elo (random = 0) and its bootstrap interval, the
    number of games and of distinct games each played, and (when the perfect player took part)
    each player's Elo gap to perfect play with its interval.

    The bootstrap resamples openings (each with both colours and its mirror image: column
    ``opening_unit``), not single games: see :func:`phenomena.tree_search.elo.bootstrap_draws`.
    """
    index = {name: i for i, name in enumerate(players["player"])}
    first = games["first"].map(index).to_numpy()
    second = games["second"].map(index).to_numpy()
    elo, draws = bootstrap_draws(
        first,
        second,
        games["score_first"].to_numpy(),
        len(players),
        index[RANDOM],
        samples,
        seed,
        units=games["opening_unit"].to_numpy(),
    )
    table = players.copy()
    table["elo"] = elo
    table["ci_low"], table["ci_high"] = percentile_interval(draws)
    if PERFECT in index:
        gap = elo - elo[index[PERFECT]]
        gap_draws = draws - draws[:, [index[PERFECT]]]
        table["elo_vs_perfect"] = gap
        table["elo_vs_perfect_ci_low"], table["elo_vs_perfect_ci_high"] = percentile_interval(gap_draws)
    plays = pd.concat(
        [
            games[["first", "moves"]].rename(columns={"first": "player"}),
            games[["second", "moves"]].rename(columns={"second": "player"}),
        ]
    )
    counts = plays.groupby("player")["moves"].agg(["size", "nunique"])
    table["games"] = table["player"].map(counts["size"]).fillna(0).astype(int)
    table["distinct_games"] = table["player"].map(counts["nunique"]).fillna(0).astype(int)
    return table


def pair_table(games: pd.DataFrame) -> pd.DataFrame:
    """One row per pair of players: games played, distinct games among them (a game and its
    mirror image count once; deterministic players repeat themselves), and the first-listed
    player's mean score."""
    a = games[["first", "second"]].min(axis=1)
    b = games[["first", "second"]].max(axis=1)
    score_a = games["score_first"].where(games["first"] == a, 1 - games["score_first"])
    frame = pd.DataFrame({"player": a, "opponent": b, "moves": games["moves"], "score": score_a})
    return (
        frame.groupby(["player", "opponent"])
        .agg(games=("moves", "size"), distinct_games=("moves", "nunique"), score=("score", "mean"))
        .reset_index()
    )


def player_scores(games: pd.DataFrame, player: str, opponent: str) -> tuple[np.ndarray, np.ndarray]:
    """Scores (1 win, 0.5 draw, 0 loss) of ``player`` in its games against ``opponent``, and the
    opening unit of each game (what the bootstrap resamples)."""
    as_first = games[(games["first"] == player) & (games["second"] == opponent)]
    as_second = games[(games["first"] == opponent) & (games["second"] == player)]
    scores = pd.concat([as_first["score_first"], 1 - as_second["score_first"]]).to_numpy()
    return scores, pd.concat([as_first["opening_unit"], as_second["opening_unit"]]).to_numpy()


def search_vs_policy(games: pd.DataFrame, players: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Score of every search budget against the raw policy of the same snapshot, with intervals."""
    rows = []
    network = players[players["kind"] == NETWORK]
    for iteration, snapshot in network.groupby("iteration"):
        policy = snapshot[snapshot["budget"] == 0]["player"]
        if policy.empty:
            continue
        for _, searcher in snapshot[snapshot["budget"] > 0].iterrows():
            scores, units = player_scores(games, searcher["player"], policy.iloc[0])
            if len(scores) == 0:
                continue
            mean, low, high = mean_with_interval(scores, seed=seed, units=units)
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
