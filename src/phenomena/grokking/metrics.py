"""From per-step curves to the per-run summary of the grokking study.

Besides each run's steps to the accuracy thresholds, the summary compares every optimizer
variant with AdamW on the same split (same operation, modulus, fraction, weight decay and
seed): the speed-up per seed, and over the seeds where both generalized its geometric mean
with a t-interval on the log ratios (:func:`phenomena.common.stats.geometric_mean_interval`).
The LLC's lead over the validation jump: :mod:`phenomena.grokking.llc_lead`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phenomena.common.stats import geometric_mean_interval
from phenomena.grokking.runs import BASELINE_OPTIMIZER

PAIRING = ["operation", "modulus", "train_fraction", "weight_decay", "seed"]
"""The columns that make a run and its AdamW baseline the same experiment but for the optimizer."""

SUMMARY_THRESHOLDS = {
    "steps_to_train_99": ("train", 0.99),
    "steps_to_val_95": ("val", 0.95),
    "steps_to_val_99": ("val", 0.99),
}
"""Summary column -> (split, accuracy it must reach)."""


def first_step_reaching(steps: np.ndarray, values: np.ndarray, threshold: float) -> float:
    """First step whose value is at least ``threshold``; NaN if none is."""
    reached = np.flatnonzero(values >= threshold)
    return float(steps[reached[0]]) if len(reached) else float("nan")


def evaluation_before(steps: np.ndarray, step: float) -> float:
    """The evaluated step just before ``step`` (0 if none): the threshold was crossed in between."""
    earlier = steps[steps < step]
    return float(earlier[-1]) if len(earlier) else 0.0


def summarize_run(curves: pd.DataFrame) -> dict[str, float]:
    """Steps to the accuracy thresholds, final accuracies and the grokking delay of one run.

    The delay ratio is steps-to-95%-validation over steps-to-99%-train: how much longer a
    run needs to generalize than to fit its training set (NaN if it never generalizes;
    ``generalized`` says which). ``steps_to_train_99_previous`` is the evaluation before the
    99% one: the crossing lies in between. ``mean_update_norm``: the parameter change per
    optimizer step, averaged over all steps (when the curves record it).
    """
    accuracy = curves[curves["metric"] == "accuracy"].pivot_table(index="step", columns="split", values="value")
    accuracy = accuracy.sort_index()
    steps = accuracy.index.to_numpy()
    summary = {
        column: first_step_reaching(steps, accuracy[split].to_numpy(), threshold)
        for column, (split, threshold) in SUMMARY_THRESHOLDS.items()
    }
    summary["steps_to_train_99_previous"] = evaluation_before(steps, summary["steps_to_train_99"])
    summary["final_train_accuracy"] = float(accuracy["train"].iloc[-1])
    summary["final_val_accuracy"] = float(accuracy["val"].iloc[-1])
    summary["last_step"] = int(steps[-1])
    summary["generalized"] = bool(np.isfinite(summary["steps_to_val_95"]))
    summary["grokking_delay"] = summary["steps_to_val_95"] / summary["steps_to_train_99"]
    summary["mean_update_norm"] = mean_update_norm(curves)
    return summary


def mean_update_norm(curves: pd.DataFrame) -> float:
    """Mean update norm per step over the run: each evaluation's mean weighted by the steps it covers."""
    rows = curves[curves["metric"] == "update_norm"].sort_values("step")
    if rows.empty:
        return float("nan")
    covered = np.diff(rows["step"].to_numpy(), prepend=0)
    return float((rows["value"].to_numpy() * covered).sum() / covered.sum())


def summarize(curves: pd.DataFrame) -> pd.DataFrame:
    """One summary row per run, keeping the identifying and sweep columns of ``curves``, with the
    optimizer speed-ups of :func:`with_speedups` where the runs have optimizer columns."""
    keys = [c for c in curves.columns if c not in ("step", "split", "metric", "value")]
    rows = [{**dict(zip(keys, key)), **summarize_run(group)} for key, group in curves.groupby(keys, sort=True)]
    summary = pd.DataFrame(rows)
    return with_speedups(summary) if {"optimizer", *PAIRING} <= set(summary.columns) else summary


def steps_or_budget(summary: pd.DataFrame) -> pd.Series:
    """Steps to 95% validation accuracy, the step budget (the last step) for a run that never got there."""
    return summary["steps_to_val_95"].fillna(summary["last_step"].astype(float))


def with_speedups(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary with each run's speed-up over AdamW on the same split, and over seeds.

    ``speedup_vs_adamw``: the AdamW run's steps to 95% validation over this run's (1 for AdamW
    itself; NaN without a baseline run). A run that never generalized counts at its budget,
    so its speed-up is an upper bound (a baseline that never did: a lower bound);
    ``speedup_exact`` says both runs generalized. ``speedup_geomean``, ``speedup_low``,
    ``speedup_high``, ``speedup_seeds``: per optimizer and setting, over the seeds whose
    speed-up is exact, the geometric mean and its 95% t-interval on the log ratios (n - 1 df;
    NaN bounds below 2 seeds); ``speedup_censored``: the seeds left out (a bound only).
    """
    summary = summary.copy()
    summary["steps_or_budget"] = steps_or_budget(summary)
    baseline = summary[summary["optimizer"] == BASELINE_OPTIMIZER].set_index(PAIRING)
    keys = pd.MultiIndex.from_frame(summary[PAIRING])
    summary["speedup_vs_adamw"] = (
        baseline["steps_or_budget"].reindex(keys).to_numpy() / summary["steps_or_budget"].to_numpy()
    )
    both = baseline["generalized"].reindex(keys).eq(True).to_numpy() & summary["generalized"]
    summary["speedup_exact"] = both & summary["speedup_vs_adamw"].notna()
    setting = [c for c in PAIRING if c != "seed"] + ["optimizer"]
    columns = ["speedup_geomean", "speedup_low", "speedup_high", "speedup_seeds", "speedup_censored"]
    for _, rows in summary.groupby(setting, sort=False):
        exact = rows.loc[rows["speedup_exact"], "speedup_vs_adamw"].to_numpy()
        interval = geometric_mean_interval(exact)
        censored = int(rows["speedup_vs_adamw"].notna().sum()) - len(exact)
        summary.loc[rows.index, columns] = [interval.estimate, interval.low, interval.high, len(exact), censored]
    summary[["speedup_seeds", "speedup_censored"]] = summary[["speedup_seeds", "speedup_censored"]].astype(int)
    return summary.drop(columns="steps_or_budget")
