"""The double-descent part's answers: does the LLC peak, or change slope, at the interpolation
threshold, and has it converged in the SGLD step?

Units are training seeds (3 by default), t-intervals over seeds (on logs for ratios); the
clean-label curves are the control. Every network is estimated at the calibrated step and at a
fraction of it (``step_check``): a verdict stands only where both steps give it and every chain
stayed in the basin (:func:`step_checked`); how much the LLC moves with the step is a finding of
its own (:func:`llc_step_sensitivity`). Each estimator is checked on synthetic tables with a known
answer in ``tests/slt/test_findings.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phenomena.common.findings import Estimate, Finding
from phenomena.common.stats import (
    EFFECT,
    INCONCLUSIVE,
    geometric_mean_interval,
    mean_interval,
    no_interval,
    verdict,
)
from phenomena.slt.findings import CALIBRATION_MARGIN


def at_sampler_step(double_descent_llc: pd.DataFrame) -> pd.DataFrame:
    """The estimates at the calibrated sampler's own step (``step_factor`` 1)."""
    return double_descent_llc[double_descent_llc["step_factor"] == 1.0]


def at_check_step(double_descent_llc: pd.DataFrame) -> pd.DataFrame:
    """The estimates at the check's fraction of the step (empty where ``step_check`` is null)."""
    return double_descent_llc[double_descent_llc["step_factor"] != 1.0]


def _listed(values, spec: str = "+.0%") -> str:
    return ", ".join("-" if pd.isna(v) else format(v, spec) for v in values)


def _per_seed(llc: pd.DataFrame, noise: float) -> dict[int, pd.DataFrame]:
    rows = llc[llc["label_noise"] == noise]
    return {seed: curve.sort_values("width") for seed, curve in rows.groupby("seed")}


def threshold_to_widest(curve: pd.DataFrame) -> float:
    """The LLC at the curve's interpolation threshold over the LLC of its widest network."""
    threshold = curve["interpolation_threshold"].iloc[0]
    at_threshold = curve.loc[curve["width"] == threshold, "llc"]
    if at_threshold.empty or not np.isfinite(threshold):
        return np.nan
    return float(at_threshold.iloc[0] / curve["llc"].iloc[-1])


def slope_change(curve: pd.DataFrame) -> float:
    """The slope of log LLC on log width at and above the interpolation threshold minus the slope
    at and below it (least squares on each side; NaN with fewer than 2 widths on a side)."""
    threshold = curve["interpolation_threshold"].iloc[0]
    sides = [curve[curve["width"] <= threshold], curve[curve["width"] >= threshold]]
    slopes = []
    for side in sides:
        side = side[side["llc"] > 0]
        if len(side) < 2:
            return np.nan
        slopes.append(float(np.polyfit(np.log(side["width"]), np.log(side["llc"]), 1)[0]))
    return slopes[1] - slopes[0]


def chain_health(double_descent_llc: pd.DataFrame) -> dict:
    """How many estimates' chains left the basin (sampled loss above chance), and from which width:
    slots for the sentence; such estimates make the finding inconclusive (:func:`checked`)."""
    left = double_descent_llc[~double_descent_llc["in_basin"]] if "in_basin" in double_descent_llc else []
    return {
        "left_basin": len(left),
        "estimates": len(double_descent_llc),
        "left_from": f"{left['width'].min():g}" if len(left) else "-",
    }


def step_checked(estimator, double_descent_llc: pd.DataFrame, null: float, spec: str, unit: str = "") -> Estimate:
    """``estimator`` on the estimates at the sampler's step, its verdict (against ``null``) kept only
    where the same estimator at the check step gives the same verdict (an effect on the same side)
    and no chain at either step left the basin (an LLC from chains above the chance loss is the
    sampler's excursion, not the network's); else inconclusive. Slot ``step_check``: the check's
    estimate in words (``spec``, then ``unit``)."""
    estimate = estimator(at_sampler_step(double_descent_llc))
    found = verdict(estimate.interval, null)
    side = np.sign(estimate.interval.estimate - null)
    check = at_check_step(double_descent_llc)
    if check.empty:
        step_check = "not run (slt.double_descent.step_check: null)"
    else:
        other = estimator(check).interval
        other_verdict = verdict(other, null)
        step_check = (
            f"{format(other.estimate, spec)}{unit} (95% CI {format(other.low, spec)}{unit} to"
            f" {format(other.high, spec)}{unit}), {other_verdict}"
        )
        step_check = f"at {check['step_factor'].iloc[0]:g}x the step: {step_check}"
        same_side = np.sign(other.estimate - null) == side  # an effect the other way is no agreement
        found = found if other_verdict == found and (found != EFFECT or same_side) else INCONCLUSIVE
    health = chain_health(double_descent_llc)
    if health["left_basin"]:
        found = INCONCLUSIVE
    slots = {**estimate.slots, **health, "step_check": step_check}
    return Estimate(estimate.interval, control=estimate.control, verdict=found, slots=slots)


