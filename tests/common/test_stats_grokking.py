"""Calibration of censored_ratio_interval (stats.py, section grokking): paired ratios of times to a
threshold, either of which may be censored at a budget."""

import math

import numpy as np
import pytest

from phenomena.common.stats import LOWER_BOUND, UPPER_BOUND, censored_ratio_interval

REPLICATES = 400


def simulate(rng, ratio: float, units: int = 5, budget: float = np.inf):
    """Baseline times ~ 1200 x lognormal(0.15); treated = baseline / ratio x lognormal(0.15); a time
    above ``budget`` is censored (reported as the budget, not observed)."""
    baseline = 1200 * np.exp(rng.normal(0, 0.15, units))
    treated = baseline / ratio * np.exp(rng.normal(0, 0.15, units))
    return (np.minimum(baseline, budget), baseline <= budget, np.minimum(treated, budget), treated <= budget)


@pytest.mark.parametrize("ratio", [1.0, 0.6, 2.0])
def test_uncensored_interval_covers_the_true_ratio(ratio):
    rng = np.random.default_rng(11)
    covered = 0
    for _ in range(REPLICATES):
        interval, bound = censored_ratio_interval(*simulate(rng, ratio))
        assert bound == ""
        covered += interval.low <= ratio <= interval.high
    coverage = covered / REPLICATES
    assert 0.92 <= coverage <= 0.98, f"coverage {coverage:.3f} at ratio {ratio} over 5 units"


def test_a_censored_baseline_gives_a_conservative_lower_bound():
    """Baseline times near the budget: the censored ones count at the budget, so each such ratio is
    below its true value and the interval's low end lies under the truth more often than 97.5%."""
    rng = np.random.default_rng(12)
    below = bounds = 0
    for _ in range(REPLICATES):
        interval, bound = censored_ratio_interval(*simulate(rng, 2.0, budget=1300.0))
        bounds += bound == LOWER_BOUND
        below += interval.low <= 2.0
    assert bounds > REPLICATES / 4
    assert below / REPLICATES >= 0.975, f"low end under the truth in {below / REPLICATES:.3f}"


def test_bounds_on_a_hand_made_table():
    interval, bound = censored_ratio_interval([2000, 1000], [False, True], [500, 500], [True, True])
    assert bound == LOWER_BOUND and interval.estimate == pytest.approx(math.sqrt(4 * 2))
    assert "lower bound: 1 censored" in interval.method
    interval, bound = censored_ratio_interval([1000, 1000], [True, True], [4000, 500], [False, True])
    assert bound == UPPER_BOUND and interval.estimate == pytest.approx(math.sqrt(0.25 * 2))
    interval, bound = censored_ratio_interval([2000, 1000, 900], [False, True, True], [500, 4000, 300],
                                              [True, False, True])  # fmt: skip
    assert bound == "" and interval.n_units == 1 and interval.estimate == pytest.approx(3.0)  # both kinds: exact only
    interval, bound = censored_ratio_interval([2000], [False], [2000], [False])
    assert math.isnan(interval.estimate) and interval.n_units == 0
