"""The grokking study's findings (:mod:`phenomena.common.findings`), from ``metrics/summary`` and
``metrics/llc_lead``.

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

from phenomena.common.findings import Estimate, Finding
from phenomena.common.stats import (
    INCONCLUSIVE,
    LOWER_BOUND,
    UPPER_BOUND,
    Interval,
    binomial_interval,
    censored_ratio_interval,
    geometric_mean_interval,
    mean_interval,
    paired_difference,
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


def llc_lead_estimate(llc_lead: pd.DataFrame) -> Estimate:
    """Steps to 95% over the LLC's geometric-midpoint crossing, per grokking run; control: the same
    steps over its memorizing control's crossing (:mod:`phenomena.grokking.llc_lead`)."""
    runs = llc_lead[llc_lead["control_run"].astype(str) != ""] if "control_run" in llc_lead else llc_lead[:0]
    own = runs["llc_lead_ratio"].dropna().to_numpy()
    interval = geometric_mean_interval(own[own > 0])
    controlled = runs["control_lead_ratio"].dropna().to_numpy()
    control = geometric_mean_interval(controlled[controlled > 0])
    slots = {
        "crossings": f"{' / '.join(f'{s:,.0f}' for s in runs['llc_crossing_step'])}",
        "jumps": f"{' / '.join(f'{s:,.0f}' for s in runs[STEPS])}",
        "control_crossings": f"{' / '.join(f'{s:,.0f}' for s in runs['control_crossing_step'])}",
        "control_text": describe(control), "runs": len(runs), "controls": len(controlled),
    }  # fmt: skip
    return Estimate(interval, control, slots=slots)


def llc_fall_estimate(llc_lead: pd.DataFrame) -> Estimate:
    """Decades the LLC falls from its maximum to its last snapshot: grokking run minus its memorizing
    control (paired t over seeds); control: the memorizers' own fall."""
    runs = llc_lead[llc_lead["control_run"].astype(str) != ""] if "control_run" in llc_lead else llc_lead[:0]
    runs = runs.dropna(subset=["llc_fall_decades", "control_fall_decades"])
    interval = paired_difference(runs["llc_fall_decades"], runs["control_fall_decades"])
    control = mean_interval(runs["control_fall_decades"])
    return Estimate(interval, control, slots={"run_fall": mean_interval(runs["llc_fall_decades"]).estimate})


SAME_DECAY = [*SPLIT, "weight_decay"]
ADAM = ("adamw", False)  # AdamW without weight decay is Adam
GROKFAST, REPOSITORY_ARMS = ("Grokfast", "AdamW", "step-control"), ("Grokfast", "Adam", "Adam-with-L2")
REPOSITORY = "Grokfast-EMA on Adam with L2 weight decay {weight_decay:g} (the Grokfast repository's optimizer)"


def findings(section: dict) -> list[Finding]:
    """The study's findings; the LLC ones only when ``llc`` is set."""
    found = [
        Finding(
            "grokking_delay",
            "How much longer does the network need to generalize than to fit its training set?",
            ("summary",),
            grokking_delay,
            "At train fraction {fraction:g} AdamW with weight decay needs {estimate:.1f}x as many steps for 95% "
            "validation accuracy as for 99% training accuracy (" + CI + "; {reached} of {runs} runs got there); "
            "without weight decay {memorizers_reached} of {memorizers} runs reached 95% within {memorizer_budget:,.0f} "
            "steps (exact 95% CI of the share {control_low:.2f}-{control_high:.2f}).",
            control="AdamW without weight decay on the same splits: the share that reached 95% validation accuracy",
            null=1.0,
        ),
        Finding(
            "grokfast_speedup",
            "Does Grokfast-EMA generalize sooner than AdamW at the same learning rate and weight decay?",
            ("summary",),
            speedup(("grokfast", True), ("adamw", True), ("adamw_step_control", True), SAME_DECAY, GROKFAST),
            "Grokfast-EMA reaches 95% validation accuracy {speedup} as fast as AdamW at the same lr and weight decay "
            "(below 1: slower; reached by {counted} and {baseline_counted}); the step-size control (AdamW, k x lr, "
            "wd / k; reached by {control_reached}): {control_text}.",
            control="AdamW at k times the lr and wd / k (the same decay per step, a bigger step), same seeds",
            null=1.0,
        ),
        Finding(
            "step_control_speedup",
            "Does a k-times bigger AdamW step at the same decay per step generalize sooner than AdamW?",
            ("summary",),
            speedup(("adamw_step_control", True), ("adamw", True), on=SAME_DECAY, nouns=("step-control", "AdamW")),
            "AdamW at k x lr and wd / k reaches 95% validation accuracy {speedup} as fast as AdamW (below 1: slower; "
            "reached by {counted} and {baseline_counted}).",
            null=1.0,
        ),
        Finding(
            "grokfast_repository",
            "The Grokfast repository's comparison: how much of its speed-up over Adam is the weight decay?",
            ("summary",),
            speedup(("grokfast_adam", None), ADAM, ("adam_l2", None), nouns=REPOSITORY_ARMS),
            REPOSITORY + " against Adam without weight decay (this study's lr): 95% validation accuracy reached by "
            "{counted} and {baseline_counted}; speed-up {speedup}. The same Adam with the same L2 decay and no "
            "filter (reached by {control_reached}): {control_text}.",
            control="Adam with the same L2 weight decay and no filter, against the same Adam runs",
            null=1.0,
        ),
        Finding(
            "grokfast_filter_with_l2",
            "At the Grokfast repository's weight decay, how much does the filter itself add?",
            ("summary",),
            speedup(("grokfast_adam", None), ("adam_l2", None), on=SAME_DECAY, nouns=REPOSITORY_ARMS[::2]),
            REPOSITORY + " reaches 95% validation accuracy {speedup} as fast as Adam with the same L2 decay and no "
            "filter (reached by {counted} and {baseline_counted}).",
            null=1.0,
        ),
        Finding(
            "fraction_effect",
            "How much longer does a smaller training set make the wait?",
            ("summary",),
            fraction_effect,
            "At train fraction {small:g} AdamW needs {bound}{estimate:.2f}x the steps to 95% validation accuracy it "
            "needs at {large:g} (" + CI + "; paired by seed number, the splits differ).",
            null=1.0,
        ),
    ]
    if section.get("llc"):
        found += [
            Finding(
                "llc_lead",
                "Does the LLC fall before validation accuracy jumps, and is that fall specific to grokking?",
                ("llc_lead",),
                llc_lead_estimate,
                "The LLC crosses the geometric midpoint of its maximum (once the training set is fit) and its last "
                "value at steps {crossings}, before the jump to 95% validation accuracy at {jumps}: a lead of "
                "{estimate:.2f}x (" + CI + "). The memorizing controls' LLCs cross their own midpoints at "
                "{control_crossings}; the jump steps over those: {control_text}.",
                control="the weight-decay-0 AdamW run on the same split: its own LLC crossing, same definition",
                null=1.0,
            ),
            Finding(
                "llc_fall",
                "Does the LLC fall further in a grokking run than in its memorizing control?",
                ("llc_lead",),
                llc_fall_estimate,
                "From its maximum to its last snapshot the LLC of a grokking run falls {run_fall:.2f} decades, its "
                "memorizing control's {control_estimate:.2f} (95% CI {control_low:.2f}-{control_high:.2f}): "
                "{estimate:.2f} decades more (" + CI + ").",
                control="the weight-decay-0 AdamW run on the same split: its LLC's fall, same definition",
            ),
        ]
    return found
