"""From per-step curves to the per-run summary of the grokking study."""

from __future__ import annotations

import numpy as np
import pandas as pd

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


def summarize_run(curves: pd.DataFrame) -> dict[str, float]:
    """Steps to the accuracy thresholds, final accuracies and the grokking delay of one run.

    The delay ratio is steps-to-95%-validation over steps-to-99%-train: how much longer a
    run needs to generalize than to fit its training set (NaN if it never generalizes).
    """
    accuracy = curves[curves["metric"] == "accuracy"].pivot_table(index="step", columns="split", values="value")
    accuracy = accuracy.sort_index()
    summary = {
        column: first_step_reaching(accuracy.index.to_numpy(), accuracy[split].to_numpy(), threshold)
        for column, (split, threshold) in SUMMARY_THRESHOLDS.items()
    }
    summary["final_train_accuracy"] = float(accuracy["train"].iloc[-1])
    summary["final_val_accuracy"] = float(accuracy["val"].iloc[-1])
    summary["last_step"] = int(accuracy.index[-1])
    summary["grokking_delay"] = summary["steps_to_val_95"] / summary["steps_to_train_99"]
    return summary


def summarize(curves: pd.DataFrame) -> pd.DataFrame:
    """One summary row per run, keeping the identifying and sweep columns of ``curves``."""
    keys = [c for c in curves.columns if c not in ("step", "split", "metric", "value")]
    rows = [{**dict(zip(keys, key)), **summarize_run(group)} for key, group in curves.groupby(keys, sort=True)]
    return pd.DataFrame(rows)
