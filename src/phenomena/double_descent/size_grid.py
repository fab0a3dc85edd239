"""The sample-wise map's summary: per curve (a width, or a random-feature count), does more data hurt?

A curve is test error against training-set size at one width (networks) or one number of
random features ``P`` (the positive control), with one label-noise level, over seeds. Read
from its seed-mean curve:

- ``interpolation_size`` n*: the largest size whose seed-mean train error (random features:
  train squared error, the loss they interpolate exactly) is at most ``tolerance``.
- ``qualifies``: n* has a grid size on each side, so a rise into n* and a fall after it can
  both be seen; a curve whose n* sits on the grid's edge (or nowhere) cannot show a peak there.
- The *peak detector* (as along width, :func:`~phenomena.double_descent.metrics.locate_peak`):
  ``peak_size`` is where seed-mean test error rises most above its best at fewer examples,
  when it rises by ``min_rise`` at least; ``peak_within_one_step`` when that lies at most one
  grid step from n*.
- The *threshold rise*: test error at n* minus test error at the grid size just below it, per
  seed, and its paired t-interval over seeds (n-1 df; the seeds share the test set and a
  seed's sizes share its draws). ``rises_with_more_data``: the interval lies above 0. The
  contrast is fixed by train error, not picked as the largest of many rises, so its interval
  keeps its level (``tests/double_descent/test_findings.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phenomena.common.stats import paired_difference
from phenomena.double_descent.metrics import locate_peak

SIZE_GRID_COLUMNS = [
    "width",
    "label_noise",
    "seeds",
    "interpolation_size",
    "qualifies",
    "peak_size",
    "peak_test_error",
    "threshold_to_peak_grid_points",
    "peak_within_one_step",
    "seeds_peak_within_one_step",
    "rise",
    "threshold_rise",
    "threshold_rise_low",
    "threshold_rise_high",
    "interval_method",
    "rises_with_more_data",
]
"""Columns of the map's summary; the random-feature control's has ``features`` for ``width``."""


def size_grid_summary(final: pd.DataFrame, *, tolerance: float, min_rise: float) -> pd.DataFrame:
    """One row per (width, label noise) of the networks' sample-wise map (its final errors)."""
    sample_wise = final[final["sweep"] == "sample_wise"]
    return size_curves_summary(sample_wise, curve="width", tolerance=tolerance, min_rise=min_rise)


def random_features_summary(curves: pd.DataFrame, *, tolerance: float, min_rise: float) -> pd.DataFrame:
    """One row per (features, label noise) of the random-feature curves along the size grid:
    the same detector, with n* read from train squared error."""
    return size_curves_summary(
        curves, curve="features", tolerance=tolerance, min_rise=min_rise, interpolation_metric="mse"
    )


def size_curves_summary(
    table: pd.DataFrame, *, curve: str, tolerance: float, min_rise: float, interpolation_metric: str = "error"
) -> pd.DataFrame:
    """One row per (``curve`` value, label noise) of tidy final rows (columns ``curve``,
    ``label_noise``, ``seed``, ``num_train``, ``split``, ``metric``, ``value``); see the module."""
    columns = [curve, *SIZE_GRID_COLUMNS[1:]]
    rows = []
    for (key, noise), cell in table.groupby([curve, "label_noise"], sort=True):
        train = _by_size(cell, "train", interpolation_metric)
        test = _by_size(cell, "test", "error")
        rows.append({curve: int(key), "label_noise": float(noise), **curve_summary(train, test, tolerance, min_rise)})
    return pd.DataFrame(rows, columns=columns)


def _by_size(cell: pd.DataFrame, split: str, metric: str) -> pd.DataFrame:
    """Sizes x seeds of one split and metric."""
    rows = cell[(cell["split"] == split) & (cell["metric"] == metric)]
    return rows.pivot_table(index="num_train", columns="seed", values="value")


def curve_summary(train: pd.DataFrame, test: pd.DataFrame, tolerance: float, min_rise: float) -> dict:
    """The summary columns of one curve from its train and test values (sizes x seeds)."""
    sizes = train.index.to_numpy(dtype=float)
    mean = locate_peak(
        sizes,
        train.mean(axis=1).to_numpy(),
        test.mean(axis=1).to_numpy(),
        tolerance=tolerance,
        sweep="sample_wise",
        min_rise=min_rise,
    )
    own_peaks = [
        locate_peak(
            sizes, train[s].to_numpy(), test[s].to_numpy(), tolerance=tolerance, sweep="sample_wise", min_rise=min_rise
        )
        for s in train.columns
    ]
    threshold = mean["interpolation_threshold"]
    position = int(np.flatnonzero(sizes == threshold)[0]) if np.isfinite(threshold) else None
    rise = threshold_rise(test.to_numpy(), position)
    return {
        "seeds": int(test.shape[1]),
        "interpolation_size": threshold,
        "qualifies": position is not None and 0 < position < len(sizes) - 1,
        "peak_size": mean["peak_at"],
        "peak_test_error": mean["peak_test_error"],
        "threshold_to_peak_grid_points": mean["threshold_to_peak_grid_points"],
        "peak_within_one_step": bool(mean["threshold_to_peak_grid_points"] <= 1),
        "seeds_peak_within_one_step": sum(int(seed["threshold_to_peak_grid_points"] <= 1) for seed in own_peaks),
        "rise": mean["peak_rise"],
        "threshold_rise": rise[0],
        "threshold_rise_low": rise[1],
        "threshold_rise_high": rise[2],
        "interval_method": rise[3],
        "rises_with_more_data": bool(rise[1] > 0),
    }


def threshold_rise(test: np.ndarray, position: int | None) -> tuple[float, float, float, str]:
    """Test error at size index ``position`` minus at the size below, paired by seed (columns):
    estimate, low, high and method (NaN where n* is missing or the smallest size)."""
    if position is None or position == 0:
        return np.nan, np.nan, np.nan, "none: no size below n*"
    interval = paired_difference(test[position], test[position - 1], units="seeds")
    return interval.estimate, interval.low, interval.high, interval.method
