"""The study's tables: every run's curves per part, and a summary of the headline numbers.

Every interval comes from :mod:`phenomena.common.stats`, over seeds (each seed is a new
initialization and example order; the runs of a part with the same seed are paired by it):
a t-interval of the mean, a paired t-interval of a difference, Fieller's interval of a
ratio of paired means, and for a power law the least-squares slope of each seed's runs with a
t-interval over seeds. The ``method`` column names it; the findings
(:mod:`phenomena.inductive_bias.findings`) read the same per-seed values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phenomena.common.stats import Interval, mean_interval, paired_difference, ratio_interval
from phenomena.inductive_bias.runs import regularizer_form

SUMMARY_COLUMNS = ["part", "quantity", "setting", "value", "low", "high", "method", "seed_min", "seed_max", "seeds"]
SLOPE_METHOD = "per-seed log-log slope, t-interval (n-1 df)"


def summary_row(part: str, quantity: str, setting: str, interval: Interval, per_seed) -> dict:
    """One summary row: ``interval`` (its estimate, bounds and method) and the per-seed values' range."""
    values = np.asarray(per_seed, dtype=float)
    return {
        "part": part,
        "quantity": quantity,
        "setting": setting,
        "value": interval.estimate,
        "low": interval.low,
        "high": interval.high,
        "method": interval.method,
        "seed_min": float(values.min()),
        "seed_max": float(values.max()),
        "seeds": interval.n_units,
    }


def mean_row(part: str, quantity: str, setting: str, per_seed: pd.Series) -> dict:
    return summary_row(part, quantity, setting, mean_interval(per_seed.to_numpy(dtype=float)), per_seed)


def paired_row(part: str, quantity: str, setting: str, treated: pd.Series, control: pd.Series) -> dict:
    """``treated - control`` paired by seed (the index of both)."""
    interval = paired_difference(treated.to_numpy(dtype=float), control.to_numpy(dtype=float))
    return summary_row(part, quantity, setting, interval, treated - control)


def last_records(curves: pd.DataFrame, split: str, metric: str) -> pd.DataFrame:
    """The last record of every run for one split and metric (whole rows: the figures draw them)."""
    rows = curves[(curves["split"] == split) & (curves["metric"] == metric)]
    return rows[rows["step"] == rows.groupby("run")["step"].transform("max")]


def final_values(curves: pd.DataFrame, split: str, metric: str, keys: list[str]) -> pd.DataFrame:
    """:func:`last_records`, columns ``keys``, ``seed``, ``value``."""
    return last_records(curves, split, metric)[[*keys, "seed", "value"]].reset_index(drop=True)


