"""Threshold and peak extraction, on synthetic curves whose answer is known."""

import math

import numpy as np
import pandas as pd
import pytest

from phenomena.double_descent.metrics import (
    SUMMARY_COLUMNS,
    locate_peak,
    summarize,
)

WIDTHS = np.array([2, 4, 8, 16, 32, 64, 128, 256], dtype=float)


def test_model_wise_peak_after_the_classical_minimum():
    train = np.array([0.7, 0.5, 0.3, 0.1, 0.0, 0.0, 0.0, 0.0])
    test = np.array([0.72, 0.55, 0.45, 0.50, 0.60, 0.50, 0.45, 0.40])  # min at 8, peak at 32
    numbers = locate_peak(WIDTHS, train, test, tolerance=0.01, sweep="model_wise")
    assert numbers["interpolation_threshold"] == 32 and numbers["peak_at"] == 32
    assert numbers["peak_test_error"] == 0.60 and numbers["largest_test_error"] == 0.40
    assert numbers["peak_to_largest"] == pytest.approx(1.5)
    assert numbers["threshold_to_peak_grid_points"] == 0


def test_order_of_the_points_does_not_matter():
    train = np.array([0.7, 0.5, 0.3, 0.1, 0.0, 0.0, 0.0, 0.0])
    test = np.array([0.72, 0.55, 0.45, 0.50, 0.60, 0.50, 0.45, 0.40])
    order = np.random.default_rng(0).permutation(len(WIDTHS))
    assert locate_peak(WIDTHS[order], train[order], test[order], tolerance=0.01, sweep="model_wise") == locate_peak(
        WIDTHS, train, test, tolerance=0.01, sweep="model_wise"
    )


def test_monotone_curve_has_no_peak():
    train = np.array([0.7, 0.5, 0.3, 0.1, 0.05, 0.02, 0.02, 0.02])  # never interpolates
    test = np.linspace(0.7, 0.3, len(WIDTHS))
    numbers = locate_peak(WIDTHS, train, test, tolerance=0.01, sweep="model_wise")
    assert math.isnan(numbers["peak_at"]) and math.isnan(numbers["interpolation_threshold"])
    assert numbers["largest_test_error"] == pytest.approx(0.3)


def test_sample_wise_threshold_is_the_largest_set_still_interpolated():
    sizes = np.array([250, 500, 1000, 2000, 4000], dtype=float)
    train = np.array([0.0, 0.0, 0.0, 0.1, 0.2])
    test = np.array([0.6, 0.5, 0.55, 0.45, 0.4])
    numbers = locate_peak(sizes, train, test, tolerance=0.01, sweep="sample_wise")
    assert numbers["interpolation_threshold"] == 1000 and numbers["peak_at"] == 1000  # more data hurt at 1000


def tidy_rows(sweep, noise, seed, axis_values, train, test, metric="error"):
    rows = []
    for value, train_value, test_value in zip(axis_values, train, test):
        for split, number in (("train", train_value), ("test", test_value)):
            rows.append(
                {
                    "sweep": sweep,
                    "label_noise": noise,
                    "seed": seed,
                    "width": value,
                    "num_train": 100,
                    "features": value,
                    "split": split,
                    "metric": metric,
                    "value": number,
                }
            )
    return rows


def test_summary_has_one_row_per_sweep_noise_and_seed():
    train = [0.5, 0.2, 0.0, 0.0]
    final = pd.DataFrame(
        tidy_rows("model_wise", 0.15, 0, [4, 8, 16, 32], train, [0.6, 0.5, 0.7, 0.45])
        + tidy_rows("model_wise", 0.15, 1, [4, 8, 16, 32], train, [0.6, 0.5, 0.65, 0.5])
        + tidy_rows("model_wise", 0.0, 0, [4, 8, 16, 32], train, [0.5, 0.4, 0.35, 0.3])
    )
    features = pd.DataFrame(tidy_rows("", 0.0, 0, [50, 100, 150], [0.5, 0.0, 0.0], [1.0, 50.0, 2.0], "mse"))
    summary = summarize(final, features.drop(columns="sweep"), tolerance=0.01)
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert len(summary) == 4
    noisy = summary[(summary["sweep"] == "model_wise") & (summary["label_noise"] == 0.15)]
    assert list(noisy["peak_at"]) == [16, 16] and list(noisy["interpolation_threshold"]) == [16, 16]
    assert noisy["peak_to_largest"].round(3).tolist() == [round(0.7 / 0.45, 3), 1.3]
    clean = summary[(summary["sweep"] == "model_wise") & (summary["label_noise"] == 0.0)]
    assert clean["peak_at"].isna().all()
    rf = summary[summary["sweep"] == "random_features"].iloc[0]
    assert rf["metric"] == "mse" and rf["peak_at"] == 100 and rf["interpolation_threshold"] == 100


def test_wiggle_below_the_minimum_rise_is_no_peak():
    train = np.array([0.7, 0.5, 0.3, 0.1, 0.0, 0.0, 0.0, 0.0])
    test = np.array([0.70, 0.60, 0.50, 0.51, 0.45, 0.44, 0.42, 0.40])  # +0.01 at width 16
    loose = locate_peak(WIDTHS, train, test, tolerance=0.01, sweep="model_wise")
    strict = locate_peak(WIDTHS, train, test, tolerance=0.01, sweep="model_wise", min_rise=0.02)
    assert loose["peak_at"] == 16 and loose["peak_rise"] == pytest.approx(0.01)
    assert math.isnan(strict["peak_at"]) and strict["peak_rise"] == pytest.approx(0.01)


def test_loss_peak_is_read_against_the_error_threshold():
    widths = [4, 8, 16, 32, 64]
    train_error = [0.4, 0.1, 0.0, 0.0, 0.0]
    final = pd.DataFrame(
        tidy_rows("model_wise", 0.0, 0, widths, train_error, [0.5, 0.4, 0.38, 0.35, 0.3])
        + tidy_rows("model_wise", 0.0, 0, widths, [1.2, 0.3, 0.01, 0.001, 0.001], [1.4, 1.2, 2.5, 1.6, 1.1], "loss")
    )
    no_features = pd.DataFrame(columns=["label_noise", "seed", "features", "split", "metric", "value"])
    summary = summarize(final, no_features, tolerance=0.01)
    error, loss = summary[summary["metric"] == "error"].iloc[0], summary[summary["metric"] == "loss"].iloc[0]
    assert math.isnan(error["peak_at"])  # the error only falls
    assert loss["peak_at"] == 16 and loss["interpolation_threshold"] == 16 and loss["peak_test_error"] == 2.5
    assert loss["threshold_to_peak_grid_points"] == 0
