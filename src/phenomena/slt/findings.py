"""The SLT study's answers, read from its metric tables (see :mod:`phenomena.common.findings`).

- Calibration: units are replicates (a data set and a sampler seed per case); the worst case's
  relative error with its t-interval over replicates, against a stated margin of 20%.
- Double descent: :mod:`phenomena.slt.double_descent_findings`.
- Superposition: :mod:`phenomena.slt.superposition_findings`.

Each estimator is checked on synthetic tables with a known answer in ``tests/slt/test_findings.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phenomena.common.findings import Estimate, Finding
from phenomena.common.stats import (
    EFFECT,
    INCONCLUSIVE,
    NO_EFFECT,
    Interval,
    mean_interval,
    no_interval,
)

CALIBRATION_MARGIN = 0.2
"""The estimate is calibrated when its relative error lies within +-20% of the known coefficient."""

SAMPLER_PARTS = {
    "grokking": "the grokking study's sampler (grokking.llc.sampler)",
    "double_descent": "the double-descent part's sampler (slt.double_descent.sampler)",
    "superposition": "the toy model's sampler (slt.superposition.sampler)",
}


# --- calibration ---


def calibration_verdict(interval: Interval, margin: float = CALIBRATION_MARGIN) -> str:
    """``no effect`` (calibrated) when the interval lies within +-margin, ``effect`` (biased) when
    it lies entirely outside, else ``inconclusive``."""
    if not (np.isfinite(interval.low) and np.isfinite(interval.high)):
        return INCONCLUSIVE
    if -margin <= interval.low and interval.high <= margin:
        return NO_EFFECT
    if interval.low > margin or interval.high < -margin:
        return EFFECT
    return INCONCLUSIVE


def worst_case_error(calibration: pd.DataFrame, sampler: str) -> Estimate:
    """The relative error (estimate / truth - 1) of the case the sampler gets most wrong (largest
    mean |error| over replicates), with its t-interval over those replicates."""
    rows = calibration[calibration["sampler"] == sampler]
    if rows.empty:
        interval = no_interval(np.nan, "replicates", 0, f"not estimated: no {sampler} sampler in this config")
        return Estimate(interval, verdict=INCONCLUSIVE, slots={"cases": "-", "worst": "-", "truth": np.nan, "n": 0})
    by_case = rows.groupby("case", sort=False)["relative_error"]
    means = by_case.mean()
    worst = means.abs().idxmax()
    interval = mean_interval(rows.loc[rows["case"] == worst, "relative_error"], units="replicates")
    cases = rows.drop_duplicates("case").set_index("case")
    listed = ", ".join(
        f"{case} {means[case]:+.0%} (truth {cases.loc[case, 'truth']:g}, d/2 {cases.loc[case, 'half_dimension']:g})"
        for case in means.index
    )
    slots = {"cases": listed, "worst": worst, "truth": cases.loc[worst, "truth"], "n": int(cases["n"].iloc[0])}
    return Estimate(interval, verdict=calibration_verdict(interval), slots=slots)


def calibration_findings(section: dict) -> list[Finding]:
    parts = ["grokking"] + [part for part in ("double_descent", "superposition") if section[part] is not None]
    return [
        Finding(
            name=f"calibration_{part}",
            question=(
                f"On reduced-rank regression, whose learning coefficient is known, is the LLC at {SAMPLER_PARTS[part]}"
                f" more than {CALIBRATION_MARGIN:.0%} off?"
            ),
            tables=("calibration",),
            estimate=lambda calibration, part=part: worst_case_error(calibration, part),
            sentence=(
                "At n = {n}, the worst case ({worst}, coefficient {truth:g}) is off by {estimate:+.0%} (95% CI "
                "{low:+.0%} to {high:+.0%}, {method} over {n_units} {units}); every case: {cases}"
            ),
            margin=CALIBRATION_MARGIN,
        )
        for part in parts
    ]


def findings(section: dict) -> list[Finding]:
    found = calibration_findings(section) if section["calibration"] is not None else []
    if section["double_descent"] is not None:
        from phenomena.slt.double_descent_findings import double_descent_findings

        found += double_descent_findings(section)
    if section["superposition"] is not None:
        from phenomena.slt.superposition_findings import superposition_findings

        found += superposition_findings(section)
    return found
