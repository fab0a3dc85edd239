"""Bradley-Terry Elo: known strengths come back from synthetic games."""

import numpy as np

from phenomena.tree_search.elo import (
    fit_elo,
    fit_with_curvature,
    linearized_draws,
    mean_with_interval,
    percentile_interval,
    unit_draws,
)

TRUE_ELO = np.array([0.0, 150.0, 400.0, 700.0])


def synthetic_games(n: int, seed: int = 0, draw_rate: float = 0.0):
    rng = np.random.default_rng(seed)
    first = rng.integers(0, len(TRUE_ELO), n)
    second = (first + rng.integers(1, len(TRUE_ELO), n)) % len(TRUE_ELO)
    p_first = 1 / (1 + 10 ** ((TRUE_ELO[second] - TRUE_ELO[first]) / 400))
    # a draw is half a win each: draws replace wins and losses alike, the expected score stays p_first
    p_draw = 2 * draw_rate * np.minimum(p_first, 1 - p_first)
    u = rng.random(n)
    return first, second, np.where(u < p_first - p_draw / 2, 1.0, np.where(u < p_first + p_draw / 2, 0.5, 0.0))


def test_fit_recovers_known_strengths():
    elo = fit_elo(*synthetic_games(40_000), len(TRUE_ELO))
    assert elo[0] == 0.0
    np.testing.assert_allclose(elo, TRUE_ELO, atol=25)


def test_fit_with_draws_recovers_known_strengths():
    elo = fit_elo(*synthetic_games(40_000, seed=1, draw_rate=0.3), len(TRUE_ELO))
    np.testing.assert_allclose(elo, TRUE_ELO, atol=30)


def bootstrap_elo(first, second, score, n_players, samples=200, units=None, seed=0):
    """Elo and its percentile interval from the one-Newton-step draws, each game its own unit
    unless ``units`` says otherwise."""
    _, unit_of_game = np.unique(np.arange(len(first)) if units is None else units, return_inverse=True)
    counts = unit_draws(unit_of_game.max() + 1, samples, np.random.default_rng(seed))
    elo, draws = linearized_draws(first, second, score, n_players, unit_of_game, counts)
    return (elo, *percentile_interval(draws))


def test_one_newton_step_draws_are_the_refits_they_stand_for():
    """A draw reweights whole units; refitting the Elo on the reweighted games gives nearly the
    same ratings as the one step from the full fit: measured, at most 2.5 Elo apart where the
    draws spread by 10-15 Elo (sd), and the refits' spread is the draws' to within 10%."""
    first, second, score = synthetic_games(4_000, seed=6)
    units = np.arange(len(first)) % 40
    counts = unit_draws(40, 30, np.random.default_rng(0))
    elo, draws = linearized_draws(first, second, score, len(TRUE_ELO), units, counts)
    refits = []
    for count in counts:
        weight = count[units].astype(float)
        refits.append(fit_with_curvature(first, second, score * weight, len(TRUE_ELO), games_per_row=weight)[0])
    refits = np.array(refits)
    spread = draws.std(0)[1:]
    assert np.abs(refits - draws).max() < 0.3 * spread.min()
    np.testing.assert_allclose(refits.std(0)[1:], spread, rtol=0.1)


def test_bootstrap_intervals_cover_the_truth_and_shrink_with_games():
    few = bootstrap_elo(*synthetic_games(1_000, seed=2), len(TRUE_ELO), samples=100)
    many = bootstrap_elo(*synthetic_games(8_000, seed=3), len(TRUE_ELO), samples=100)
    for _, low, high in (few, many):
        assert (low <= TRUE_ELO + 1e-9).all() and (TRUE_ELO <= high + 1e-9).all()
    assert ((many[2] - many[1])[1:] < (few[2] - few[1])[1:]).all()


def test_unbeaten_player_gets_a_finite_rating():
    first, second = np.array([1, 1, 0, 0]), np.array([0, 0, 1, 1])
    elo = fit_elo(first, second, np.array([1.0, 1.0, 0.0, 0.0]), 2)
    assert np.isfinite(elo).all() and elo[1] > 400


def test_mean_with_interval():
    mean, low, high = mean_with_interval(np.array([1.0] * 30 + [0.5] * 10))
    assert mean == 0.875 and 0.5 < low < mean < high <= 1.0


def test_opening_bootstrap_is_wider_than_game_bootstrap_when_games_repeat():
    """Deterministic players replay the same game on the same opening: 40 openings each played
    10 times carry the evidence of 40 games, not 400. Resampling openings says so; resampling
    games claims an interval about sqrt(10) times too narrow."""
    first, second, score = synthetic_games(40 * len(TRUE_ELO), seed=4)
    repeats = 10
    units = np.repeat(np.arange(len(first)), repeats)
    first, second, score = (np.repeat(a, repeats) for a in (first, second, score))
    _, game_low, game_high = bootstrap_elo(first, second, score, len(TRUE_ELO), samples=100)
    _, unit_low, unit_high = bootstrap_elo(first, second, score, len(TRUE_ELO), samples=100, units=units)
    game_width, unit_width = (game_high - game_low)[1:], (unit_high - unit_low)[1:]
    assert (unit_width > 2 * game_width).all()


def test_mean_with_interval_over_units_is_wider_when_scores_repeat():
    rng = np.random.default_rng(5)
    scores = np.repeat(rng.choice([0.0, 0.5, 1.0], 30), 8)
    units = np.repeat(np.arange(30), 8)
    _, game_low, game_high = mean_with_interval(scores)
    mean, unit_low, unit_high = mean_with_interval(scores, units=units)
    assert unit_low <= mean <= unit_high
    assert unit_high - unit_low > 2 * (game_high - game_low)
