"""From per-step curves to the per-run summary of the grokking study.

Besides each run's steps to the accuracy thresholds, the summary compares every optimizer
variant with AdamW on the same split (same operation, modulus, fraction, weight decay and
seed): the speed-up per seed, and over seeds its geometric mean with a bootstrap interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phenomena.grokking.runs import BASELINE_OPTIMIZER

PAIRING = ["operation", "modulus", "train_fraction", "weight_decay", "seed"]
"""The columns that make a run and its AdamW baseline the same experiment but for the optimizer."""
BOOTSTRAP_RESAMPLES = 2000
INTERVAL = (2.5, 97.5)  # percentiles: a 95% interval

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
    so its speed-up is an upper bound (a baseline that never did: a lower bound); the
    ``generalized`` column tells them apart. ``speedup_geomean``, ``speedup_low``,
    ``speedup_high``, ``speedup_seeds``: per optimizer and setting, the geometric mean over seeds
    and its 95% bootstrap interval (seeds resampled, :data:`BOOTSTRAP_RESAMPLES` times).
    """
    summary = summary.copy()
    summary["steps_or_budget"] = steps_or_budget(summary)
    baseline = summary[summary["optimizer"] == BASELINE_OPTIMIZER].set_index(PAIRING)["steps_or_budget"]
    keys = pd.MultiIndex.from_frame(summary[PAIRING])
    summary["speedup_vs_adamw"] = baseline.reindex(keys).to_numpy() / summary["steps_or_budget"].to_numpy()
    setting = [c for c in PAIRING if c != "seed"] + ["optimizer"]
    columns = ["speedup_geomean", "speedup_low", "speedup_high", "speedup_seeds"]
    for _, rows in summary.groupby(setting, sort=False):
        ratios = rows["speedup_vs_adamw"].dropna().to_numpy()
        summary.loc[rows.index, columns] = [*geometric_mean_interval(ratios), len(ratios)]
    summary["speedup_seeds"] = summary["speedup_seeds"].astype(int)
    return summary.drop(columns="steps_or_budget")


def geometric_mean_interval(ratios: np.ndarray, seed: int = 0) -> tuple[float, float, float]:
    """Geometric mean of ``ratios`` and its 95% percentile-bootstrap interval (NaNs when empty).

    Ratios are averaged on the log scale (a 2x speed-up and a 2x slow-down cancel). The
    resampling is seeded: the same ratios give the same interval.
    """
    if len(ratios) == 0:
        return (float("nan"),) * 3
    logs = np.log(ratios)
    resampled = np.random.default_rng(seed).choice(logs, size=(BOOTSTRAP_RESAMPLES, len(logs))).mean(1)
    low, high = np.percentile(resampled, INTERVAL)
    return float(np.exp(logs.mean())), float(np.exp(low)), float(np.exp(high))


def llc_lead(llc: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """How far the LLC's fall leads the validation jump, one row per run with an LLC trajectory.

    The fall's step is the first snapshot after the LLC's peak at which it has come down half
    way from the peak to its last value (``llc_half_fall_previous``: the snapshot before, so the
    step is known within that interval). ``llc_lead_steps``: steps to 95% validation accuracy
    less that step; ``llc_lead_ratio``: the two steps' ratio.
    """
    estimates = llc[llc["metric"] == "llc"]
    counts = estimates.groupby("run")["step"].nunique()
    rows = []
    for run in counts[counts > 2].index:
        trajectory = estimates[estimates["run"] == run].sort_values("step")
        steps, values = trajectory["step"].to_numpy(), trajectory["value"].to_numpy()
        peak = int(np.argmax(values))
        halfway = (values[peak] + values[-1]) / 2
        fallen = peak + np.flatnonzero(values[peak:] <= halfway)[0]
        grokked = summary.loc[summary["run"] == run, "steps_to_val_95"]
        jump = float(grokked.iloc[0]) if len(grokked) else float("nan")
        rows.append(
            {
                **trajectory.iloc[0][["run", "seed", "train_fraction", "weight_decay", "optimizer"]].to_dict(),
                "llc_peak_step": int(steps[peak]),
                "llc_peak": float(values[peak]),
                "llc_last": float(values[-1]),
                "llc_half_fall_step": int(steps[fallen]),
                "llc_half_fall_previous": int(steps[fallen - 1]),
                "steps_to_val_95": jump,
                "llc_lead_steps": jump - steps[fallen],
                "llc_lead_ratio": jump / steps[fallen],
            }
        )
    return pd.DataFrame(rows)
