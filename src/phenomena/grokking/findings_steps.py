"""The estimators of the grokking study's findings on steps (``metrics/summary``): the delay,
the optimizers' speed-ups and the train fraction's effect (declared in :mod:`.findings`).

The unit is a training seed (a split and an initialization). Steps and ratios of steps are
compared on a log scale: per seed the ratio, over seeds its geometric mean with a t-interval on
the log ratios (:func:`phenomena.common.stats.geometric_mean_interval`). A run that never
reached 95% validation accuracy within its budget is censored: a ratio with it is a bound, not
a value. A speed-up is estimated over the seeds where both runs got there; where only the
faster arm did, the baseline counts at its budget and the estimate is a lower bound (the
method says so); the counts that got there are in every sentence.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phenomena.common.findings import Estimate
from phenomena.common.stats import (
    INCONCLUSIVE,
    LOWER_BOUND,
    UPPER_BOUND,
    Interval,
    binomial_interval,
    censored_ratio_interval,
    geometric_mean_interval,
    verdict,
)

SPLIT = ["operation", "modulus", "train_fraction", "seed"]
"""Runs that agree on these share a split and an initialization seed: a pair."""
STEPS = "steps_to_val_95"
CI = "95% CI {low:.2f}-{high:.2f}, {method} over {n_units} {units}"


def select(summary, optimizer: str, decayed: bool | None = None, fraction: float | None = None) -> list[dict]:
    """Runs (records) of one optimizer; ``decayed``: weight decay > 0 (True), = 0 (False) or any
    (None); ``fraction``: that train fraction only. Plain Python: a table of a few dozen runs, and
    the calibration tests call the estimators thousands of times."""
    rows = summary.to_dict("records") if isinstance(summary, pd.DataFrame) else summary
    return [
        row
        for row in rows
        if row["optimizer"] == optimizer
        and (decayed is None or (row["weight_decay"] > 0) == decayed)
        and (fraction is None or row["train_fraction"] == fraction)
    ]


def pairs(treated: list[dict], baseline: list[dict], on: list[str] = SPLIT) -> dict[str, np.ndarray]:
    """Treated and baseline runs of one seed side by side: ``steps_t``, ``budget_t``, ``reached_t``
    (and ``_b``), one entry per pair; steps are the budget where the run never reached 95%."""

    def by_key(rows: list[dict]) -> dict:
        outcome = {}
        for row in rows:
            reached, budget = bool(row["generalized"]), float(row["last_step"])
            outcome[tuple(row[column] for column in on)] = (reached, budget, float(row[STEPS]) if reached else budget)
        return outcome

    top, bottom = by_key(treated), by_key(baseline)
    shared = [top[key] + bottom[key] for key in top if key in bottom]
    names = [f"{field}_{arm}" for arm in "tb" for field in ("reached", "budget", "steps")]
    columns = np.array(shared, dtype=float).reshape(len(shared), 6).T
    return {name: column.astype(bool) if name.startswith("reached") else column for name, column in zip(names, columns)}


def largest(values, default=np.nan) -> float:
    values = list(values)
    return float(max(values)) if values else default


def counted(paired: dict, arm: str, noun: str) -> str:
    """'3 of 5 Adam runs (the others not within 2,000 steps)': how many runs of an arm reached 95%."""
    reached, budgets = paired[f"reached_{arm}"], paired[f"budget_{arm}"]
    text = f"{int(reached.sum())} of {len(reached)} {noun} runs"
    return text + (f" (the others not within {budgets[~reached].max():,.0f} steps)" if (~reached).any() else "")


def censored_speedup(paired: pd.DataFrame) -> tuple[Interval, str, str]:
    """Baseline steps over treated steps per seed (:func:`censored_ratio_interval`): (interval,
    "at least "/"at most "/"", verdict against 1; a bound on the wrong side is inconclusive)."""
    interval, bound = censored_ratio_interval(
        paired["steps_b"], paired["reached_b"], paired["steps_t"], paired["reached_t"]
    )
    one_sided = (bound == LOWER_BOUND and interval.high < 1) or (bound == UPPER_BOUND and interval.low > 1)
    words = {LOWER_BOUND: "at least ", UPPER_BOUND: "at most "}.get(bound, "")
    return interval, words, INCONCLUSIVE if one_sided else verdict(interval, 1.0)


def describe(interval: Interval, bound: str = "") -> str:
    """An interval in words: '{bound}1.23x (95% CI ..., method over n seeds)'."""
    if not np.isfinite(interval.estimate):
        return f"not estimable ({interval.method})"
    fields = {"low": interval.low, "high": interval.high, "method": interval.method}
    return f"{bound}{interval.estimate:.2f}x (" + CI.format(**fields, n_units=interval.n_units, units="seeds") + ")"


def grokking_delay(summary: pd.DataFrame) -> Estimate:
    """Steps to 95% validation over steps to 99% train, AdamW with weight decay at the smallest
    fraction; control: how many weight-decay-0 runs at that fraction reached 95% at all."""
    fraction = min((row["train_fraction"] for row in select(summary, "adamw", decayed=True)), default=np.nan)
    runs = select(summary, "adamw", decayed=True, fraction=fraction)
    reached = [row for row in runs if row["generalized"]]
    interval = geometric_mean_interval([row[STEPS] / row["steps_to_train_99"] for row in reached])
    memorizers = select(summary, "adamw", decayed=False, fraction=fraction)
    generalized = sum(bool(row["generalized"]) for row in memorizers)
    control = binomial_interval(generalized, len(memorizers), "runs")
    slots = {
        "fraction": fraction, "reached": len(reached), "runs": len(runs), "memorizers": len(memorizers),
        "memorizers_reached": generalized, "memorizer_budget": largest(row["last_step"] for row in memorizers),
    }  # fmt: skip
    return Estimate(interval, control, slots=slots)


def speedup(treated: tuple, baseline: tuple, control: tuple | None = None, on: list[str] = SPLIT, nouns=()):
    """Estimator: the ``treated`` runs' speed-up over the ``baseline`` runs (each ``(optimizer,
    decayed)`` for :func:`select`) paired on ``on``; ``control``: another arm against the same
    baseline, reported beside it. Slots: the counts that reached 95% (``nouns`` name the arms), texts."""

    def estimate(summary: pd.DataFrame) -> Estimate:
        rows = summary.to_dict("records")
        paired = pairs(select(rows, *treated), select(rows, *baseline), on)
        interval, bound, found = censored_speedup(paired)
        slots = {
            "speedup": describe(interval, bound), "reached": int(paired["reached_t"].sum()),
            "pairs": len(paired["reached_t"]), "baseline_reached": int(paired["reached_b"].sum()),
            "counted": counted(paired, "t", nouns[0]), "baseline_counted": counted(paired, "b", nouns[1]),
            "weight_decay": largest(row["weight_decay"] for row in select(rows, *treated)),
            "control_text": "", "control_reached": "",
        }  # fmt: skip
        control_interval = None
        if control is not None:
            control_pairs = pairs(select(rows, *control), select(rows, *baseline), on)
            control_interval, control_bound, _ = censored_speedup(control_pairs)
            slots["control_text"] = describe(control_interval, control_bound)
            slots["control_reached"] = counted(control_pairs, "t", nouns[2])
        return Estimate(interval, control_interval, verdict=found, slots=slots)

    return estimate


def fraction_effect(summary: pd.DataFrame) -> Estimate:
    """Steps to 95% at the smallest fraction over those at the largest (AdamW with weight decay),
    paired by seed number (the splits differ, so the pairs are independent draws)."""
    fractions = [row["train_fraction"] for row in select(summary, "adamw", decayed=True)]
    small, large = min(fractions, default=np.nan), max(fractions, default=np.nan)
    paired = pairs(
        select(summary, "adamw", decayed=True, fraction=large), select(summary, "adamw", True, small), ["seed"]
    )
    interval, bound, found = censored_speedup(paired)  # the small fraction's steps over the large one's
    return Estimate(interval, verdict=found, slots={"small": small, "large": large, "bound": bound})


SAME_DECAY = [*SPLIT, "weight_decay"]
ADAM = ("adamw", False)  # AdamW without weight decay is Adam
GROKFAST, REPOSITORY_ARMS = ("Grokfast", "AdamW", "step-control"), ("Grokfast", "Adam", "Adam-with-L2")
REPOSITORY = "Grokfast-EMA on Adam with L2 weight decay {weight_decay:g} (the Grokfast repository's optimizer)"