def llc_peak(double_descent_llc: pd.DataFrame) -> Estimate:
    """:func:`llc_peak_at_one_step`, checked at the other step (:func:`step_checked`)."""
    return step_checked(llc_peak_at_one_step, double_descent_llc, null=1.0, spec=".2f", unit="x")


def llc_peak_at_one_step(double_descent_llc: pd.DataFrame) -> Estimate:
    """Noisy labels: the LLC at each seed's interpolation threshold over its widest network's
    (geometric mean, t on logs); control: the clean curves' same ratio at their own thresholds;
    slots: the quotient paired by seed, where each curve's LLC peaks, and the widest network's LLC
    as a fraction of half its parameter count (1 for a regular model)."""
    noisy, clean = double_descent_llc["label_noise"].max(), double_descent_llc["label_noise"].min()
    noisy_curves, clean_curves = _per_seed(double_descent_llc, noisy), _per_seed(double_descent_llc, clean)
    ratios = {seed: threshold_to_widest(curve) for seed, curve in noisy_curves.items()}
    control_ratios = {seed: threshold_to_widest(curve) for seed, curve in clean_curves.items()}
    seeds = [seed for seed in ratios if np.isfinite(ratios[seed])]
    paired = [seed for seed in seeds if np.isfinite(control_ratios.get(seed, np.nan))]
    interval = geometric_mean_interval([ratios[s] for s in seeds], units="seeds")
    control = geometric_mean_interval([control_ratios[s] for s in paired], units="seeds") if noisy != clean else None
    versus = geometric_mean_interval([ratios[s] / control_ratios[s] for s in paired], units="seeds")
    widest = double_descent_llc[double_descent_llc["width"] == double_descent_llc["width"].max()]
    at_widest = widest.pivot_table(index="seed", columns="label_noise", values="llc")
    noise_raises = (
        geometric_mean_interval(at_widest[noisy] / at_widest[clean], units="seeds") if noisy != clean else None
    )
    slots = {
        "noise": noisy,
        "thresholds": _listed([noisy_curves[s]["interpolation_threshold"].iloc[0] for s in noisy_curves], "g"),
        "peaks": _listed([noisy_curves[s].loc[noisy_curves[s]["llc"].idxmax(), "width"] for s in noisy_curves], "g"),
        "clean_peaks": _listed(
            [clean_curves[s].loc[clean_curves[s]["llc"].idxmax(), "width"] for s in clean_curves], "g"
        ),
        "versus_clean": versus.estimate,
        "versus_clean_low": versus.low,
        "versus_clean_high": versus.high,
        "widest": int(double_descent_llc["width"].max()),
        "widest_fraction": float(widest["llc_per_half_parameter"].mean()),
        "noise_raises": noise_raises.estimate if noise_raises else np.nan,
        "noise_raises_low": noise_raises.low if noise_raises else np.nan,
        "noise_raises_high": noise_raises.high if noise_raises else np.nan,
    }
    return Estimate(interval, control=control, slots=slots)


def llc_slope_change(double_descent_llc: pd.DataFrame) -> Estimate:
    """:func:`llc_slope_change_at_one_step`, checked at the other step (:func:`step_checked`)."""
    return step_checked(llc_slope_change_at_one_step, double_descent_llc, null=0.0, spec="+.2f")


def llc_slope_change_at_one_step(double_descent_llc: pd.DataFrame) -> Estimate:
    """Noisy labels: the change of slope of log LLC on log width at the interpolation threshold
    (above minus below), t-interval over seeds; control: the clean curves' change at their own
    thresholds; slots: the noisy-minus-clean difference paired by seed."""
    noisy, clean = double_descent_llc["label_noise"].max(), double_descent_llc["label_noise"].min()
    changes = {seed: slope_change(curve) for seed, curve in _per_seed(double_descent_llc, noisy).items()}
    control_changes = {seed: slope_change(curve) for seed, curve in _per_seed(double_descent_llc, clean).items()}
    seeds = [seed for seed in changes if np.isfinite(changes[seed])]
    paired = [seed for seed in seeds if np.isfinite(control_changes.get(seed, np.nan))]
    interval = mean_interval([changes[s] for s in seeds], units="seeds")
    control = mean_interval([control_changes[s] for s in paired], units="seeds") if noisy != clean else None
    difference = mean_interval([changes[s] - control_changes[s] for s in paired], units="seeds")
    slots = {
        "noise": noisy,
        "changes": _listed([changes[s] for s in seeds], "+.2f"),
        "difference": difference.estimate,
        "difference_low": difference.low,
        "difference_high": difference.high,
    }
    return Estimate(interval, control=control, slots=slots)


