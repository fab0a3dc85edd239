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
    return fit_with_curvature(first, second, score_first, n_players, anchor, prior_sd, iterations)[0]


def fit_with_curvature(
    first: np.ndarray,
    second: np.ndarray,
    score_first: np.ndarray,
    n_players: int,
    anchor: int = 0,
    prior_sd: float = 2000.0,
    iterations: int = 100,
    games_per_row: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`fit_elo`, and the negative Hessian of the log posterior (natural units) at the fit.

    With ``games_per_row`` each row stands for that many games and ``score_first`` is their
    summed score (the synthetic arenas of the tests)."""
    played = np.ones(len(first)) if games_per_row is None else np.asarray(games_per_row, dtype=float)
    wins = np.zeros((n_players, n_players))
    games = np.zeros((n_players, n_players))
    np.add.at(wins, (first, second), score_first)
    np.add.at(wins, (second, first), played - score_first)
    np.add.at(games, (first, second), played)
    np.add.at(games, (second, first), played)
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
    p = 1 / (1 + np.exp(rating[None, :] - rating[:, None]))
    curvature = games * p * (1 - p)
    return rating * ELO_PER_NAT, np.diag(curvature.sum(1) + precision) - curvature


def unit_draws(n_units: int, samples: int, rng: np.random.Generator) -> np.ndarray:
    """How often each of ``samples`` bootstrap draws picks each unit: (samples, n_units) counts."""
    return rng.multinomial(n_units, np.full(n_units, 1 / n_units), size=samples)


def linearized_draws(
    first: np.ndarray,
    second: np.ndarray,
    score_first: np.ndarray,
    n_players: int,
    unit_of_game: np.ndarray,
    unit_counts: np.ndarray,
    anchor: int = 0,
    games_per_row: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Elo fitted on all games, and its bootstrap draws by one Newton step each: (elo, (draws, players)).

    A draw weights each unit's games by how often ``unit_counts`` (draws, units) picks the unit;
    the refit is replaced by one Newton step from the fit on all games, with its Hessian. The
    step is the bootstrap's first-order term, exact where the log likelihood is quadratic near
    the fit; it makes thousands of draws cost one matrix product (the calibration tests in
    ``tests/tree_search/test_frontier.py`` run hundreds of synthetic arenas with it)."""
    elo, information = fit_with_curvature(first, second, score_first, n_players, anchor, games_per_row=games_per_row)
    rating = elo / ELO_PER_NAT
    played = np.ones(len(first)) if games_per_row is None else np.asarray(games_per_row, dtype=float)
    residual = score_first - played / (1 + np.exp(rating[second] - rating[first]))
    per_unit = np.zeros((unit_counts.shape[1], n_players))  # each unit's gradient of the log likelihood
    np.add.at(per_unit, (unit_of_game, first), residual)
    np.add.at(per_unit, (unit_of_game, second), -residual)
    free = np.array([i for i in range(n_players) if i != anchor])
    gradient = (unit_counts - 1.0) @ per_unit[:, free]  # the draws' gradients at the full fit
    draws = np.tile(elo, (len(unit_counts), 1))
    draws[:, free] += np.linalg.solve(information[np.ix_(free, free)], gradient.T).T * ELO_PER_NAT
    return elo, draws


def percentile_interval(draws: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed percentile interval of bootstrap draws along axis 0."""
    tail = (1 - level) / 2 * 100
    return np.percentile(draws, tail, axis=0), np.percentile(draws, 100 - tail, axis=0)


def mean_with_interval(
    scores: np.ndarray, samples: int = 1000, seed: int = 0, level: float = 0.95, units: np.ndarray | None = None
):
    """Mean score and its bootstrap interval (e.g. the win rate of search over the raw policy);
    scores sharing a ``units`` label (an opening class: deterministic players replay one game on
    one opening) are resampled together."""
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
