"""From games and solver accuracies to the study's tables: Elo ladder, search-vs-policy
scores, and the tidy curves the figures read."""

from __future__ import annotations

import numpy as np
import pandas as pd

from phenomena.common.tables import TIDY_COLUMNS, to_tidy
from phenomena.tree_search.elo import mean_with_interval
from phenomena.tree_search.estimates import arena_estimates, fit_arena
from phenomena.tree_search.players import NETWORK

STUDY = "tree_search"


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
    for (label, _, iteration), snapshot in network.groupby(["network", "seed", "iteration"]):
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
                    "network": label,
                    "player": searcher["player"],
                    "iteration": iteration,
                    "search": searcher["search"],
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
    summary = elo.drop(columns=["seed"], errors="ignore").merge(accuracy[["player", *columns]], on="player", how="left")
    summary.insert(0, "seed", seed)
    summary.insert(0, "run", run)
    summary.insert(0, "study", STUDY)
    for key, value in sweep.items():
        summary[key] = value
    return summary


def player_curves(summary: pd.DataFrame, versus: pd.DataFrame, run: str, seed: int, sweep: dict) -> pd.DataFrame:
    """Tidy rows of one run's network players: Elo, interval and solver accuracy per snapshot,
    search and budget, and the score of each search against the raw policy. ``step`` is the
    training iteration; ``search`` is policy, puct or gumbel."""
    network = summary[summary["kind"] == NETWORK]
    metrics = ["elo", "ci_low", "ci_high", "elo_vs_perfect", "optimal_move", "value_correct", "train_flops"]
    long = network.melt(
        id_vars=["iteration", "search", "budget"], value_vars=[m for m in metrics if m in network], var_name="metric"
    )
    long["split"] = "arena"
    long.loc[long["metric"].isin(["optimal_move", "value_correct"]), "split"] = "solver"
    if len(versus):
        versus_long = versus.melt(
            id_vars=["iteration", "search", "budget"], value_vars=["score", "ci_low", "ci_high"], var_name="metric"
        )
        versus_long["metric"] = "vs_policy_" + versus_long["metric"]
        versus_long["split"] = "arena"
        long = pd.concat([long, versus_long], ignore_index=True)
    long = long.rename(columns={"iteration": "step"})
    long["study"], long["run"], long["seed"] = STUDY, run, seed
    for key, value in sweep.items():
        long[key] = value
    return to_tidy(long[[*TIDY_COLUMNS, *sweep, "search", "budget"]])


def training_curves(history: pd.DataFrame) -> pd.DataFrame:
    """Training history rows with the player columns of the curves table (budget -1: not a player)."""
    history = history.copy()
    history["search"] = ""
    history["budget"] = -1
    return history


def merge_arenas(tables: list[dict[str, pd.DataFrame]]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Games, players and solver accuracies of every run's arena and the baselines' arena: the
    baselines appear in several tables and are kept once."""
    games = pd.concat([t["games"].assign(run=t["run"]) for t in tables], ignore_index=True)
    players = pd.concat([t["players"] for t in tables], ignore_index=True).drop_duplicates("player")
    accuracy = [t["accuracy"] for t in tables if "accuracy" in t]
    accuracy = pd.concat(accuracy, ignore_index=True).drop_duplicates("player")
    return games, players.reset_index(drop=True), accuracy


def arena_metrics(runs: dict[str, dict], baselines: dict[str, pd.DataFrame], settings: dict) -> dict[str, pd.DataFrame]:
    """The study's tables from every run's arena games, players, accuracies and history, and the
    baselines' arena (``baselines``: games, players), all fitted on one Elo scale.

    ``runs``: name -> {seed, arena, sweep, tables: {history, games, players, accuracy}};
    ``settings``: bootstrap_samples, frontier_levels, budgets, gumbel_budget_group, seed. Returns
    curves (tidy), summary (one row per player and run, with the headline estimates as columns:
    :data:`~phenomena.tree_search.estimates.SUMMARY_ESTIMATES`), estimates (one row per estimate),
    frontier (the envelope points), games and pairs."""
    arena = next(iter(runs.values()))["arena"]
    sources = [{**run["tables"], "run": name} for name, run in runs.items()]
    sources += [{**baselines, "run": "baselines"}] if baselines else []
    games, players, accuracy = merge_arenas(sources)
    table, draws, opening_counts = fit_arena(games, players, settings["bootstrap_samples"], settings["seed"])
    versus = search_vs_policy(games, table, settings["seed"])
    curves, run_summaries = [], []
    for name, run in runs.items():
        mine = table[(table["kind"] == NETWORK) & (table["seed"] == run["seed"])]
        mine = mine[mine["network"].isin(set(run["tables"]["players"].query("kind == 'network'")["network"]))]
        summary = summarize_run(mine, accuracy, name, run["seed"], run["sweep"])
        run_summaries.append(summary)
        own_versus = versus[versus["player"].isin(set(mine["player"]))] if len(versus) else versus
        curves += [
            training_curves(run["tables"]["history"]),
            player_curves(summary, own_versus, name, run["seed"], run["sweep"]),
        ]
    baseline_rows = summarize_run(table[table["kind"] != NETWORK], accuracy, arena, -1, {})
    summary = pd.concat([baseline_rows, *run_summaries], ignore_index=True)
    estimates, frontier, summary = arena_estimates(summary, table, draws, settings)
    print(summary.drop(columns=["study"]).to_string(), "\n", versus.to_string(), "\n", estimates.to_string())
    return {
        "curves": pd.concat(curves, ignore_index=True),
        "summary": summary,
        "estimates": estimates.assign(study=STUDY, arena=arena, opening_classes=opening_counts.shape[1]),
        "frontier": frontier.assign(study=STUDY, arena=arena),
        "games": games.assign(arena=arena),
        "pairs": pair_table(games).assign(arena=arena),
    }
