"""The sample-wise map's summary, on synthetic curves whose answer is known."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from phenomena.double_descent.size_grid import SIZE_GRID_COLUMNS, random_features_summary, size_grid_summary


def size_grid_rows(width, seed, sizes, train, test, *, curve="width", train_metric="error"):
    return [
        {"sweep": "sample_wise", curve: width, "num_train": n, "label_noise": 0.15, "seed": seed}
        | {"split": split, "metric": metric, "value": value}
        for n, train_value, test_value in zip(sizes, train, test)
        for split, metric, value in (("train", train_metric, train_value), ("test", "error", test_value))
    ]


SIZES = [250, 500, 1000, 2000, 4000]


def synthetic_map(seeds=(0, 1, 2), jitter=0.0):
    """Width w fits every size up to its capacity; test error peaks at the first size it cannot fit."""
    rows = []
    capacity = {8: 500, 16: 1000, 32: 2000, 64: 8000}
    for width, fits in capacity.items():
        train = [0.0 if n <= fits else 0.05 * np.log2(n / fits) + 0.03 for n in SIZES]
        peak = next((i for i, n in enumerate(SIZES) if n > fits), None)
        test = [0.6 - 0.05 * i + (0.08 if i == peak or (peak and i == peak - 1) else 0.0) for i in range(len(SIZES))]
        for seed in seeds:
            rows += size_grid_rows(width, seed, SIZES, train, [value + jitter * seed for value in test])
    return pd.DataFrame(rows)


def test_interpolation_size_is_each_widths_largest_size_still_fitted():
    summary = size_grid_summary(synthetic_map(), tolerance=0.01, min_rise=0.02).set_index("width")
    assert list(summary.columns) == SIZE_GRID_COLUMNS[1:]
    assert summary["interpolation_size"].to_dict() == {8: 500, 16: 1000, 32: 2000, 64: 4000}
    assert summary["qualifies"].tolist() == [True, True, True, False]  # 4000 is the grid's edge
    assert summary.loc[[8, 16, 32], "peak_size"].tolist() == [500, 1000, 2000]  # rises most where it just fits
    assert summary.loc[[8, 16, 32], "threshold_to_peak_grid_points"].tolist() == [0, 0, 0]
    assert summary.loc[[8, 16, 32], "seeds_peak_within_one_step"].tolist() == [3, 3, 3]
    assert summary["peak_within_one_step"].tolist() == [True, True, True, False]
    assert summary.loc[[8, 16, 32], "threshold_rise"].round(6).tolist() == [0.03, 0.03, 0.03]
    assert math.isnan(summary.loc[64, "peak_size"])  # monotone: more data only helps
    assert summary.loc[64, "rise"] == 0 and not summary.loc[64, "rises_with_more_data"]
    assert summary.loc[64, "threshold_rise"] == pytest.approx(-0.05)


def test_a_width_that_fits_no_size_has_no_interpolation_size():
    final = pd.DataFrame(size_grid_rows(4, 0, SIZES, [0.2] * 5, [0.7, 0.65, 0.6, 0.55, 0.5]))
    (row,) = size_grid_summary(final, tolerance=0.01, min_rise=0.02).itertuples()
    assert math.isnan(row.interpolation_size) and math.isnan(row.peak_size)
    assert not row.qualifies and math.isnan(row.threshold_rise) and not row.rises_with_more_data


def test_threshold_rise_is_a_paired_t_interval_over_seeds():
    rows = []
    for seed, bump in enumerate([0.10, 0.09, 0.11]):
        rows += size_grid_rows(16, seed, SIZES, [0, 0, 0, 0.1, 0.2], [0.6, 0.5, 0.5 + bump, 0.45, 0.4])
    rising = size_grid_summary(pd.DataFrame(rows), tolerance=0.01, min_rise=0.02).iloc[0]
    half_width = stats.t.ppf(0.975, 2) * 0.01 / np.sqrt(3)
    assert rising["threshold_rise"] == pytest.approx(0.10) and rising["rises_with_more_data"]
    assert rising["threshold_rise_low"] == pytest.approx(0.10 - half_width)
    assert rising["threshold_rise_high"] == pytest.approx(0.10 + half_width)
    assert rising["interval_method"] == "paired t-interval (n-1 df)"
    rows = []
    for seed, bump in enumerate([0.10, -0.05, -0.05]):
        rows += size_grid_rows(16, seed, SIZES, [0, 0, 0, 0.1, 0.2], [0.6, 0.5, 0.5 + bump, 0.45, 0.4])
    one_seed = size_grid_summary(pd.DataFrame(rows), tolerance=0.01, min_rise=0.02).iloc[0]
    assert one_seed["threshold_rise_low"] < 0 and not one_seed["rises_with_more_data"]


def test_one_seed_has_no_interval():
    final = pd.DataFrame(size_grid_rows(16, 0, SIZES, [0, 0, 0, 0.1, 0.2], [0.6, 0.5, 0.6, 0.45, 0.4]))
    row = size_grid_summary(final, tolerance=0.01, min_rise=0.02).iloc[0]
    assert row["threshold_rise"] == pytest.approx(0.1) and math.isnan(row["threshold_rise_low"])
    assert not row["rises_with_more_data"]


def test_random_features_read_their_threshold_from_train_squared_error():
    rows = []
    for seed in range(3):
        # train *error* is ~0 one size past P = 1000 too; the squared error is not
        mse = [0.0, 0.0, 0.0, 0.4, 0.9]
        test = [0.78, 0.80, 0.90 + 0.01 * seed, 0.78, 0.70]
        rows += size_grid_rows(1000, seed, SIZES, mse, test, curve="features", train_metric="mse")
    summary = random_features_summary(pd.DataFrame(rows), tolerance=0.01, min_rise=0.02).iloc[0]
    assert summary["features"] == 1000 and summary["interpolation_size"] == 1000 and summary["qualifies"]
    assert summary["peak_size"] == 1000 and summary["peak_within_one_step"] and summary["rises_with_more_data"]
