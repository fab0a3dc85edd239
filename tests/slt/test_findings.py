"""Calibration of the SLT findings' estimators on synthetic tables with a known answer, at the
study's own sizes (3 seeds x 16 widths x 2 noise levels; 5 replicates per calibration case):
the 95% interval covers the truth in 92-98% of 400 replicates, a planted effect is found and a
null is not."""

import numpy as np
import pandas as pd
import pytest

from phenomena.common.stats import EFFECT, INCONCLUSIVE, NO_EFFECT, verdict
from phenomena.slt.double_descent_findings import (
    llc_peak,
    llc_slope_change,
    llc_step_sensitivity,
    slope_change,
    threshold_to_widest,
)
from phenomena.slt.findings import calibration_verdict, findings, worst_case_error

REPLICATES, SEEDS = 400, 3
WIDTHS = np.array([2, 4, 7, 12, 16, 21, 27, 36, 47, 61, 80, 104, 135, 177, 230, 300], dtype=float)
THRESHOLD = 61.0
LOG_NOISE = 0.05  # sd of log LLC per network: the default run's chains and seeds spread ~2-7%


def log_llc_curve(peak_drop: float, slope_after: float) -> np.ndarray:
    """log LLC over the widths: slope 1 in log width up to the threshold, ``slope_after`` beyond
    it, and the widest network ``peak_drop`` (in logs) below the straight continuation."""
    log_widths = np.log(WIDTHS)
    at_threshold = np.log(THRESHOLD)
    curve = np.where(log_widths <= at_threshold, log_widths, at_threshold + slope_after * (log_widths - at_threshold))
    return 3.0 + curve


def llc_table(
    generator, noisy_slope_after: float, clean_slope_after: float, step_factor: float = 1.0, log_shift: float = 0.0
) -> pd.DataFrame:
    """The study's table at one SGLD step: every network's LLC, ``log_shift`` added to its log."""
    rows = []
    for noise, slope_after in ((0.0, clean_slope_after), (0.15, noisy_slope_after)):
        base = log_llc_curve(0.0, slope_after) + log_shift
        for seed in range(SEEDS):
            values = np.exp(base + LOG_NOISE * generator.standard_normal(len(WIDTHS)))
            for width, value in zip(WIDTHS, values):
                rows.append(
                    {
                        "run": f"noise{noise}_seed{seed}_w{width:g}",
                        "step_factor": step_factor,
                        "label_noise": noise,
                        "seed": seed,
                        "width": width,
                        "llc": value,
                        "interpolation_threshold": THRESHOLD,
                        "parameters": width**2,
                        "llc_per_half_parameter": value / (width**2 / 2),
                    }
                )
    return pd.DataFrame(rows)


def true_log_ratio(slope_after: float) -> float:
    """log(LLC at the threshold / LLC at the widest width) of the noiseless curve."""
    return -slope_after * (np.log(WIDTHS[-1]) - np.log(THRESHOLD))


@pytest.mark.parametrize("slope_after", [-0.5, 0.5])
def test_llc_peak_ratio_covers_the_truth(slope_after):
    generator = np.random.default_rng(1)
    truth = np.exp(true_log_ratio(slope_after))
    covered = 0
    for _ in range(REPLICATES):
        estimate = llc_peak(llc_table(generator, slope_after, 1.0))
        covered += estimate.interval.low <= truth <= estimate.interval.high
    assert 0.92 <= covered / REPLICATES <= 0.98


def test_llc_slope_change_covers_the_truth_and_finds_a_planted_change():
    generator = np.random.default_rng(2)
    covered, found_planted, found_null = 0, 0, 0
    for _ in range(REPLICATES):
        planted = llc_slope_change(llc_table(generator, -0.5, 1.0)).interval  # change -1.5, clean none
        covered += planted.low <= -1.5 <= planted.high
        found_planted += planted.high < 0
        null = llc_slope_change(llc_table(generator, 1.0, 1.0)).interval
        found_null += null.high < 0 or null.low > 0
    assert 0.92 <= covered / REPLICATES <= 0.98
    assert found_planted / REPLICATES > 0.95
    assert found_null / REPLICATES < 0.08


def test_the_control_is_the_clean_curve_and_the_peak_is_read_at_the_threshold():
    generator = np.random.default_rng(3)
    table = llc_table(generator, -0.5, 1.0)
    estimate = llc_peak(table)
    assert estimate.interval.estimate > 1 > estimate.control.estimate  # noisy falls past it, clean rises
    assert set(estimate.slots["peaks"].split(", ")) <= {"47", "61", "80"}  # each seed peaks beside the threshold
    assert estimate.slots["clean_peaks"].split(", ") == ["300"] * SEEDS  # clean: still rising at the widest
    curve = table[(table["label_noise"] == 0.15) & (table["seed"] == 0)].sort_values("width")
    at = curve.loc[curve["width"] == THRESHOLD, "llc"].iloc[0]
    assert threshold_to_widest(curve) == pytest.approx(at / curve["llc"].iloc[-1])
    assert slope_change(curve.iloc[:1]) != slope_change(curve.iloc[:1])  # NaN: too few widths on a side


