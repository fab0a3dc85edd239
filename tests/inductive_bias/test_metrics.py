"""The study's summary: t-intervals over seeds, per-seed slopes, the SGD comparisons paired by seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from phenomena.inductive_bias.metrics import (
    architecture_summary,
    kernel_summary,
    per_seed_slopes,
    sgd_summary,
    slope_interval,
)


def power_law(noise: float, seeds: int = 4) -> pd.DataFrame:
    generator = np.random.default_rng(0)
    return pd.DataFrame(
        [
            {"width": w, "seed": s, "value": 3.0 * w**-0.5 * np.exp(generator.normal(0, noise))}
            for w in (16, 64, 256, 1024)
            for s in range(seeds)
        ]
    )


def test_the_per_seed_slope_recovers_a_power_law_with_a_t_interval_over_seeds():
    exact, slopes = slope_interval(power_law(0.0), "width")
    np.testing.assert_allclose([exact.estimate, exact.low, exact.high], -0.5)
    np.testing.assert_allclose(slopes.to_numpy(), -0.5)
    noisy, slopes = slope_interval(power_law(0.05), "width")
    assert abs(noisy.estimate + 0.5) < 0.05 and noisy.low <= noisy.estimate <= noisy.high
    half_width = stats.t.ppf(0.975, 3) * slopes.std(ddof=1) / 2  # 4 seeds: t(3), sqrt(4) = 2
    np.testing.assert_allclose(noisy.high - noisy.estimate, half_width)
    assert noisy.method == "per-seed log-log slope, t-interval (n-1 df)" and noisy.n_units == 4


def test_each_seed_is_fitted_on_its_own_runs():
    rows = power_law(0.0, seeds=2)
    rows.loc[rows["seed"] == 1, "value"] = rows.loc[rows["seed"] == 1, "width"] ** -1.0
    np.testing.assert_allclose(per_seed_slopes(rows, "width").to_numpy(), [-0.5, -1.0])


def kernel_rows(width: int, alpha: float, seed: int, change: float) -> list[dict]:
    run = f"w{width}_a{alpha}_s{seed}"
    return [
        {"run": run, "seed": seed, "step": 10, "split": "grid", "metric": metric, "value": value}
        | {"width": width, "alpha": alpha}
        for metric, value in (("kernel_change", change), ("distance_to_linearized", change / 2))
        + (("parameter_change", change),)
    ]


def test_kernel_summary_fits_width_at_alpha_one_and_alpha_at_the_reference_width():
    rows = [r for w in (10, 100, 1000) for s in (0, 1) for r in kernel_rows(w, 1.0, s, w**-0.5)]
    rows += [r for a in (4.0, 16.0) for s in (0, 1) for r in kernel_rows(100, a, s, 100**-0.5 / a)]
    summary = pd.DataFrame(kernel_summary(pd.DataFrame(rows), reference_width=100)).set_index(["quantity", "setting"])
    np.testing.assert_allclose(summary.loc[("kernel_change_slope_vs_width", "width 10-1000"), "value"], -0.5)
    np.testing.assert_allclose(summary.loc[("kernel_change_slope_vs_alpha", "alpha 1-16"), "value"], -1.0)
    np.testing.assert_allclose(summary.loc[("parameter_change_local_slope_vs_alpha", "alpha 4-16"), "value"], -1.0)
    assert (summary["method"] == "per-seed log-log slope, t-interval (n-1 df)").sum() == 2 * (1 + 2 + 1 + 2)


def sgd_rows(job: str, batch: int, epochs: float, regularized: bool, accuracies: list[float]) -> list[dict]:
    return [
        {"run": f"{job}_seed{seed}", "job": job, "seed": seed, "step": 5, "split": split, "metric": "accuracy"}
        | {"value": value, "batch_size": batch, "epochs": epochs, "regularized": regularized}
        for seed, value in enumerate(accuracies)
        for split in ("train", "test")
    ]


def test_sgd_summary_pairs_seeds_against_the_long_full_batch_run_for_each_regularizer():
    rows = sgd_rows("small", 10, 5, False, [0.6, 0.7, 0.8]) + sgd_rows("full_short", 100, 5, False, [0.2, 0.3, 0.1])
    rows += sgd_rows("full_long", 100, 50, False, [0.5, 0.5, 0.6])
    rows += sgd_rows("full_regularized_paper", 100, 50, True, [0.55, 0.65, 0.7])
    rows += sgd_rows("full_regularized_exact", 100, 50, True, [0.6, 0.7, 0.8])
    summary = pd.DataFrame(sgd_summary(pd.DataFrame(rows))).set_index(["quantity", "setting"])
    advantage = summary.loc[("small_batch_advantage", "small - full_long")]
    np.testing.assert_allclose(advantage[["value", "seed_min", "seed_max"]].to_numpy(float), [1 / 6, 0.1, 0.2])
    assert advantage["method"] == "paired t-interval (n-1 df)"
    np.testing.assert_allclose(summary.loc[("regularizer_gain", "full_regularized_paper - full_long"), "value"], 0.1)
    np.testing.assert_allclose(summary.loc[("regularizer_gap", "full_regularized_exact - small"), "value"], 0.0)
    fraction = summary.loc[("recovered_fraction", "full_regularized_paper")]
    np.testing.assert_allclose(fraction["value"], 0.1 / (1 / 6))
    assert fraction["method"].startswith("Fieller")
    np.testing.assert_allclose(summary.loc[("recovered_fraction", "full_regularized_exact"), "value"], 1.0)


def test_a_permutation_cost_that_is_noise_gets_an_interval_around_zero():
    rows = [
        {"run": f"{m}{o}{s}", "seed": s, "step": 9, "split": "test", "metric": "accuracy", "model": m, "order": o}
        | {"value": value}
        for m, values in (("mlp", {"original": [0.70, 0.68, 0.66], "permuted": [0.69, 0.70, 0.64]}),)
        for o, accuracies in values.items()
        for s, value in enumerate(accuracies)
    ]
    summary = pd.DataFrame(architecture_summary(pd.DataFrame(rows))).set_index(["quantity", "setting"])
    cost = summary.loc[("permutation_cost", "mlp")]
    np.testing.assert_allclose(cost["value"], (0.01 - 0.02 + 0.02) / 3)
    assert cost["low"] < 0 < cost["high"] and cost["method"] == "paired t-interval (n-1 df)"
