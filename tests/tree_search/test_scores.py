"""The two-way jackknife of paired scores (Gumbel against PUCT, search against the raw policy):
coverage on synthetic arenas at the default study's size, with run and opening effects."""

import numpy as np
import pytest

from phenomena.tree_search.scores import two_way_interval

RUNS, CLASSES, GAMES_PER_CLASS = 9, 63, 4  # 3 widths x 3 seeds; 3-ply openings' mirror classes


def synthetic_scores(edge: float, rng: np.random.Generator, run_sd: float = 0.05, class_sd: float = 0.08):
    """(sums, counts) of a run x class grid whose expected score is 0.5 + edge over runs and
    openings: each run and each opening shifts it (a seed that learnt a better net, an opening
    that suits one search)."""
    p = 0.5 + edge + rng.normal(0, run_sd, (RUNS, 1)) + rng.normal(0, class_sd, (1, CLASSES))
    sums = rng.binomial(GAMES_PER_CLASS, p.clip(0, 1)).astype(float)
    return sums, np.full(sums.shape, float(GAMES_PER_CLASS))


@pytest.mark.parametrize("edge", [0.0, 0.1])  # no difference; Gumbel scoring 0.6
def test_the_two_way_interval_covers_the_expected_score(edge):
    rng = np.random.default_rng(2026)
    covered = np.mean([two_way_interval(*synthetic_scores(edge, rng)).contains(0.5 + edge) for _ in range(400)])
    # measured (400 replicates, seed 2026): edge 0: 0.9525, edge 0.1: 0.965
    assert 0.90 <= covered <= 0.98


def test_with_one_run_it_is_the_jackknife_over_opening_classes():
    rng = np.random.default_rng(0)
    sums, counts = synthetic_scores(0.0, rng)
    interval = two_way_interval(sums[:1], counts[:1])
    assert interval.n_units == CLASSES and interval.low < interval.estimate < interval.high