def calibration_table(generator, biases: dict[str, float], replicates: int = 5, noise: float = 0.05) -> pd.DataFrame:
    rows = []
    for case, bias in biases.items():
        for replicate in range(replicates):
            error = bias + noise * generator.standard_normal()
            rows.append(
                {
                    "sampler": "double_descent",
                    "n": 4000,
                    "case": case,
                    "truth": 4.5,
                    "half_dimension": 9.0,
                    "replicate": replicate,
                    "llc": 4.5 * (1 + error),
                    "relative_error": error,
                }
            )
    return pd.DataFrame(rows)


def test_worst_case_error_covers_the_worst_bias_and_its_verdict_uses_the_margin():
    generator = np.random.default_rng(4)
    biases = {"regular": 0.02, "singular": -0.12, "other": 0.05}
    covered, calibrated = 0, 0
    for _ in range(REPLICATES):
        estimate = worst_case_error(calibration_table(generator, biases), "double_descent")
        covered += estimate.interval.low <= -0.12 <= estimate.interval.high
        calibrated += estimate.verdict == NO_EFFECT
    assert 0.92 <= covered / REPLICATES <= 0.98
    assert calibrated / REPLICATES > 0.5  # -12% +- ~6%: mostly inside the 20% margin
    biased = worst_case_error(calibration_table(generator, {"singular": -0.6}), "double_descent")
    assert biased.verdict == EFFECT and biased.slots["worst"] == "singular"


def test_calibration_verdict_and_a_sampler_that_was_not_run():
    from phenomena.common.stats import Interval

    assert calibration_verdict(Interval(0.0, -0.1, 0.1, "t", "replicates", 5)) == NO_EFFECT
    assert calibration_verdict(Interval(0.3, 0.25, 0.35, "t", "replicates", 5)) == EFFECT
    assert calibration_verdict(Interval(0.2, 0.1, 0.3, "t", "replicates", 5)) == INCONCLUSIVE
    missing = worst_case_error(calibration_table(np.random.default_rng(5), {"a": 0.0}), "grokking")
    assert missing.verdict == INCONCLUSIVE and "not estimated" in missing.interval.method


def test_findings_follow_the_parts_that_are_on():
    part = {"sampler": {}, "step_check": None}
    section = {"calibration": {"cases": [], "replicates": 5}, "double_descent": part, "superposition": None}
    names = [finding.name for finding in findings(section)]
    assert names == ["calibration_grokking", "calibration_double_descent", "llc_peak_at_threshold", "llc_slope_change"]
    part["step_check"] = {"step": 0.5, "chains": 1}
    assert [finding.name for finding in findings(section)][-1] == "llc_step_sensitivity"
    assert findings({"calibration": None, "double_descent": None, "superposition": None}) == []


def test_an_llc_from_chains_that_left_the_basin_makes_the_findings_inconclusive():
    table = llc_table(np.random.default_rng(6), -0.5, 1.0)
    table["in_basin"] = table["width"] < 100  # the wide networks' chains went above the chance loss
    for estimate in (llc_peak(table), llc_slope_change(table)):
        assert estimate.verdict == INCONCLUSIVE
        assert estimate.slots["left_basin"] == (table["width"] >= 100).sum() and estimate.slots["left_from"] == "104"
    table["in_basin"] = True
    assert llc_slope_change(table).verdict == EFFECT  # the planted change, no check step to contradict it


def test_a_verdict_stands_only_where_both_steps_give_it():
    generator = np.random.default_rng(7)
    planted = llc_table(generator, -0.5, 1.0)  # slope change -1.5 at the sampler's step
    alone = llc_slope_change(planted)
    assert alone.verdict == EFFECT and "not run" in alone.slots["step_check"]
    agreeing = pd.concat([planted, llc_table(generator, -0.5, 1.0, step_factor=0.5, log_shift=-0.4)])
    both = llc_slope_change(agreeing)
    assert both.verdict == EFFECT and both.interval.estimate == pytest.approx(alone.interval.estimate)
    assert both.slots["step_check"].startswith("at 0.5x the step: -1.") and both.slots["step_check"].endswith(EFFECT)
    contradicting = pd.concat([planted, llc_table(generator, 1.0, 1.0, step_factor=0.5)])  # no change at half
    assert llc_slope_change(contradicting).verdict == INCONCLUSIVE
    assert llc_peak(contradicting).verdict == INCONCLUSIVE  # peak 1.0 ratio vs below 1 at the other step


@pytest.mark.parametrize("log_ratio", [np.log(1.4), 0.0])
def test_step_sensitivity_covers_the_truth_and_uses_the_margin(log_ratio):
    generator = np.random.default_rng(8)
    covered, verdicts = 0, []
    for _ in range(REPLICATES // 2):
        at_sampler = llc_table(generator, -0.5, 1.0)
        table = pd.concat([at_sampler, llc_table(generator, -0.5, 1.0, step_factor=0.5, log_shift=-log_ratio)])
        estimate = llc_step_sensitivity(table)
        covered += estimate.interval.low <= np.exp(log_ratio) <= estimate.interval.high
        verdicts.append(verdict(estimate.interval, 1.0, 0.2))
    assert 0.92 <= covered / (REPLICATES // 2) <= 0.99
    expected = EFFECT if log_ratio else NO_EFFECT  # 1.4x is beyond the 20% margin; 1x inside it
    assert verdicts.count(expected) / len(verdicts) > 0.9
    missing = llc_step_sensitivity(at_sampler)
    assert missing.verdict == INCONCLUSIVE and "step_check is null" in missing.interval.method
