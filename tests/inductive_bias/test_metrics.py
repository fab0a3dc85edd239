"""The study's summary: bootstrap intervals over seeds, the fitted kernel slope, the SGD comparisons."""

from __future__ import annotations

import numpy as np
import pandas as pd

from phenomena.inductive_bias.metrics import bootstrap_interval, kernel_summary, sgd_summary, slope_with_interval


def tidy(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def power_law(noise: float) -> pd.DataFrame:
    generator = np.random.default_rng(0)
    return pd.DataFrame(
        [
            {"width": w, "seed": s, "value": 3.0 * w**-0.5 * np.exp(generator.normal(0, noise))}
            for w in (16, 64, 256, 1024)
            for s in range(4)
        ]
    )


def test_the_fitted_slope_recovers_a_power_law_with_an_interval_that_grows_with_the_noise():
    exact = slope_with_interval(power_law(0.0), "width")
    np.testing.assert_allclose(exact, (-0.5, -0.5, -0.5))
    slope, low, high = slope_with_interval(power_law(0.05), "width")
    assert abs(slope + 0.5) < 0.05
    assert low <= slope <= high and 0 < high - low < 0.2


def test_the_bootstrap_interval_is_a_point_for_equal_values_and_wide_for_spread_ones():
    assert bootstrap_interval(np.array([0.5, 0.5, 0.5])) == (0.5, 0.5)
    low, high = bootstrap_interval(np.array([0.1, 0.5, 0.9]))
    assert low < 0.5 < high


def kernel_rows(width: int, alpha: float, seed: int, change: float) -> list[dict]:
    run = f"w{width}_a{alpha}_s{seed}"
    return [
        {
            "run": run,
            "seed": seed,
            "step": 10,
            "split": "grid",
            "metric": metric,
            "value": value,
            "width": width,
            "alpha": alpha,
        }
        for metric, value in (("kernel_change", change), ("distance_to_linearized", change / 2))
    ]


def test_kernel_summary_fits_width_at_alpha_one_and_alpha_at_the_reference_width():
    rows = [r for w in (10, 100, 1000) for s in (0, 1) for r in kernel_rows(w, 1.0, s, w**-0.5)]
    rows += [r for a in (4.0, 16.0) for s in (0, 1) for r in kernel_rows(100, a, s, 100**-0.5 / a)]
    summary = pd.DataFrame(kernel_summary(tidy(rows), reference_width=100)).set_index("quantity")
    np.testing.assert_allclose(summary.loc["kernel_change_slope_vs_width", "value"], -0.5)
    np.testing.assert_allclose(summary.loc["kernel_change_slope_vs_alpha", "value"], -1.0)


def sgd_rows(job: str, batch: int, epochs: float, regularized: bool, accuracies: list[float]) -> list[dict]:
    return [
        {
            "run": f"{job}_seed{seed}",
            "job": job,
            "seed": seed,
            "step": 5,
            "split": split,
            "metric": "accuracy",
            "value": value,
            "batch_size": batch,
            "epochs": epochs,
            "regularized": regularized,
        }
        for seed, value in enumerate(accuracies)
        for split in ("train", "test")
    ]


def test_sgd_summary_pairs_seeds_against_the_long_full_batch_run():
    rows = sgd_rows("small", 10, 5, False, [0.6, 0.7]) + sgd_rows("full_short", 100, 5, False, [0.2, 0.3])
    rows += sgd_rows("full_long", 100, 50, False, [0.5, 0.5]) + sgd_rows("full_reg", 100, 50, True, [0.55, 0.65])
    summary = pd.DataFrame(sgd_summary(tidy(rows))).set_index("quantity")
    np.testing.assert_allclose(summary.loc["small_batch_advantage", "value"], 0.15)
    assert summary.loc["small_batch_advantage", "setting"] == "small - full_long"
    np.testing.assert_allclose(summary.loc["regularizer_gain", "value"], 0.1)
