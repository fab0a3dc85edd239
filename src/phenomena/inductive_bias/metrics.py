"""The study's tables: every run's curves per part, and a summary of the headline numbers with
bootstrap intervals over seeds (each seed is a new initialization and example order).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

RESAMPLES = 4000
LEVEL = 0.95
SUMMARY_COLUMNS = ["part", "quantity", "setting", "value", "low", "high", "seed_min", "seed_max", "seeds"]


def bootstrap_interval(values: np.ndarray, statistic=np.mean, seed: int = 0) -> tuple[float, float]:
    """Percentile interval (95%) of ``statistic`` over resamples of ``values`` (rows) with replacement."""
    values = np.asarray(values, dtype=float)
    generator = np.random.default_rng(seed)
    picks = generator.integers(0, len(values), size=(RESAMPLES, len(values)))
    estimates = np.array([statistic(values[pick]) for pick in picks])
    tail = (1 - LEVEL) / 2 * 100
    return float(np.percentile(estimates, tail)), float(np.percentile(estimates, 100 - tail))


def summary_row(part: str, quantity: str, setting: str, per_seed: pd.Series) -> dict:
    """The mean over seeds with its bootstrap interval and the seeds' range."""
    values = per_seed.to_numpy(dtype=float)
    low, high = bootstrap_interval(values)
    return {
        "part": part,
        "quantity": quantity,
        "setting": setting,
        "value": float(values.mean()),
        "low": low,
        "high": high,
        "seed_min": float(values.min()),
        "seed_max": float(values.max()),
        "seeds": len(values),
    }


def last_records(curves: pd.DataFrame, split: str, metric: str) -> pd.DataFrame:
    """The last record of every run for one split and metric (whole rows: the figures draw them)."""
    rows = curves[(curves["split"] == split) & (curves["metric"] == metric)]
    return rows[rows["step"] == rows.groupby("run")["step"].transform("max")]


def final_values(curves: pd.DataFrame, split: str, metric: str, keys: list[str]) -> pd.DataFrame:
    """:func:`last_records`, columns ``keys``, ``seed``, ``value``."""
    return last_records(curves, split, metric)[[*keys, "seed", "value"]].reset_index(drop=True)


def architecture_summary(curves: pd.DataFrame) -> list[dict]:
    """Test accuracy per model x order, and per model what the permutation costs (paired by seed)."""
    final = final_values(curves, "test", "accuracy", ["model", "order"])
    rows = [
        summary_row("architecture", "test_accuracy", f"{model} {order}", group.set_index("seed")["value"])
        for (model, order), group in final.groupby(["model", "order"], sort=False)
    ]
    table = final.pivot_table(index=["model", "seed"], columns="order", values="value")
    if {"original", "permuted"} <= set(table.columns):
        for model, group in table.groupby(level="model", sort=False):
            drop = group["original"] - group["permuted"]
            rows.append(summary_row("architecture", "permutation_cost", model, drop))
    return rows


def sgd_summary(curves: pd.DataFrame) -> list[dict]:
    """Final test and train accuracy of every SGD-part job; the small-batch advantage over full
    batch at equal steps, and what the explicit regularizer recovers of it (paired by seed)."""
    rows = []
    finals = {}
    for metric in ("test_accuracy", "train_accuracy"):
        split, name = metric.split("_")
        final = final_values(curves, split, name, ["job"])
        finals[metric] = final.pivot_table(index="seed", columns="job", values="value")
        for job, group in final.groupby("job", sort=False):
            rows.append(summary_row("sgd", metric, job, group.set_index("seed")["value"]))
    test = finals["test_accuracy"]
    jobs = curves.drop_duplicates("job").set_index("job")[["batch_size", "regularized", "epochs"]]
    plain, regularized = jobs[~jobs["regularized"]], jobs[jobs["regularized"]]
    if len(plain) and len(regularized):
        small = plain["batch_size"].idxmin()
        full = plain[plain["batch_size"] == plain["batch_size"].max()]
        long_plain = full["epochs"].idxmax()  # full batch for as many steps as the smallest batch
        rows.append(
            summary_row("sgd", "small_batch_advantage", f"{small} - {long_plain}", test[small] - test[long_plain])
        )
        rows.append(
            summary_row(
                "sgd",
                "regularizer_gain",
                f"{regularized.index[0]} - {long_plain}",
                test[regularized.index[0]] - test[long_plain],
            )
        )
    return rows


def fitted_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of log y against log x."""
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def slope_with_interval(final: pd.DataFrame, axis: str, seed: int = 0) -> tuple[float, float, float]:
    """Slope of log(mean over seeds) vs log(axis), and its bootstrap interval: seeds resampled
    within each point of the axis."""
    groups = [group["value"].to_numpy() for _, group in final.groupby(axis)]
    points = np.array(sorted(final[axis].unique()), dtype=float)
    slope = fitted_slope(points, np.array([values.mean() for values in groups]))
    generator = np.random.default_rng(seed)
    resampled = [
        fitted_slope(
            points, np.array([values[generator.integers(0, len(values), len(values))].mean() for values in groups])
        )
        for _ in range(RESAMPLES)
    ]
    tail = (1 - LEVEL) / 2 * 100
    return slope, float(np.percentile(resampled, tail)), float(np.percentile(resampled, 100 - tail))


def kernel_summary(curves: pd.DataFrame, reference_width: int) -> list[dict]:
    """Fitted slopes of the kernel's relative change against width (alpha 1) and against alpha
    (at the reference width); the distance to the linearized network at the narrowest and widest."""
    change = final_values(curves, "grid", "kernel_change", ["width", "alpha"])
    rows = []
    axes = {
        "width": change[change["alpha"] == 1.0],
        "alpha": change[change["width"] == reference_width],
    }
    for axis, final in axes.items():
        if final[axis].nunique() < 2:
            continue
        slope, low, high = slope_with_interval(final, axis)
        points = sorted(final[axis].unique())
        rows.append(
            {
                "part": "kernel",
                "quantity": f"kernel_change_slope_vs_{axis}",
                "setting": f"{axis} {points[0]:g}-{points[-1]:g}",
                "value": slope,
                "low": low,
                "high": high,
                "seed_min": np.nan,
                "seed_max": np.nan,
                "seeds": int(final["seed"].nunique()),
            }
        )
    distance = final_values(curves, "grid", "distance_to_linearized", ["width", "alpha"])
    distance = distance[distance["alpha"] == 1.0]
    for width in (distance["width"].min(), distance["width"].max()):
        per_seed = distance[distance["width"] == width].set_index("seed")["value"]
        rows.append(summary_row("kernel", "distance_to_linearized", f"width {width}", per_seed))
    for width, group in change[change["alpha"] == 1.0].groupby("width"):
        rows.append(summary_row("kernel", "kernel_change", f"width {width}", group.set_index("seed")["value"]))
    return rows


def study_summary(tables: dict[str, pd.DataFrame], reference_width: int) -> pd.DataFrame:
    rows = [
        *architecture_summary(tables["architecture"]),
        *sgd_summary(tables["sgd"]),
        *kernel_summary(tables["kernel"], reference_width),
    ]
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
