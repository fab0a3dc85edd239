"""The tree-search study's answers, read from its metric tables ``games`` and ``summary``.

The unit is the opening's mirror class (column ``opening_unit``: a two-ply opening with both
colours and its left-right mirror image; the 25 openings of a 5-column board are 13 classes):
deterministic players replay the same game on the same opening, so games are not independent
but classes are. Every interval is a leave-one-class-out jackknife with t(G-1) over the classes
(:func:`phenomena.common.stats.jackknife_interval`); a statistic that pools several runs (one
training seed per width) is conditional on those runs, and the sentences say so.

Budgets: PUCT with 2 simulations plays the raw policy's move (its one searched child is the
prior's argmax), so Gumbel is compared with PUCT only at budgets above 2.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phenomena.common.findings import Estimate, Finding
from phenomena.common.stats import Interval, jackknife_interval
from phenomena.tree_search.elo import fit_elo

NETWORK, PERFECT, RANDOM, PUCT, GUMBEL = "network", "perfect", "random", "puct", "gumbel"
"""Player kinds and searches as :mod:`phenomena.tree_search.arena` names them (importing it would
load torch whenever the workflow is planned)."""
UNITS = "opening classes (an opening, both colours and its mirror image)"
RAW_POLICY_BUDGET = 2
"""PUCT at this many simulations or fewer plays the raw policy's move."""


def network_players(summary: pd.DataFrame) -> pd.DataFrame:
    """The network players, each once per seed."""
    return summary[summary["kind"] == NETWORK].drop_duplicates(["seed", "player"])


def snapshot_players(summary: pd.DataFrame, which: str) -> pd.DataFrame:
    """The network players of each run's ``first`` or ``last`` snapshot."""
    players = network_players(summary)
    pick = players.groupby(["seed", "network"])["iteration"].transform("min" if which == "first" else "max")
    return players[players["iteration"] == pick]


def matched(players: pd.DataFrame, opponents: pd.DataFrame, on: list[str]) -> list[tuple[int, str, str]]:
    """(seed, player, opponent) for each player and the opponent that shares its ``on`` columns."""
    merged = players.merge(opponents, on=on, suffixes=("", "_opponent"))
    return list(zip(merged["seed"], merged["player"], merged["player_opponent"]))


def class_scores(games: pd.DataFrame, pairs: list[tuple[int, str, str]]) -> np.ndarray:
    """Per opening class, the players' summed score against their opponents and the number of
    games: shape (classes, 2), classes in sorted order. A draw scores 0.5."""
    parts = []
    for seed, player, opponent in pairs:
        arena = games[games["seed"] == seed]
        as_first = arena[(arena["first"] == player) & (arena["second"] == opponent)]
        as_second = arena[(arena["first"] == opponent) & (arena["second"] == player)]
        parts += [
            pd.DataFrame({"unit": as_first["opening_unit"], "score": as_first["score_first"]}),
            pd.DataFrame({"unit": as_second["opening_unit"], "score": 1 - as_second["score_first"]}),
        ]
    scores = pd.concat(parts, ignore_index=True)
    if scores.empty:
        raise ValueError(f"no games between the pairs {pairs[:3]}...")
    per_class = scores.groupby("unit")["score"].agg(["sum", "size"]).sort_index()
    return per_class.to_numpy(dtype=float)


def pooled_score(per_class: np.ndarray) -> float:
    """The mean score over every game of the classes given (a ratio of sums)."""
    return float(per_class[:, 0].sum() / per_class[:, 1].sum())


def score_interval(games: pd.DataFrame, pairs: list[tuple[int, str, str]]) -> Interval:
    """The pooled score of the pairs' players against their opponents, jackknifed over classes."""
    return jackknife_interval(class_scores(games, pairs), pooled_score, UNITS)


