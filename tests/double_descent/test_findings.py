"""Calibration of the double-descent findings: simulated metric tables at the study's sizes
(3 seeds; 17 widths model-wise; 5 qualifying widths x 8 sizes sample-wise; 3 feature counts), with a
planted effect and with none, 400 replicates each; and each finding on a hand-made table."""

from functools import cache

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from phenomena.common.stats import EFFECT, INCONCLUSIVE, NO_EFFECT, binomial_interval
from phenomena.double_descent.findings import (
    findings,
    model_wise_peak_height,
    model_wise_rise,
    random_features_control,
    sample_wise_rises,
)
from phenomena.double_descent.metrics import locate_peak
from phenomena.double_descent.size_grid import (
    SIZE_GRID_COLUMNS,
    curve_summary,
    threshold_rise,
)

REPLICATES, SEEDS, TEST_NOISE, MIN_RISE = 400, 3, 0.008, 0.02  # 4000 test examples: ~0.008 per error
WIDTHS = np.array([2, 4, 7, 12, 16, 21, 27, 36, 47, 61, 80, 104, 135, 177, 230, 300, 450], dtype=float)
THRESHOLD = 9  # width 61, where the default's noisy networks start to interpolate
SIZES = np.array([250, 500, 750, 1000, 1500, 2000, 3000, 4000], dtype=float)


def largest_rises(curves: np.ndarray) -> np.ndarray:
    """Vectorised ``peak_rise`` of :func:`locate_peak` along the last axis."""
    best = np.minimum.accumulate(curves, axis=-1)
    return np.maximum((curves[..., 1:] - best[..., :-1]).max(-1), 0.0)


def width_curves(generator, shape, bump, bump_spread=0.01):
    """Test error over the 17 widths: a falling curve, a per-seed bump at the threshold, test noise."""
    base = 0.30 + 0.45 * np.exp(-np.arange(len(WIDTHS)) / 3)
    heights = bump + bump_spread * generator.standard_normal(shape)
    curves = base + TEST_NOISE * generator.standard_normal((*shape, len(WIDTHS)))
    curves[..., THRESHOLD] += heights
    return curves


