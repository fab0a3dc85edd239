"""From games and solver accuracies to the study's tables: Elo ladder, search-vs-policy
scores, and the tidy curves the figures read."""

from __future__ import annotations

import numpy as np
import pandas as pd

from phenomena.common.tables import TIDY_COLUMNS, to_tidy
from phenomena.tree_search.arena import NETWORK, PERFECT, RANDOM
from phenomena.tree_search.elo import bootstrap_draws, mean_with_interval, percentile_interval
from phenomena.tree_search.frontier import estimate_frontier

STUDY = "tree_search"


def elo_table(games: pd.DataFrame, players: pd.DataFrame, samples: int, seed: int) -> pd.DataFrame:
    """The players table with Elo and intervals (see :func:`fit_arena`)."""
    return fit_arena(games, players, samples, seed)[0]


def fit_arena(games: pd.DataFrame, players: pd.DataFrame, samples: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The players table with Bradley-Terry Elo (random = 0) and its bootstrap interval, the
    number of games and of distinct games each played, and (when the perfect player took part)
    each player's Elo gap to perfect play with its interval; and the bootstrap draws
    (one row per resample, one column per player) for estimates derived from several players.

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
    return table, pd.DataFrame(draws, columns=list(players["player"]))


def gumbel_minus_puct(table: pd.DataFrame, draws: pd.DataFrame, budget_groups: dict[str, list[int]]) -> pd.DataFrame:
    """Elo of Gumbel search minus PUCT at the same budget on the same snapshot, averaged over the
    snapshots where both played, per budget and per group of budgets (e.g. ``{"2-8": [2, 4, 8]}``),
    with bootstrap intervals: one row per estimate."""
    network = table[(table["kind"] == NETWORK) & (table["budget"] > 0)]
    pairs = network.pivot_table(
        index=["network", "iteration", "budget"], columns="search", values="player", aggfunc="first"
    )
    if "gumbel" not in pairs or "puct" not in pairs:
        return pd.DataFrame(columns=["estimate_name", "estimate", "estimate_ci_low", "estimate_ci_high"])
    pairs = pairs.dropna(subset=["gumbel", "puct"]).reset_index()
    groups = {f"sims{b}": [b] for b in sorted(pairs["budget"].unique())} | budget_groups
    rows = []
    elo = table.set_index("player")["elo"]
    for name, budgets in groups.items():
        chosen = pairs[pairs["budget"].isin(budgets)]
        if chosen.empty:
            continue
        estimate = float((elo[chosen["gumbel"]].to_numpy() - elo[chosen["puct"]].to_numpy()).mean())
        spread = (draws[chosen["gumbel"]].to_numpy() - draws[chosen["puct"]].to_numpy()).mean(1)
        low, high = percentile_interval(spread)
        rows.append(
            {
                "estimate_name": f"gumbel_minus_puct_{name}",
                "estimate": estimate,
                "estimate_ci_low": float(low),
                "estimate_ci_high": float(high),
                "estimate_count": len(chosen),
            }
        )
    return pd.DataFrame(rows)


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
    for (label, iteration), snapshot in network.groupby(["network", "iteration"]):
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
    summary = elo.merge(accuracy[["player", *columns]], on="player", how="left")
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


def merge_arena(tables: list[dict[str, pd.DataFrame]]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Games, players and solver accuracies of the runs sharing an arena (one seed): the
    baselines appear in every run's tables and are kept once."""
    games = pd.concat([t["games"].assign(run=t["run"]) for t in tables], ignore_index=True)
    players = pd.concat([t["players"] for t in tables], ignore_index=True).drop_duplicates("player")
    accuracy = pd.concat([t["accuracy"] for t in tables], ignore_index=True).drop_duplicates("player")
    return games, players.reset_index(drop=True), accuracy


def arena_metrics(
    runs: dict[str, dict], bootstrap_samples: int, frontier_levels: int, gumbel_budget_group: list[int]
) -> dict[str, pd.DataFrame]:
    """The study's tables from every run's arena games, players, accuracies and history.

    ``runs``: name -> {seed, arena, sweep, tables: {history, games, players, accuracy}}. The runs
    of one arena (seed) are fitted on one Elo scale. Returns curves (tidy), summary (one row per
    player and run, with the arena's headline estimates as columns: :data:`SUMMARY_ESTIMATES`),
    estimates (one row per estimate and arena: Gumbel minus PUCT per budget, the frontier slope
    overall and per Elo level), games and pairs."""
    curves, summaries, all_estimates, all_games, all_pairs = [], [], [], [], []
    arenas: dict[str, list[str]] = {}
    for name, run in runs.items():
        arenas.setdefault(run["arena"], []).append(name)
    for arena, names in arenas.items():
        seed = runs[names[0]]["seed"]
        games, players, accuracy = merge_arena([{**runs[n]["tables"], "run": n} for n in names])
        table, draws = fit_arena(games, players, bootstrap_samples, seed)
        versus = search_vs_policy(games, table, seed)
        run_summaries = []
        for name in names:
            run = runs[name]
            label = run["tables"]["players"].query("kind == 'network'")["network"]
            mine = table[table["network"].isin(set(label))] if len(label) else table.iloc[:0]
            summary = summarize_run(mine, accuracy, name, seed, run["sweep"])
            run_summaries.append(summary)
            own_versus = versus[versus["network"].isin(set(label))] if len(versus) else versus
            curves += [
                training_curves(run["tables"]["history"]),
                player_curves(summary, own_versus, name, seed, run["sweep"]),
            ]
        baselines = summarize_run(table[table["kind"] != NETWORK], accuracy, arena, seed, {})
        summary = pd.concat([baselines, *run_summaries], ignore_index=True)
        _, frontier = estimate_frontier(summary, draws, frontier_levels)
        gumbel = gumbel_minus_puct(table, draws, {budget_group_name(gumbel_budget_group): gumbel_budget_group})
        estimates = pd.concat([gumbel, frontier], ignore_index=True).assign(study=STUDY, arena=arena, seed=seed)
        summaries.append(with_estimate_columns(summary, estimates, budget_group_name(gumbel_budget_group)))
        all_estimates.append(estimates)
        all_games.append(games.assign(seed=seed, arena=arena))
        all_pairs.append(pair_table(games).assign(seed=seed, arena=arena))
        print(summary.drop(columns=["study"]).to_string(), "\n", versus.to_string(), "\n", estimates.to_string())
    return {
        "curves": pd.concat(curves, ignore_index=True),
        "summary": pd.concat(summaries, ignore_index=True),
        "estimates": pd.concat(all_estimates, ignore_index=True),
        "games": pd.concat(all_games, ignore_index=True),
        "pairs": pd.concat(all_pairs, ignore_index=True),
    }


SUMMARY_ESTIMATES = ("frontier_slope", "frontier_r_squared", "gumbel_minus_puct_pooled")
"""The headline estimates repeated on every summary row of their arena (value, ci_low, ci_high)."""


def with_estimate_columns(summary: pd.DataFrame, estimates: pd.DataFrame, pooled_name: str) -> pd.DataFrame:
    """``summary`` with the arena's headline estimates as columns (nan when not estimated)."""
    named = estimates.set_index("estimate_name")
    sources = {
        "frontier_slope": "frontier_slope",
        "frontier_r_squared": "frontier_r_squared",
        "gumbel_minus_puct_pooled": f"gumbel_minus_puct_{pooled_name}",
    }
    summary = summary.copy()
    for column, source in sources.items():
        row = named.loc[source] if source in named.index else None
        for suffix, field in (("", "estimate"), ("_ci_low", "estimate_ci_low"), ("_ci_high", "estimate_ci_high")):
            value = float(row[field]) if row is not None and field in row and pd.notna(row[field]) else float("nan")
            summary[column + suffix] = value
    return summary


def budget_group_name(budgets: list[int]) -> str:
    return f"sims{min(budgets)}to{max(budgets)}" if budgets else "none"
