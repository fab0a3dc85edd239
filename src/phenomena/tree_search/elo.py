"""Bradley-Terry Elo from game results, with bootstrap confidence intervals.

P(i beats j) = 1 / (1 + 10^((elo_j - elo_i) / 400)); a draw counts as half a win for
each side. One player is the anchor at 0 Elo. A weak Gaussian prior (sd ``prior_sd``
Elo, centred on 0) keeps the rating of a player that won or lost every game finite.
"""

from __future__ import annotations

import numpy as np

ELO_PER_NAT = 400 / np.log(10)


def fit_elo(
    first: np.ndarray,
    second: np.ndarray,
    score_first: np.ndarray,
    n_players: int,
    anchor: int = 0,
    prior_sd: float = 2000.0,
    iterations: int = 100,
) -> np.ndarray:
    """Maximum a posteriori Elo of each player (Newton's method); ``anchor`` fixed at 0."""
    wins = np.zeros((n_players, n_players))
    games = np.zeros((n_players, n_players))
    np.add.at(wins, (first, second), score_first)
    np.add.at(wins, (second, first), 1 - score_first)
    np.add.at(games, (first, second), 1)
    np.add.at(games, (second, first), 1)
    precision = (ELO_PER_NAT / prior_sd) ** 2
    free = np.array([i for i in range(n_players) if i != anchor])
    rating = np.zeros(n_players)  # natural units
    for _ in range(iterations):
        p = 1 / (1 + np.exp(rating[None, :] - rating[:, None]))  # p[i, j] = P(i beats j)
        gradient = (wins - games * p).sum(1) - precision * rating
        curvature = games * p * (1 - p)
        hessian = curvature - np.diag(curvature.sum(1) + precision)
        step = np.linalg.solve(hessian[np.ix_(free, free)], gradient[free])
        rating[free] -= step
        if np.abs(step).max() < 1e-9:
            break
    return rating * ELO_PER_NAT


def bootstrap_elo(
    first: np.ndarray,
    second: np.ndarray,
    score_first: np.ndarray,
    n_players: int,
    anchor: int = 0,
    samples: int = 200,
    seed: int = 0,
    level: float = 0.95,
    units: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Elo fitted on all games, and the bootstrap interval.

    ``units`` labels each game with the unit that is really random (see :func:`bootstrap_draws`);
    without it, single games are resampled.
    """
    elo, draws = bootstrap_draws(first, second, score_first, n_players, anchor, samples, seed, units)
    low, high = percentile_interval(draws, level)
    return elo, low, high


def bootstrap_draws(
    first: np.ndarray,
    second: np.ndarray,
    score_first: np.ndarray,
    n_players: int,
    anchor: int = 0,
    samples: int = 200,
    seed: int = 0,
    units: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Elo fitted on all games, and ``samples`` refits on resampled games: (elo, draws (samples, players)).

    Games sharing a ``units`` label are resampled together (a cluster bootstrap): deterministic
    players replay the same game whenever they meet on the same opening, so the copies of one
    game are no more evidence than the game itself; resampling whole openings (each with both
    colours and its mirror image) keeps that dependence and gives honest, wider intervals.
    """
    elo = fit_elo(first, second, score_first, n_players, anchor)
    rng = np.random.default_rng(seed)
    draws = np.empty((samples, n_players))
    if units is None:
        members = None
    else:
        labels, unit_of_game = np.unique(np.asarray(units), return_inverse=True)
        order = np.argsort(unit_of_game, kind="stable")
        members = np.split(order, np.cumsum(np.bincount(unit_of_game, minlength=len(labels)))[:-1])
    for b in range(samples):
        if members is None:
            pick = rng.integers(0, len(first), len(first))
        else:
            pick = np.concatenate([members[u] for u in rng.integers(0, len(members), len(members))])
        draws[b] = fit_elo(first[pick], second[pick], score_first[pick], n_players, anchor)
    return elo, draws


def percentile_interval(draws: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed percentile interval of bootstrap draws along axis 0."""
    tail = (1 - level) / 2 * 100
    return np.percentile(draws, tail, axis=0), np.percentile(draws, 100 - tail, axis=0)


def mean_with_interval(
    scores: np.ndarray, samples: int = 1000, seed: int = 0, level: float = 0.95, units: np.ndarray | None = None
):
    """Mean score and its bootstrap interval (e.g. the win rate of search over the raw policy);
    scores sharing a ``units`` label are resampled together, as in :func:`bootstrap_draws`."""
    rng = np.random.default_rng(seed)
    scores = np.asarray(scores, dtype=float)
    if units is None:
        means = scores[rng.integers(0, len(scores), (samples, len(scores)))].mean(1)
    else:
        _, unit_of_score = np.unique(np.asarray(units), return_inverse=True)
        totals = np.bincount(unit_of_score, weights=scores)
        counts = np.bincount(unit_of_score)
        pick = rng.integers(0, len(totals), (samples, len(totals)))
        means = totals[pick].sum(1) / counts[pick].sum(1)
    low, high = percentile_interval(means, level)
    return float(scores.mean()), float(low), float(high)