def model_wise_tables(noisy: np.ndarray, clean: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The summary and final tables the model-wise findings read, for one replicate's seeds."""
    train = np.where(np.arange(len(WIDTHS)) >= THRESHOLD, 0.0, 0.5)
    summary = [
        {"sweep": "model_wise", "metric": "error", "label_noise": noise, "seed": seed}
        | locate_peak(WIDTHS, train, curve, tolerance=0.01, sweep="model_wise", min_rise=MIN_RISE)
        for noise, curves in ((0.15, noisy), (0.0, clean))
        for seed, curve in enumerate(curves)
    ]
    seeds, widths = np.meshgrid(np.arange(len(noisy)), WIDTHS, indexing="ij")
    final = pd.DataFrame(
        {
            "label_noise": np.repeat([0.15, 0.0], noisy.size),
            "seed": np.tile(seeds.ravel(), 2),
            "width": np.tile(widths.ravel(), 2),
            "value": np.concatenate([noisy.ravel(), clean.ravel()]),
        }
    ).assign(sweep="model_wise", metric="error", split="test")
    return pd.DataFrame(summary), final


@cache
def simulate_model_wise(bump: float, seed: int = 1):
    """Rows of (estimate, low, high, verdict) of both model-wise findings, over replicates."""
    generator = np.random.default_rng(seed)
    noisy = width_curves(generator, (REPLICATES, SEEDS), bump)
    clean = width_curves(generator, (REPLICATES, SEEDS), 0.0)
    rise, height = [], []
    for replicate in range(REPLICATES):
        summary, final = model_wise_tables(noisy[replicate], clean[replicate])
        rise.append(model_wise_rise(summary).interval)
        height.append(model_wise_peak_height(summary, final).interval)
    return rise, height


def coverage(intervals, truth) -> float:
    return float(np.mean([interval.low <= truth <= interval.high for interval in intervals]))


def effect_rate(intervals, null) -> float:
    return float(np.mean([interval.low > null or interval.high < null for interval in intervals]))


@pytest.mark.parametrize("bump", [0.0, 0.10])
def test_model_wise_rise_interval_covers_the_true_difference(bump):
    rise, _ = simulate_model_wise(bump)
    # the truth: the mean per-seed difference of largest rises, from many simulated seeds
    generator = np.random.default_rng(99)
    truth = float(np.mean(largest_rises(width_curves(generator, (200_000,), bump)))) - float(
        np.mean(largest_rises(width_curves(generator, (200_000,), 0.0)))
    )
    covered, detected = coverage(rise, truth), effect_rate(rise, 0.0)
    assert 0.92 <= covered <= 0.98, f"paired t over 3 seeds covers the true difference {truth:.4f} in {covered:.1%}"
    if bump == 0.0:
        assert detected <= 0.08, f"no planted rise, yet an effect in {detected:.1%} of replicates"
    else:
        assert detected >= 0.9, f"planted rise of {bump} detected in only {detected:.1%}"


@pytest.mark.parametrize("bump", [0.0, 0.10])
def test_model_wise_peak_height_interval_covers_the_planted_ratio(bump):
    _, height = simulate_model_wise(bump)
    detected = effect_rate(height, 1.0)
    if bump == 0.0:  # no bump: a seed rarely has a peak, and never all three
        assert detected <= 0.05, f"no planted peak, yet a height above 1 in {detected:.1%}"
        return
    generator = np.random.default_rng(98)
    curves = width_curves(generator, (200_000,), bump)
    truth = float(np.exp(np.mean(np.log(curves[:, THRESHOLD] / curves[:, -1]))))  # geometric mean
    covered = coverage(height, truth)
    assert 0.92 <= covered <= 0.98, f"t on log ratios covers the planted {truth:.3f}x in {covered:.1%}"
    assert detected >= 0.9, f"planted peak detected in only {detected:.1%}"


def size_curves(generator, shape, rise, rise_spread=0.01, position=3):
    """Test error over the 8 sizes: a learning curve falling 0.03 a step, ``rise`` planted at
    ``position`` (n*), per-seed rise spread and test noise; axes ``shape`` x sizes."""
    base = 0.75 - 0.03 * np.arange(len(SIZES))
    curves = base + TEST_NOISE * generator.standard_normal((*shape, len(SIZES)))
    curves[..., position] += rise + 0.03 + rise_spread * generator.standard_normal(shape)  # undo that step's fall
    return curves


@pytest.mark.parametrize("rise", [0.0, 0.02, 0.07])
def test_threshold_rise_paired_t_covers_the_planted_rise(rise):
    generator = np.random.default_rng(3)
    curves = size_curves(generator, (REPLICATES, SEEDS), rise)
    intervals = [threshold_rise(curve.T, 3) for curve in curves]
    covered = float(np.mean([low <= rise <= high for _, low, high, _ in intervals]))
    fired = float(np.mean([low > 0 for _, low, _, _ in intervals]))
    assert 0.92 <= covered <= 0.98, f"paired t over 3 seeds covers the planted rise {rise} in {covered:.1%}"
    if rise == 0.0:
        assert fired <= 0.05, f"no rise, yet fired in {fired:.1%}"
    if rise == 0.07:
        assert fired >= 0.9, f"rise of 0.07 (the random features' smallest) found in only {fired:.1%}"


def summary_table(curve: str, keys, fired, qualifies=None) -> pd.DataFrame:
    """A sample-wise summary with the columns the count reads (the rest NaN)."""
    table = pd.DataFrame({column: np.nan for column in SIZE_GRID_COLUMNS[1:]}, index=range(len(keys)))
    table.insert(0, curve, list(keys))
    table["qualifies"] = True if qualifies is None else qualifies
    table["rises_with_more_data"] = fired
    table["peak_within_one_step"] = fired
    return table


@pytest.mark.parametrize(("rise", "expected"), [(-0.03, NO_EFFECT), (0.07, EFFECT)])
def test_sample_wise_count_over_five_widths(rise, expected):
    generator = np.random.default_rng(4)
    networks = size_curves(generator, (REPLICATES, 5, SEEDS), rise)
    controls = size_curves(generator, (REPLICATES, 3, SEEDS), 0.08)
    verdicts = []
    for network, control in zip(networks, controls):
        fired = [threshold_rise(curve.T, 3)[1] > 0 for curve in network]
        control_fired = [threshold_rise(curve.T, 3)[1] > 0 for curve in control]
        estimate = sample_wise_rises(
            summary_table("width", [21, 27, 36, 47, 61], fired),
            summary_table("features", [500, 1000, 2000], control_fired),
        )
        verdicts.append(estimate.verdict)
    share = verdicts.count(expected) / REPLICATES
    assert share >= 0.9, f"rise {rise} at n* over 5 widths: verdict {expected} in {share:.1%}"


def test_exact_binomial_is_conservative_at_the_studys_counts():
    """Clopper-Pearson guarantees at least 95%: over 3 (feature counts) or 5 (widths) trials it
    covers more. Coverage is computed exactly, summing the binomial probabilities of the counts
    whose interval holds the truth."""
    for trials in (3, 5):
        intervals = [binomial_interval(k, trials, "curves") for k in range(trials + 1)]
        for truth in (0.1, 0.3, 0.5, 0.9):
            covered = sum(stats.binom.pmf(k, trials, truth) for k, i in enumerate(intervals) if i.contains(truth))
            assert 0.95 <= covered <= 1 + 1e-9, f"{trials} trials, p = {truth}: coverage {covered:.1%}"


def random_features_summaries(generator, peak):
    """Per replicate, the summary of three feature counts along the size grid: train squared
    error 0 up to n = P, test error falling with a planted peak of ``peak`` at n = P (the
    columns :func:`random_features_summary` writes, from its per-curve :func:`curve_summary`)."""
    tables = []
    for _ in range(REPLICATES):
        rows = []
        for position, count in ((1, 500), (3, 1000), (5, 2000)):
            test = pd.DataFrame(size_curves(generator, (SEEDS,), peak, position=position).T, index=SIZES)
            train = pd.DataFrame(np.where(SIZES <= count, 0.0, 0.5)[:, None].repeat(SEEDS, 1), index=SIZES)
            rows.append({"features": count, "label_noise": 0.15, **curve_summary(train, test, 0.01, MIN_RISE)})
        tables.append(pd.DataFrame(rows))
    return tables


@pytest.mark.parametrize("peak", [0.0, 0.07])
def test_random_features_control_finds_a_planted_peak(peak):
    summaries = random_features_summaries(np.random.default_rng(6), peak)
    verdicts = [random_features_control(summary).verdict for summary in summaries]
    share = verdicts.count(EFFECT if peak else INCONCLUSIVE) / REPLICATES
    assert share >= 0.95, f"planted peak {peak}: the detector's verdict is right in {share:.1%}"


def test_findings_on_hand_made_tables():
    noisy = np.tile(0.30 + 0.45 * np.exp(-np.arange(len(WIDTHS)) / 3), (SEEDS, 1))
    clean = noisy.copy()
    noisy[:, THRESHOLD] += [0.10, 0.11, 0.12]
    summary, final = model_wise_tables(noisy, clean)
    rise = model_wise_rise(summary)
    above_best_smaller = 0.11 + clean[0, THRESHOLD] - clean[0, THRESHOLD - 1]  # the mean bump, less one step's fall
    assert rise.interval.estimate == pytest.approx(above_best_smaller) and rise.control.estimate == 0
    height = model_wise_peak_height(summary, final)
    expected = np.exp(np.mean(np.log(noisy[:, THRESHOLD] / noisy[:, -1])))
    assert height.interval.estimate == pytest.approx(expected) and height.slots["peak_widths"] == "61, 61, 61"
    assert height.control.estimate == pytest.approx(clean[0, THRESHOLD] / clean[0, -1])
    assert height.slots["versus_clean"] == pytest.approx(expected / height.control.estimate)
    none_rise = sample_wise_rises(
        summary_table("width", [21, 27, 36], [False] * 3, qualifies=[False, True, True]),
        summary_table("features", [500, 1000], [True, True]),
    )
    assert none_rise.interval.estimate == 0 and none_rise.interval.n_units == 2 and none_rise.verdict == NO_EFFECT
    blind = sample_wise_rises(
        summary_table("width", [27], [False]), summary_table("features", [500, 1000], [True, False])
    )
    assert blind.verdict == INCONCLUSIVE  # the detector misses its positive control
    control = summary_table("features", [500, 1000], [True, True])
    control["peak_size"], control["rise"], control["seeds"], control["seeds_peak_within_one_step"] = 500, 0.1, 3, 3
    found = random_features_control(control)
    assert found.slots["found"] == 1 and found.verdict == INCONCLUSIVE


def test_findings_need_two_noise_levels_and_the_control():
    section = {"model_wise": {"label_noise": [0.0, 0.15]}, "sample_wise": {"random_features": [500]}}
    assert [f.name for f in findings(section)] == [
        "model_wise_rise",
        "model_wise_peak_height",
        "sample_wise_rise",
        "random_features_control",
    ]
    assert findings({"model_wise": {"label_noise": [0.15]}, "sample_wise": None}) == []
