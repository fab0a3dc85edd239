"""Synthetic arenas with a known answer, at the default study's size, for the calibration tests.

A run (width x seed) has snapshots at iterations 5..30; its players are the snapshots x test
budgets [0, 8, 32] (plus the untrained snapshot and the random and pure-MCTS baselines), paired
by the study's own ladder schedule. True Elo = train_per_decade * log10(train) +
test_per_decade * log10(test) + a run effect; every pair plays 4 games (2 openings, both
colours) on each of 63 opening classes, drawn from Bradley-Terry. The iso-Elo slope is
-train_per_decade / test_per_decade.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from phenomena.tree_search.elo import linearized_draws, unit_draws
from phenomena.tree_search.estimates import frontier_estimates
from phenomena.tree_search.players import NETWORK, PUCT, PURE_MCTS, RANDOM, Player, schedule

WIDTH_COST = {"h32": 1.0, "h64": 2.6, "h128": 7.5}
"""Flops per evaluation of each width, relative to the narrowest (the default networks' ratios, roughly)."""
SEEDS = 3
ITERATIONS = [0, 1, 2, 4, 8, 16, 30]
BUDGETS = [0, 8, 32]
OPENING_CLASSES = 63
GAMES_PER_CLASS = 4
PURE_MCTS_ELO = 250.0


@dataclass(frozen=True)
class Truth:
    train_per_decade: float
    test_per_decade: float
    run_sd: float = 20.0

    @property
    def slope(self) -> float:
        return -self.train_per_decade / self.test_per_decade


def players_table(truth: Truth, rng: np.random.Generator) -> pd.DataFrame:
    """One row per player with the columns of the study's summary table and its true Elo."""
    rows = [
        {"player": RANDOM, "kind": RANDOM, "network": "", "seed": 0, "budget": 0, "iteration": -1, "elo_true": 0.0},
        {"player": "pure_mcts64", "kind": PURE_MCTS, "network": "", "seed": 0, "budget": 64, "iteration": -1},
    ]
    rows[1]["elo_true"] = PURE_MCTS_ELO
    for network, cost in WIDTH_COST.items():
        for seed in range(SEEDS):
            effect = rng.normal(0, truth.run_sd)
            label = f"{network}_seed{seed}"
            for iteration in ITERATIONS:
                train = cost * iteration * 1e9
                for budget in BUDGETS:
                    test = cost * 1e4 * (budget + 1)
                    elo = 0.0
                    if iteration:
                        elo = 100 + truth.train_per_decade * np.log10(train / 1e9) + effect
                        elo += truth.test_per_decade * np.log10(test / 1e4)
                    rows.append(
                        {
                            "player": Player(NETWORK, budget, iteration, PUCT, label).name,
                            "kind": NETWORK,
                            "network": label,
                            "seed": seed,
                            "budget": budget,
                            "iteration": iteration,
                            "search": "puct" if budget else "policy",
                            "train_flops": train,
                            "flops_per_move": test,
                            "elo_true": elo,
                        }
                    )
    return pd.DataFrame(rows)


def ladder_pairs(table: pd.DataFrame) -> np.ndarray:
    """The study's ladder pairings of the players, as index pairs (pairs, 2); the same for every
    replicate (the players differ only in Elo), so computed once."""
    key = tuple(table["player"])
    if key not in PAIRS:
        PAIRS[key] = schedule_pairs(table)
    return PAIRS[key]


PAIRS: dict[tuple, np.ndarray] = {}


def schedule_pairs(table: pd.DataFrame) -> np.ndarray:
    players = [
        Player(row.kind, int(row.budget), int(row.iteration), PUCT, row.network if row.kind == NETWORK else "")
        for row in table.itertuples()
    ]
    return np.array(schedule(players, "ladder"))


def play(table: pd.DataFrame, pairs: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Games of every pair on every opening class, drawn from Bradley-Terry, aggregated per
    (pair, class): first, second, summed score of first, games, class."""
    elo = table["elo_true"].to_numpy()
    p = 1 / (1 + 10 ** ((elo[pairs[:, 1]] - elo[pairs[:, 0]]) / 400))
    wins = rng.binomial(GAMES_PER_CLASS, np.repeat(p[:, None], OPENING_CLASSES, 1))
    return {
        "first": np.repeat(pairs[:, 0], OPENING_CLASSES),
        "second": np.repeat(pairs[:, 1], OPENING_CLASSES),
        "score": wins.ravel().astype(float),
        "games": np.full(wins.size, float(GAMES_PER_CLASS)),
        "unit": np.tile(np.arange(OPENING_CLASSES), len(pairs)),
    }


def frontier_replicate(truth: Truth, rng: np.random.Generator, samples: int = 200) -> pd.DataFrame:
    """One synthetic arena through the study's own Elo fit, bootstrap and frontier code: its
    estimates indexed by name (``frontier_slope`` with its interval and verdict, the gates)."""
    table = players_table(truth, rng)
    games = play(table, ladder_pairs(table), rng)
    counts = unit_draws(OPENING_CLASSES, samples, rng)
    elo, draws = linearized_draws(
        games["first"], games["second"], games["score"], len(table), games["unit"], counts, 0, games["games"]
    )
    summary = table.assign(elo=elo)
    settings = {"budgets": BUDGETS, "frontier_levels": 15, "seed": int(rng.integers(1 << 30))}
    _, estimates = frontier_estimates(summary, pd.DataFrame(draws, columns=list(table["player"])), settings)
    return estimates.set_index("estimate_name")
