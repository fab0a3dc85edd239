"""The arena's Elo fit and the estimates built on it: Jones's frontier and its slope, and Gumbel
minus PUCT in Elo, with their bootstrap draws.

One Elo scale for the whole study (random = 0): every run's arena and the baselines' arena are
fitted together. A bootstrap draw resamples the two sources of chance together: opening classes
(an opening, both colours and its mirror image: deterministic players replay the same game on
the same opening, so a class is one unit), through the Elo fit (one Newton step per draw:
:func:`~phenomena.tree_search.elo.linearized_draws`), and training runs, drawn with replacement
by a wild bootstrap: each run's deviation from the other seeds of its width changes sign at random.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phenomena.tree_search.contrasts import run_of
from phenomena.tree_search.elo import linearized_draws, percentile_interval, unit_draws
from phenomena.tree_search.frontier import exchange_rate, run_signs
from phenomena.tree_search.players import NETWORK, PERFECT, RANDOM, RAW_POLICY_SIMULATIONS

SUMMARY_ESTIMATES = ("frontier_slope", "gumbel_minus_puct_pooled")
"""The headline estimates repeated on every summary row (value, ci_low, ci_high)."""


def frontier_players(summary: pd.DataFrame, budgets: list[int] | None = None) -> pd.DataFrame:
    """The players the frontier is built from: raw policy and PUCT players of trained snapshots of
    AlphaZero self-play runs at ``budgets`` (default: every budget the first trained snapshot of
    each run plays), PUCT at 1-2 simulations left out; one row per player, ``run`` naming its
    training run (seed and network)."""
    rows = summary[
        (summary["kind"] == "network") & (summary["search"].isin(["policy", "puct"])) & (summary["train_flops"] > 0)
    ]
    if "selfplay_search" in rows:
        rows = rows[rows["selfplay_search"] == "puct"]
    rows = rows[(rows["budget"] == 0) | (rows["budget"] > RAW_POLICY_SIMULATIONS)]
    if budgets is None:
        first = rows["iteration"] == rows.groupby(["seed", "network"])["iteration"].transform("min")
        budgets = sorted(rows.loc[first, "budget"].unique())
    rows = rows[rows["budget"].isin(budgets)].drop_duplicates(["seed", "player"])
    table = rows[["player", "network", "seed", "budget", "iteration", "train_flops", "flops_per_move", "elo"]].copy()
    table.insert(1, "run", run_of(table))
    return table.reset_index(drop=True)


def fit_arena(games: pd.DataFrame, players: pd.DataFrame, samples: int, seed: int) -> tuple:
    """The players table with Bradley-Terry Elo (random = 0) and its bootstrap interval over
    opening classes, the number of games and of distinct games each played, and (when the perfect
    player took part) each player's Elo gap to perfect play with its interval. Returns (table,
    draws: (samples, players) Elo, opening-class counts of each draw)."""
    index = {name: i for i, name in enumerate(players["player"])}
    classes, unit_of_game = np.unique(games["opening_unit"].to_numpy(), return_inverse=True)
    counts = unit_draws(len(classes), samples, np.random.default_rng(seed))
    first, second = games["first"].map(index).to_numpy(), games["second"].map(index).to_numpy()
    elo, draws = linearized_draws(
        first, second, games["score_first"].to_numpy(float), len(players), unit_of_game, counts, index[RANDOM]
    )
    table = players.copy()
    table["elo"] = elo
    table["ci_low"], table["ci_high"] = percentile_interval(draws)
    if PERFECT in index:
        table["elo_vs_perfect"] = elo - elo[index[PERFECT]]
        gaps = draws - draws[:, [index[PERFECT]]]
        table["elo_vs_perfect_ci_low"], table["elo_vs_perfect_ci_high"] = percentile_interval(gaps)
    plays = pd.concat(
        [
            games[["first", "moves"]].rename(columns={"first": "player"}),
            games[["second", "moves"]].rename(columns={"second": "player"}),
        ]
    )
    played = plays.groupby("player")["moves"].agg(["size", "nunique"])
    table["games"] = table["player"].map(played["size"]).fillna(0).astype(int)
    table["distinct_games"] = table["player"].map(played["nunique"]).fillna(0).astype(int)
    return table, pd.DataFrame(draws, columns=list(players["player"])), counts


def gumbel_minus_puct(table: pd.DataFrame, draws: pd.DataFrame, groups: dict, seed: int) -> pd.DataFrame:
    """Elo of Gumbel search minus PUCT at the same budget and snapshot, averaged over the runs and
    snapshots where both played, per budget and per group of budgets (``{"sims2to8": [2, 4, 8]}``),
    with bootstrap intervals over opening classes (``draws``) and runs (the wild bootstrap of
    :func:`~phenomena.tree_search.frontier.exchange_rate`: each run's deviation from the other
    seeds of its width changes sign at random)."""
    network = table[(table["kind"] == NETWORK) & (table["budget"] > 0)]
    pairs = network.pivot_table(
        index=["seed", "network", "iteration", "budget"], columns="search", values="player", aggfunc="first"
    )
    if "gumbel" not in pairs or "puct" not in pairs:
        return pd.DataFrame(columns=["estimate_name", "estimate", "estimate_ci_low", "estimate_ci_high"])
    pairs = pairs.dropna(subset=["gumbel", "puct"]).reset_index()
    run = pairs.groupby(["seed", "network"]).ngroup().to_numpy()
    signs = run_signs(run.max() + 1, len(draws), np.random.default_rng(seed + 1))
    rows = []
    elo = table.set_index("player")["elo"]
    for name, budgets in ({f"sims{b}": [b] for b in sorted(pairs["budget"].unique())} | groups).items():
        chosen = (pairs["budget"].isin(budgets)).to_numpy()
        if not chosen.any():
            continue
        gaps = elo[pairs["gumbel"][chosen]].to_numpy() - elo[pairs["puct"][chosen]].to_numpy()
        per_run = pd.Series(gaps).groupby(run[chosen]).transform("mean")
        # each run's deviation from its width's runs, as frontier.run_effects: with one seed per
        # width it is 0 and the interval resamples openings only (3 widths are not 3 random units)
        effect = (per_run - per_run.groupby(pairs["network"][chosen].to_numpy()).transform("mean")).to_numpy()
        draw_gaps = draws[pairs["gumbel"][chosen]].to_numpy() - draws[pairs["puct"][chosen]].to_numpy()
        draw_gaps += (signs[:, run[chosen]] - 1) * effect
        low, high = percentile_interval(draw_gaps.mean(1))
        rows.append(
            {
                "estimate_name": f"gumbel_minus_puct_{name}",
                "estimate": float(gaps.mean()),
                "estimate_ci_low": float(low),
                "estimate_ci_high": float(high),
                "estimate_count": int(chosen.sum()),
            }
        )
    return pd.DataFrame(rows)


def arena_estimates(summary: pd.DataFrame, table: pd.DataFrame, draws: pd.DataFrame, settings: dict) -> tuple:
    """(estimates, frontier points, summary with the headline estimates as columns)."""
    group = [b for b in settings["gumbel_budget_group"] if b > RAW_POLICY_SIMULATIONS]  # as the findings pool
    gumbel = gumbel_minus_puct(table, draws, {budget_group_name(group): group}, settings["seed"])
    points, frontier = frontier_estimates(summary, draws, settings)
    estimates = pd.concat([gumbel, frontier], ignore_index=True)
    return estimates, points, with_estimate_columns(summary, estimates, budget_group_name(group))


def frontier_estimates(summary: pd.DataFrame, draws: pd.DataFrame, settings: dict) -> tuple:
    """Jones's frontier of the summary's players with the bootstrap ``draws`` (draws, players by
    name) and random signs for the runs: (points, estimates)."""
    players = frontier_players(summary, settings["budgets"])
    if players.empty:
        return pd.DataFrame(), pd.DataFrame(columns=["estimate_name"])
    signs = run_signs(players["run"].nunique(), len(draws), np.random.default_rng(settings["seed"] + 2))
    return exchange_rate(players, draws[players["player"]].to_numpy(), signs, settings["frontier_levels"])


def with_estimate_columns(summary: pd.DataFrame, estimates: pd.DataFrame, pooled_name: str) -> pd.DataFrame:
    """``summary`` with the headline estimates as columns (nan when not estimated)."""
    named = estimates.set_index("estimate_name") if len(estimates) else pd.DataFrame()
    sources = {"frontier_slope": "frontier_slope", "gumbel_minus_puct_pooled": f"gumbel_minus_puct_{pooled_name}"}
    summary = summary.copy()
    for column, source in sources.items():
        row = named.loc[source] if source in named.index else None
        for suffix, field in (("", "estimate"), ("_ci_low", "estimate_ci_low"), ("_ci_high", "estimate_ci_high")):
            value = float(row[field]) if row is not None and pd.notna(row.get(field)) else float("nan")
            summary[column + suffix] = value
    return summary


def budget_group_name(budgets: list[int]) -> str:
    return f"sims{min(budgets)}to{max(budgets)}" if budgets else "none"