def elo_contrast(games: pd.DataFrame, pairs: list[tuple[int, str, str]]) -> Interval:
    """Mean Elo of the pairs' players minus their opponents', each arena refitted (random = 0) on
    the games of the classes kept: a leave-one-class-out jackknife over the Elo fit."""
    classes, class_of_game = np.unique(games["opening_unit"].to_numpy(), return_inverse=True)
    arenas = []
    for seed in sorted(games["seed"].unique()):
        rows = (games["seed"] == seed).to_numpy()
        arena = games[rows]
        names = sorted(set(arena["first"]) | set(arena["second"]))
        index = {name: i for i, name in enumerate(names)}
        contrasts = [(index[p], index[o]) for s, p, o in pairs if s == seed]
        if contrasts:
            first, second = arena["first"].map(index).to_numpy(), arena["second"].map(index).to_numpy()
            arenas.append((first, second, arena["score_first"].to_numpy(), class_of_game[rows], index, contrasts))

    def statistic(kept: np.ndarray) -> float:
        gaps = []
        for first, second, score, game_class, index, contrasts in arenas:
            chosen = np.isin(game_class, kept)
            elo = fit_elo(first[chosen], second[chosen], score[chosen], len(index), index[RANDOM])
            gaps += [elo[p] - elo[o] for p, o in contrasts]
        return float(np.mean(gaps))

    return jackknife_interval(np.arange(len(classes)), statistic, UNITS)


def search_gain(games: pd.DataFrame, summary: pd.DataFrame) -> Estimate:
    """Score of PUCT at its largest budget against the raw policy of the same last snapshot;
    control: the same at the first (untrained) snapshot (its largest budget may be smaller: only
    the comparison snapshots play the Gumbel budgets)."""
    intervals, budgets = [], []
    for which in ("last", "first"):
        players = snapshot_players(summary, which)
        puct = players[players["search"] == PUCT]
        largest = puct[puct["budget"] == puct.groupby(["seed", "network"])["budget"].transform("max")]
        policy = players[players["budget"] == 0]
        intervals.append(score_interval(games, matched(largest, policy, ["seed", "network"])))
        budgets.append(int(largest["budget"].max()))
    slots = run_slots(summary) | {"budget": budgets[0], "control_budget": budgets[1]}
    return Estimate(intervals[0], control=intervals[1], slots=slots)


def gumbel_vs_puct(games: pd.DataFrame, summary: pd.DataFrame, budgets: list[int]) -> Estimate:
    """Head-to-head score of Gumbel against PUCT at the same budget and snapshot, pooled over
    ``budgets`` above :data:`RAW_POLICY_BUDGET`; control: the same at budgets up to it (PUCT
    there is the raw policy)."""
    players = network_players(summary)
    twins = ["seed", "network", "iteration", "budget"]
    gumbel, puct = players[players["search"] == GUMBEL], players[players["search"] == PUCT]
    searching = [b for b in budgets if b > RAW_POLICY_BUDGET]
    interval = score_interval(games, matched(gumbel[gumbel["budget"].isin(searching)], puct, twins))
    low = gumbel[gumbel["budget"] <= RAW_POLICY_BUDGET]
    control = score_interval(games, matched(low, puct, twins)) if len(low) else None
    slots = run_slots(summary) | {"budgets": ", ".join(map(str, searching)), "snapshots": gumbel["iteration"].nunique()}
    return Estimate(interval, control=control, slots=slots)


def policy_training_gain(games: pd.DataFrame, summary: pd.DataFrame) -> Estimate:
    """Elo of the raw policy at the last snapshot minus at the first; control: the first
    snapshot's raw policy minus the random player (an untrained network plays near random)."""
    first = snapshot_players(summary, "first").query("budget == 0")
    last = snapshot_players(summary, "last").query("budget == 0")
    interval = elo_contrast(games, matched(last, first, ["seed", "network"]))
    control = elo_contrast(games, [(s, p, RANDOM) for s, p in zip(first["seed"], first["player"])])
    return Estimate(interval, control=control, slots=run_slots(summary))


def gap_to_perfect(games: pd.DataFrame, summary: pd.DataFrame) -> Estimate:
    """Score of the last snapshot's PUCT at its largest budget against the perfect player
    (0.5: as good as perfect play); control: the raw policy of the same snapshot."""
    players = snapshot_players(summary, "last")
    puct = players[players["search"] == PUCT]
    largest = puct[puct["budget"] == puct.groupby(["seed", "network"])["budget"].transform("max")]
    policy = players[players["budget"] == 0]
    interval = score_interval(games, [(s, p, PERFECT) for s, p in zip(largest["seed"], largest["player"])])
    control = score_interval(games, [(s, p, PERFECT) for s, p in zip(policy["seed"], policy["player"])])
    return Estimate(interval, control=control, slots=run_slots(summary) | {"budget": int(largest["budget"].max())})


