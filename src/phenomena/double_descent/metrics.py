"""From per-job curves to the tables the figures read: final errors and the peak summaries.

The *interpolation threshold* is where train error reaches ~0: the smallest width that
interpolates (model-wise), or the largest training set still interpolated (sample-wise, for
each width: its *interpolation size* n*(w)). The *peak* is the point whose test error rises
most above the best test error seen at a smaller axis value (the classical sweet spot), which
is the double-descent bump; a curve that never rises by at least ``min_rise`` (wiggles within
the test set's sampling noise) has no peak. The same reading of the test *loss* (cross-entropy)
along width gives the loss peak, which shows even with clean labels.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from phenomena.double_descent.runs import SWEEPS, sweep_members

SWEEP_AXIS = {"model_wise": "width", "sample_wise": "num_train", "random_features": "features"}
SUMMARY_SWEEPS = ("model_wise",)  # the network sweeps read one curve per noise level and seed
"""Sample-wise is a map, one curve per width: :mod:`phenomena.double_descent.size_grid`."""
SWEEP_METRIC = {"model_wise": "error", "sample_wise": "error", "random_features": "mse"}
"""The metric whose curve a sweep's summary reads: classification error for networks; squared
error for random features, the loss their least-squares fit interpolates exactly at features = n.
The model-wise sweep also has rows of metric ``loss``: the test cross-entropy's peak."""
SUMMARY_COLUMNS = [
    "sweep",
    "axis",
    "metric",
    "label_noise",
    "seed",
    "interpolation_threshold",
    "peak_at",
    "peak_rise",
    "peak_test_error",
    "largest_at",
    "largest_test_error",
    "peak_to_largest",
    "threshold_to_peak_grid_points",
]


def sweep_curves(curves: pd.DataFrame, study: dict, sweep: str) -> pd.DataFrame:
    """The per-epoch rows of one sweep's members (a member of both sweeps is in both)."""
    names = {member.name for member in sweep_members(study, sweep)}
    return curves[curves["run"].isin(names)].reset_index(drop=True)


def final_errors(curves: pd.DataFrame, study: dict, *, last_epochs: int = 1) -> pd.DataFrame:
    """Each member's end-of-training values, once per sweep it belongs to (column ``sweep``).

    Values are averaged over the member's ``last_epochs`` recorded epochs, which damps the
    epoch-to-epoch jitter of minibatch training; ``step`` is the last epoch.
    """
    last_step = curves.groupby("run")["step"].transform("max")
    recent = curves[curves["step"] > last_step - last_epochs]
    keys = [column for column in curves.columns if column not in ("step", "value")]
    last = (
        recent.groupby(keys, sort=False, dropna=False).agg(step=("step", "max"), value=("value", "mean")).reset_index()
    )
    last = last[list(curves.columns)]
    frames = []
    for sweep in SWEEPS:
        names = [member.name for member in sweep_members(study, sweep)]
        if names:
            frames.append(last[last["run"].isin(names)].assign(sweep=sweep))
    return pd.concat(frames, ignore_index=True)


