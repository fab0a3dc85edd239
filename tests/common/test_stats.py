"""The statistics layer on synthetic data with a known answer: each method's 95% interval
covers the truth in 92-98% of 400+ replicates at the unit counts the studies use (3 and 5
seeds, 13 opening classes, 25 units), a planted effect is detected and a null is not.

Coverage is counted over replicates drawn from a fixed seed, so every figure in an assertion
message is reproducible; 400 replicates put a 95% method's count within 92-98% with
probability about 0.99.
"""

from __future__ import annotations

import numpy as np
import pytest

from phenomena.common import stats

REPLICATES = 400
COVERAGE_RANGE = (0.92, 0.98)


def coverage(intervals: list[stats.Interval], truth: float) -> float:
    return float(np.mean([interval.contains(truth) for interval in intervals]))


def assert_calibrated(intervals: list[stats.Interval], truth: float, what: str) -> float:
    covered = coverage(intervals, truth)
    low, high = COVERAGE_RANGE
    assert low <= covered <= high, f"{what}: 95% interval covered the truth in {covered:.1%} of {len(intervals)}"
    return covered


@pytest.mark.parametrize("n_units", [3, 5])
def test_the_t_interval_of_a_mean_covers_the_truth_at_three_and_five_seeds(n_units):
    generator = np.random.default_rng(1)
    samples = generator.normal(2.0, 1.5, size=(REPLICATES, n_units))
    intervals = [stats.mean_interval(sample) for sample in samples]
    assert_calibrated(intervals, 2.0, f"t-interval, {n_units} seeds")


def test_a_percentile_bootstrap_over_three_seeds_would_not_and_is_refused():
    """The reason for the few-units rule: over 3 seeds the percentile bootstrap of the mean is the
    seeds' range and covers the mean about 75% of the time; bootstrap_interval refuses it."""
    generator = np.random.default_rng(2)
    samples = generator.normal(0.0, 1.0, size=(REPLICATES, 3))
    covered_by_range = np.mean((samples.min(axis=1) <= 0) & (0 <= samples.max(axis=1)))
    assert covered_by_range < 0.8, f"the range of 3 seeds covered the mean in {covered_by_range:.1%}"
    with pytest.raises(ValueError, match="5 or fewer units"):
        stats.bootstrap_interval(samples[0], np.mean, "seeds")


def test_a_paired_difference_over_three_seeds_is_calibrated_and_detects_a_planted_effect():
    """Runs paired by seed share the seed's draw (a large common term): the paired interval
    removes it, so a planted difference of 1 is detected where the unpaired spread would hide it."""
    generator = np.random.default_rng(3)
    shared = generator.normal(0, 3.0, size=(REPLICATES, 3))
    for planted in (0.0, 1.0):
        control = shared + generator.normal(0, 0.2, size=shared.shape)
        treated = shared + planted + generator.normal(0, 0.2, size=shared.shape)
        intervals = [stats.paired_difference(t, c) for t, c in zip(treated, control)]
        assert_calibrated(intervals, planted, f"paired t, 3 seeds, difference {planted}")
        verdicts = [stats.verdict(interval) for interval in intervals]
        detected = verdicts.count(stats.EFFECT) / REPLICATES
        if planted:
            assert detected > 0.8, f"a planted difference of 1 (noise 0.28) was detected in {detected:.1%}"
        else:
            assert detected < 0.08, f"no difference was called an effect in {detected:.1%}"


@pytest.mark.parametrize("n_units", [3, 5])
def test_the_geometric_mean_of_ratios_covers_the_true_ratio(n_units):
    generator = np.random.default_rng(4)
    ratios = np.exp(generator.normal(np.log(0.6), 0.2, size=(REPLICATES, n_units)))
    intervals = [stats.geometric_mean_interval(sample) for sample in ratios]
    assert_calibrated(intervals, 0.6, f"geometric mean, {n_units} seeds")
    assert all(stats.verdict(interval, null=1.0) != stats.NO_EFFECT for interval in intervals)
    with pytest.raises(ValueError, match="positive ratios"):
        stats.geometric_mean_interval([1.0, 0.0, 2.0])


def test_the_jackknife_over_thirteen_clusters_covers_a_mean_of_clustered_data():
    """13 units (the mirror classes of the tree-search openings), each a cluster of correlated
    games: the jackknife over clusters with t(12) covers the mean."""
    generator = np.random.default_rng(5)
    cluster_means = generator.normal(0.3, 0.1, size=(REPLICATES, 13, 1))
    games = cluster_means + generator.normal(0, 0.2, size=(REPLICATES, 13, 4))
    intervals = [stats.jackknife_interval(sample, lambda units: units.mean(), "opening classes") for sample in games]
    assert_calibrated(intervals, 0.3, "jackknife t(12), 13 clusters")


def test_the_jackknife_of_a_slope_over_five_units_is_calibrated():
    """A statistic that is not a mean: the slope of a line fitted to 5 units (x fixed)."""
    generator = np.random.default_rng(6)
    x = np.log([1.0, 4.0, 16.0, 64.0, 256.0])

    def slope(rows: np.ndarray) -> float:
        return float(np.polyfit(rows[:, 0], rows[:, 1], 1)[0])

    intervals = []
    for _ in range(REPLICATES):
        y = -1.0 * x + generator.normal(0, 0.3, size=x.size)
        intervals.append(stats.jackknife_interval(np.column_stack([x, y]), slope, "alphas"))
    covered = coverage(intervals, -1.0)
    # The jackknife of a regression slope over 5 points is conservative (leverage of the end
    # points inflates its variance); it must not undercover.
    assert 0.92 <= covered <= 1.0, f"jackknife slope over 5 points covered -1 in {covered:.1%}"


def test_the_bca_bootstrap_over_25_units_is_calibrated():
    generator = np.random.default_rng(7)
    samples = generator.normal(1.0, 1.0, size=(REPLICATES, 25))
    intervals = [stats.bootstrap_interval(s, np.mean, "openings", resamples=999, seed=i) for i, s in enumerate(samples)]
    assert_calibrated(intervals, 1.0, "BCa, 25 units")


def test_the_exact_binomial_interval_never_undercovers():
    """Clopper-Pearson is exact in the sense of never undercovering: over 5 widths its coverage
    of a true rate of 0.5 is at least 95% (conservative by construction)."""
    generator = np.random.default_rng(8)
    counts = generator.binomial(5, 0.5, size=REPLICATES)
    intervals = [stats.binomial_interval(int(count), 5, "widths") for count in counts]
    covered = coverage(intervals, 0.5)
    assert covered >= 0.95, f"exact binomial, 5 trials, covered 0.5 in {covered:.1%}"


def test_verdicts_follow_the_interval_and_the_stated_margin():
    interval = stats.Interval(0.1, -0.2, 0.4, "t", "seeds", 3)
    assert stats.verdict(interval) == stats.INCONCLUSIVE
    assert stats.verdict(interval, margin=0.5) == stats.NO_EFFECT
    assert stats.verdict(interval, null=-0.5) == stats.EFFECT
    assert stats.verdict(stats.mean_interval([1.0])) == stats.INCONCLUSIVE  # one unit: no interval