def run_slots(summary: pd.DataFrame) -> dict:
    """The training runs a pooled statistic rests on (one per width and seed), as words."""
    runs = network_players(summary)[["seed", "network"]].drop_duplicates()
    seeds = runs["seed"].nunique()
    per_width = f"{seeds} seed{'s' if seeds > 1 else ''} per width"
    return {"runs": "the training run" if len(runs) == 1 else f"the {len(runs)} training runs ({per_width})"}


CONDITIONAL = "conditional on {runs}"
INTERVAL = "95% CI {low:.3f}-{high:.3f}, {method} over {n_units} {units}"


def findings(section: dict) -> list[Finding]:
    arena = section["arena"]
    found = [
        Finding(
            name="search_gain",
            question="How much does search add to the trained network's raw policy?",
            tables=("games", "summary"),
            estimate=search_gain,
            sentence=(
                "At the last snapshot, PUCT with {budget} simulations scores {estimate:.3f} against the raw policy "
                f"of the same network (0.5 = even; {INTERVAL}; {CONDITIONAL}); at the first, untrained "
                "snapshot PUCT with {control_budget} simulations scores {control_estimate:.3f} "
                "({control_low:.3f}-{control_high:.3f})."
            ),
            control="PUCT at its largest budget against the raw policy at the first (untrained) snapshot",
            null=0.5,
            paper=("above", "Silver et al. 2018"),
        ),
        Finding(
            name="policy_training_gain",
            question="How much Elo does the raw policy gain over training?",
            tables=("games", "summary"),
            estimate=policy_training_gain,
            sentence=(
                "The raw policy of the last snapshot is {estimate:.0f} Elo above that of the first "
                "(95% CI {low:.0f}-{high:.0f}, {method} over {n_units} {units}, the Elo refitted without each "
                f"class; {CONDITIONAL}); the first snapshot's raw policy stands at {{control_estimate:+.0f}} "
                "Elo against the random player's 0 ({control_low:+.0f} to {control_high:+.0f})."
            ),
            control="the first snapshot's raw policy against the random player",
        ),
    ]
    if arena.get("perfect_player", False):
        found.append(
            Finding(
                name="gap_to_perfect",
                question="How far from perfect play is the trained network with search?",
                tables=("games", "summary"),
                estimate=gap_to_perfect,
                sentence=(
                    "Against the perfect player, PUCT with {budget} simulations at the last snapshot scores "
                    f"{{estimate:.3f}} (0.5 = as good as perfect; {INTERVAL}; {CONDITIONAL}); the raw policy of "
                    "the same snapshot scores {control_estimate:.3f} ({control_low:.3f}-{control_high:.3f})."
                ),
                control="the raw policy of the same snapshot against the perfect player",
                null=0.5,
            )
        )
    if any(b > RAW_POLICY_BUDGET for b in arena["gumbel_pooled_budgets"]):
        budgets = list(arena["gumbel_pooled_budgets"])
        found.append(
            Finding(
                name="gumbel_vs_puct",
                question="Does Gumbel search beat PUCT at small budgets that search?",
                tables=("games", "summary"),
                estimate=lambda games, summary: gumbel_vs_puct(games, summary, budgets),
                sentence=(
                    "Head to head at the same snapshot and budget ({budgets} simulations; snapshots per run: "
                    f"{{snapshots}}), Gumbel search scores {{estimate:.3f}} against PUCT (0.5 = even; {INTERVAL}; "
                    f"{CONDITIONAL}); at 2 simulations, where PUCT plays the raw policy's move, Gumbel scores "
                    "{control_estimate:.3f} ({control_low:.3f}-{control_high:.3f}) against it."
                ),
                control="Gumbel at 2 simulations against PUCT-2, which is the raw policy",
                null=0.5,
                paper=("above", "Danihelka et al. 2022"),
            )
        )
    return found