def locate_peak(
    axis: np.ndarray,
    train_error: np.ndarray,
    test_error: np.ndarray,
    *,
    tolerance: float,
    sweep: str,
    min_rise: float = 0.0,
) -> dict[str, float]:
    """Threshold, peak and largest-model numbers of one curve (points in any order).

    Returns a dict of the summary columns that depend on the curve alone; ``peak_rise`` is
    the largest rise of test error above its best value at smaller axis values, reported
    whether or not it reaches ``min_rise``.
    """
    order = np.argsort(axis)
    axis, train_error, test_error = axis[order], train_error[order], test_error[order]
    interpolates = np.flatnonzero(train_error <= tolerance)
    if len(interpolates) == 0:
        threshold_index = None
    else:
        threshold_index = interpolates[-1] if sweep == "sample_wise" else interpolates[0]
    rise = rises_above_best_so_far(test_error)
    largest_rise = float(max(rise.max(), 0.0)) if len(rise) > 1 else 0.0
    peak_index = int(np.argmax(rise)) if largest_rise > 0 and largest_rise >= min_rise else None
    largest_index = len(axis) - 1  # the biggest model, or the most data
    peak_error = float(test_error[peak_index]) if peak_index is not None else math.nan
    return {
        "interpolation_threshold": float(axis[threshold_index]) if threshold_index is not None else math.nan,
        "peak_at": float(axis[peak_index]) if peak_index is not None else math.nan,
        "peak_rise": largest_rise,
        "peak_test_error": peak_error,
        "largest_at": float(axis[largest_index]),
        "largest_test_error": float(test_error[largest_index]),
        "peak_to_largest": peak_error / float(test_error[largest_index]) if peak_index is not None else math.nan,
        "threshold_to_peak_grid_points": (
            float(abs(peak_index - threshold_index))
            if peak_index is not None and threshold_index is not None
            else math.nan
        ),
    }


def rises_above_best_so_far(values: np.ndarray) -> np.ndarray:
    """Each point's rise above the best (lowest) value at the points before it (-inf at the first)."""
    running_best = np.minimum.accumulate(values)
    return values - np.concatenate([[np.inf], running_best[:-1]])


def summarize(
    final: pd.DataFrame, random_features: pd.DataFrame, *, tolerance: float, min_rise: float = 0.0
) -> pd.DataFrame:
    """One row per (sweep, label noise, seed): threshold, peak and largest-model test error.

    ``tolerance`` is the train error (or, for random features, train squared error) at or
    below which a model counts as interpolating; ``min_rise`` the smallest rise of the
    network sweeps' test error that counts as a peak (random features: any rise).
    """
    frames = [final[final["sweep"].isin(SUMMARY_SWEEPS)], random_features.assign(sweep="random_features")]
    rows = []
    for frame in frames:
        for (sweep, noise, seed), curve in frame.groupby(["sweep", "label_noise", "seed"], sort=True):
            axis, metric = SWEEP_AXIS[sweep], SWEEP_METRIC[sweep]
            wide = curve[curve["metric"] == metric].pivot_table(index=axis, columns="split", values="value")
            numbers = locate_peak(
                wide.index.to_numpy(dtype=float),
                wide["train"].to_numpy(),
                wide["test"].to_numpy(),
                tolerance=tolerance,
                sweep=sweep,
                min_rise=min_rise if sweep in SWEEPS else 0.0,
            )
            rows.append(
                {"sweep": sweep, "axis": axis, "metric": metric, "label_noise": noise, "seed": int(seed), **numbers}
            )
    return pd.DataFrame(rows + loss_peaks(final, tolerance=tolerance), columns=SUMMARY_COLUMNS)


def loss_peaks(final: pd.DataFrame, *, tolerance: float) -> list[dict]:
    """Model-wise rows of metric ``loss``: the test cross-entropy's peak along width (any rise
    counts: there is no sampling-noise floor in nats to borrow from the error), against the
    threshold that train *error* sets, as in the error rows. None without a model-wise sweep."""
    rows = []
    model_wise = final[final["sweep"] == "model_wise"]
    for (noise, seed), curve in model_wise.groupby(["label_noise", "seed"], sort=True):
        train_error = curve[(curve["metric"] == "error") & (curve["split"] == "train")].set_index("width")["value"]
        test_loss = curve[(curve["metric"] == "loss") & (curve["split"] == "test")].set_index("width")["value"]
        if test_loss.empty:
            continue
        widths = train_error.index.sort_values()
        numbers = locate_peak(
            widths.to_numpy(dtype=float),
            train_error[widths].to_numpy(),
            test_loss[widths].to_numpy(),
            tolerance=tolerance,
            sweep="model_wise",
        )
        key = {"sweep": "model_wise", "axis": "width", "metric": "loss", "label_noise": noise, "seed": int(seed)}
        rows.append({**key, **numbers})
    return rows