def llc_step_sensitivity(double_descent_llc: pd.DataFrame) -> Estimate:
    """Each network's LLC at the sampler's step over its LLC at the check step, paired by network:
    per seed the geometric mean over its networks (every width and noise level), t on logs over
    seeds; slots: the same ratio at the narrowest and the widest width. 1 (within the margin): the
    estimate has converged in the step; the calibration's cases move by far less."""
    main, check = at_sampler_step(double_descent_llc), at_check_step(double_descent_llc)
    if check.empty:
        interval = no_interval(np.nan, "seeds", 0, "not estimated: slt.double_descent.step_check is null")
        return Estimate(interval, verdict=INCONCLUSIVE, slots={"factor": np.nan, "narrowest": np.nan, "widest": np.nan})
    paired = main.merge(check[["run", "llc", "step_factor"]], on="run", suffixes=("", "_check"))
    paired = paired[(paired["llc"] > 0) & (paired["llc_check"] > 0)]
    paired["log_ratio"] = np.log(paired["llc"] / paired["llc_check"])
    per_seed = np.exp(paired.groupby("seed")["log_ratio"].mean())
    by_width = np.exp(paired.groupby("width")["log_ratio"].mean())
    slots = {
        "factor": float(paired["step_factor_check"].iloc[0]),
        "narrowest": float(by_width.iloc[0]),
        "narrowest_width": int(by_width.index[0]),
        "widest": float(by_width.iloc[-1]),
        "widest_width": int(by_width.index[-1]),
    }
    return Estimate(geometric_mean_interval(per_seed, units="seeds"), slots=slots)


def double_descent_findings(section: dict) -> list[Finding]:
    found = [
        Finding(
            name="llc_peak_at_threshold",
            question=(
                "Is the LLC of a noisy-label network higher at the interpolation threshold than at the widest "
                "width (a peak where test error peaks), beside clean labels?"
            ),
            tables=("double_descent_llc",),
            estimate=llc_peak,
            sentence=(
                "With {noise:.0%} label noise the LLC at the interpolation threshold (widths {thresholds}) is "
                "{estimate:.2f}x the widest network's (95% CI {low:.2f}-{high:.2f}x, {method} over {n_units} seeds; "
                "the LLC peaks at widths {peaks}); clean labels at their own thresholds: {control_estimate:.2f}x "
                "({control_low:.2f}-{control_high:.2f}x; peaks at {clean_peaks}); noisy over clean, paired by seed: "
                "{versus_clean:.2f}x ({versus_clean_low:.2f}-{versus_clean_high:.2f}x). At width {widest} the LLC is "
                "{widest_fraction:.1%} of half the parameter count, and noisy labels' LLC {noise_raises:.2f}x clean "
                "labels' ({noise_raises_low:.2f}-{noise_raises_high:.2f}x, paired by seed). Checked {step_check}; the "
                "chains left the basin (sampled loss above chance) in {left_basin} of {estimates} estimates (widths "
                "from {left_from}). The verdict stands only where both steps give it and no chain left the basin"
            ),
            control="clean labels at their own interpolation thresholds",
            null=1.0,
        ),
        Finding(
            name="llc_slope_change",
            question=(
                "Does the LLC's growth with width change slope at the interpolation threshold (log-log, above minus "
                "below), beside clean labels?"
            ),
            tables=("double_descent_llc",),
            estimate=llc_slope_change,
            sentence=(
                "With {noise:.0%} label noise the slope of log LLC on log width changes by {estimate:+.2f} at the "
                "threshold (95% CI {low:+.2f} to {high:+.2f}, {method} over {n_units} seeds; per seed {changes}); "
                "clean labels: {control_estimate:+.2f} ({control_low:+.2f} to {control_high:+.2f}); noisy minus clean, "
                "paired by seed: {difference:+.2f} ({difference_low:+.2f} to {difference_high:+.2f}). Checked "
                "{step_check}; chains above the chance loss in {left_basin} of {estimates} estimates"
            ),
            control="clean labels at their own interpolation thresholds",
        ),
    ]
    if section["double_descent"]["step_check"] is not None:
        found.append(
            Finding(
                name="llc_step_sensitivity",
                question=(
                    "Has the networks' LLC converged in the SGLD step: is it the same (within 20%) at a fraction of "
                    "the calibrated sampler's step?"
                ),
                tables=("double_descent_llc",),
                estimate=llc_step_sensitivity,
                sentence=(
                    "A network's LLC at the sampler's step is {estimate:.2f}x its LLC at {factor:g}x that step (95% CI "
                    "{low:.2f}-{high:.2f}x, {method} over {n_units} seeds; width {narrowest_width}: {narrowest:.2f}x, "
                    "width {widest_width}: {widest:.2f}x). Beyond the margin, the absolute values depend on the step "
                    "and only comparisons at one step are findings"
                ),
                null=1.0,
                margin=CALIBRATION_MARGIN,
            )
        )
    return found