def permutation_costs(curves: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per model, final test accuracy by seed (rows) on ``original`` and ``permuted`` inputs (columns)."""
    final = final_values(curves, "test", "accuracy", ["model", "order"])
    table = final.pivot(index=["model", "seed"], columns="order", values="value")
    if not {"original", "permuted"} <= set(table.columns):
        return {}
    return {model: group.droplevel("model") for model, group in table.groupby(level="model", sort=False)}


def architecture_summary(curves: pd.DataFrame) -> list[dict]:
    """Test accuracy per model x order, and per model what the permutation costs (paired by seed)."""
    final = final_values(curves, "test", "accuracy", ["model", "order"])
    rows = [
        mean_row("architecture", "test_accuracy", f"{model} {order}", group.set_index("seed")["value"])
        for (model, order), group in final.groupby(["model", "order"], sort=False)
    ]
    for model, accuracy in permutation_costs(curves).items():
        rows.append(paired_row("architecture", "permutation_cost", model, accuracy["original"], accuracy["permuted"]))
    return rows


def sgd_roles(curves: pd.DataFrame) -> dict[str, str]:
    """The SGD part's jobs by role: ``small`` (the smallest batch), ``full`` (full batch for as many
    steps as the smallest batch: the control) and each regularizer form trained (``paper``, ``exact``)."""
    jobs = curves.drop_duplicates("job").set_index("job")[["batch_size", "regularized", "epochs"]]
    plain = jobs[~jobs["regularized"]]
    if plain.empty:
        return {}
    full = plain[plain["batch_size"] == plain["batch_size"].max()]
    roles = {"small": str(plain["batch_size"].idxmin()), "full": str(full["epochs"].idxmax())}
    for job in jobs.index[jobs["regularized"]]:
        roles[regularizer_form(job) or str(job)] = str(job)
    return roles


def sgd_finals(curves: pd.DataFrame, split: str = "test") -> pd.DataFrame:
    """Final accuracy on ``split``: a row per seed, a column per job."""
    return final_values(curves, split, "accuracy", ["job"]).pivot(index="seed", columns="job", values="value")


def sgd_summary(curves: pd.DataFrame) -> list[dict]:
    """Final test and train accuracy of every SGD-part job; the small-batch advantage over full
    batch at equal steps and, per regularizer form, its gain over full batch, its gap to the small
    batch and the fraction of the advantage it recovers (all paired by seed)."""
    rows = []
    for metric in ("test_accuracy", "train_accuracy"):
        final = final_values(curves, metric.split("_")[0], "accuracy", ["job"])
        for job, group in final.groupby("job", sort=False):
            rows.append(mean_row("sgd", metric, job, group.set_index("seed")["value"]))
    roles, test = sgd_roles(curves), sgd_finals(curves)
    if not roles or roles["small"] == roles["full"]:
        return rows
    small, full = test[roles["small"]], test[roles["full"]]
    rows.append(paired_row("sgd", "small_batch_advantage", f"{roles['small']} - {roles['full']}", small, full))
    for form in (role for role in roles if role not in ("small", "full")):
        regularized = test[roles[form]]
        rows.append(paired_row("sgd", "regularizer_gain", f"{roles[form]} - {roles['full']}", regularized, full))
        rows.append(paired_row("sgd", "regularizer_gap", f"{roles[form]} - {roles['small']}", regularized, small))
        fraction = ratio_interval((regularized - full).to_numpy(), (small - full).to_numpy())
        per_seed = (regularized - full) / (small - full)
        rows.append(summary_row("sgd", "recovered_fraction", roles[form], fraction, per_seed))
    return rows


def per_seed_slopes(final: pd.DataFrame, axis: str) -> pd.Series:
    """The least-squares slope of log ``value`` against log ``axis``, fitted to each seed's runs
    on its own (every seed has a run at every point of the axis)."""
    table = final.pivot(index="seed", columns=axis, values="value")
    x = np.log(table.columns.to_numpy(dtype=float))
    y = np.log(table.to_numpy(dtype=float))
    centred = x - x.mean()
    return pd.Series((y - y.mean(axis=1, keepdims=True)) @ centred / (centred @ centred), index=table.index)


def slope_interval(final: pd.DataFrame, axis: str) -> tuple[Interval, pd.Series]:
    """The mean of the per-seed slopes with its t-interval over seeds, and the slopes."""
    slopes = per_seed_slopes(final, axis)
    interval = mean_interval(slopes.to_numpy())
    return Interval(interval.estimate, interval.low, interval.high, SLOPE_METHOD, "seeds", interval.n_units), slopes


def kernel_axes(curves: pd.DataFrame, metric: str, reference_width: int) -> dict[str, pd.DataFrame]:
    """Final ``metric`` per run along each axis: ``width`` at alpha 1, ``alpha`` at the reference width."""
    final = final_values(curves, "grid", metric, ["width", "alpha"])
    axes = {"width": final[final["alpha"] == 1.0], "alpha": final[final["width"] == reference_width]}
    return {axis: rows for axis, rows in axes.items() if rows[axis].nunique() >= 2}


def kernel_summary(curves: pd.DataFrame, reference_width: int) -> list[dict]:
    """Per-seed slopes of the kernel's (and the parameters') relative change against width (alpha 1)
    and against alpha (at the reference width), over the whole axis and between neighbouring
    points; the distance to the linearized network at the narrowest and widest; the change per width."""
    rows = []
    for metric in ("kernel_change", "parameter_change"):
        for axis, final in kernel_axes(curves, metric, reference_width).items():
            points = sorted(final[axis].unique())
            interval, slopes = slope_interval(final, axis)
            setting = f"{axis} {points[0]:g}-{points[-1]:g}"
            rows.append(summary_row("kernel", f"{metric}_slope_vs_{axis}", setting, interval, slopes))
            for left, right in zip(points[:-1], points[1:]) if len(points) > 2 else ():
                interval, slopes = slope_interval(final[final[axis].isin([left, right])], axis)
                local = f"{metric}_local_slope_vs_{axis}"
                rows.append(summary_row("kernel", local, f"{axis} {left:g}-{right:g}", interval, slopes))
    distance = final_values(curves, "grid", "distance_to_linearized", ["width", "alpha"])
    distance = distance[distance["alpha"] == 1.0]
    for width in (distance["width"].min(), distance["width"].max()):
        per_seed = distance[distance["width"] == width].set_index("seed")["value"]
        rows.append(mean_row("kernel", "distance_to_linearized", f"width {width}", per_seed))
    change = final_values(curves, "grid", "kernel_change", ["width", "alpha"])
    for width, group in change[change["alpha"] == 1.0].groupby("width"):
        rows.append(mean_row("kernel", "kernel_change", f"width {width}", group.set_index("seed")["value"]))
    return rows


def study_summary(tables: dict[str, pd.DataFrame], reference_width: int) -> pd.DataFrame:
    rows = [
        *architecture_summary(tables["architecture"]),
        *sgd_summary(tables["sgd"]),
        *kernel_summary(tables["kernel"], reference_width),
    ]
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
