"""The double-descent study's answers, read from its metric tables (see :mod:`phenomena.common.findings`).

Units are training seeds (3 by default): intervals are t-intervals over seeds, paired by seed
where two conditions share one (a seed draws the training subset, the label noise and the
initialization), or exact binomial intervals where the answer is a count of curves in which a
stated detector fires. Each estimator is calibrated in ``tests/double_descent/test_findings.py``.
"""

from __future__ import annotations

import pandas as pd

from phenomena.common.findings import Estimate, Finding
from phenomena.common.stats import (
    EFFECT,
    INCONCLUSIVE,
    NO_EFFECT,
    binomial_interval,
    geometric_mean_interval,
    mean_interval,
    paired_difference,
)


def _error_rows(summary: pd.DataFrame) -> pd.DataFrame:
    return summary[(summary["sweep"] == "model_wise") & (summary["metric"] == "error")]


def _listed(values) -> str:
    return ", ".join("-" if pd.isna(v) else f"{v:g}" for v in values)


def model_wise_rise(summary: pd.DataFrame) -> Estimate:
    """Largest rise of test error above its best at smaller widths, noisiest labels minus clean,
    paired by seed; the control is the clean curves' own rise."""
    rows = _error_rows(summary)
    noisy, clean = rows["label_noise"].max(), rows["label_noise"].min()
    treated = rows[rows["label_noise"] == noisy].set_index("seed")["peak_rise"]
    control = rows[rows["label_noise"] == clean].set_index("seed")["peak_rise"]
    seeds = treated.index.intersection(control.index)
    difference = paired_difference(treated[seeds], control[seeds], units="seeds")
    slots = {"noise": noisy, "noisy_rises": _listed(treated[seeds].round(3)), "noisy_mean": treated[seeds].mean()}
    return Estimate(difference, control=mean_interval(control[seeds], units="seeds"), slots=slots)


def model_wise_peak_height(summary: pd.DataFrame, final: pd.DataFrame) -> Estimate:
    """Noisy test error at each seed's peak over its largest width's error (geometric mean, t on
    logs), with where the peak lies against the interpolation threshold; the control is the
    clean curve's error at the same widths over its own largest width's, and the slots
    ``versus_clean*`` the two ratios' quotient paired by seed (how much of the height is the
    bump rather than the fall of error with width that clean labels show too)."""
    rows = _error_rows(summary)
    noisy, clean = rows["label_noise"].max(), rows["label_noise"].min()
    peaks = rows[(rows["label_noise"] == noisy) & rows["peak_at"].notna()].set_index("seed")
    interval = geometric_mean_interval(peaks["peak_to_largest"], units="seeds with a peak")
    test = final[(final["sweep"] == "model_wise") & (final["metric"] == "error") & (final["split"] == "test")]
    clean_test = test[test["label_noise"] == clean].set_index(["width", "seed"])["value"].unstack()
    control, versus = None, geometric_mean_interval([], units="seeds")
    if noisy != clean and len(peaks):
        largest = clean_test.index.max()
        ratios = [clean_test.loc[peaks.loc[s, "peak_at"], s] / clean_test.loc[largest, s] for s in peaks.index]
        control = geometric_mean_interval(ratios, units="seeds")
        versus = geometric_mean_interval(peaks["peak_to_largest"].to_numpy() / ratios, units="seeds")
    slots = {
        "versus_clean": versus.estimate,
        "versus_clean_low": versus.low,
        "versus_clean_high": versus.high,
        "noise": noisy,
        "peak_widths": _listed(peaks["peak_at"]),
        "thresholds": _listed(peaks["interpolation_threshold"]),
        "grid_points": _listed(peaks["threshold_to_peak_grid_points"]),
        "seeds": rows["seed"].nunique(),
    }
    return Estimate(interval, control=control, slots=slots)


def _rise_count(summary: pd.DataFrame) -> tuple[int, int]:
    """Qualifying curves (n* with a grid size on each side) and how many rise into n*."""
    qualifying = summary[summary["qualifies"].astype(bool)]
    return int(qualifying["rises_with_more_data"].astype(bool).sum()), len(qualifying)


def sample_wise_rises(sample_wise_summary: pd.DataFrame, random_features_sample_wise_summary: pd.DataFrame) -> Estimate:
    """Of the widths whose n*(w) has a grid size on each side, the fraction whose test error
    rises from the size below n*(w) to n*(w) (paired t-interval over seeds above 0), exact
    binomial; the control is the same count over the random-feature curves (peak at n = P)."""
    rises, qualifying = _rise_count(sample_wise_summary)
    control_rises, control_curves = _rise_count(random_features_sample_wise_summary)
    control = binomial_interval(control_rises, control_curves, units="feature counts")
    if control_curves == 0 or control_rises < control_curves:
        row_verdict = INCONCLUSIVE  # the detector misses (part of) its positive control
    else:
        row_verdict = EFFECT if rises else NO_EFFECT
    own = sample_wise_summary[sample_wise_summary["qualifies"].astype(bool)]
    slots = {
        "rises": rises,
        "qualifying": qualifying,
        "widths": len(sample_wise_summary),
        "qualifying_widths": _listed(own["width"]),
        "threshold_rises": _listed(own["threshold_rise"].round(3)),
        "peaks_near_threshold": int(own["peak_within_one_step"].astype(bool).sum()),
        "control_rises": control_rises,
        "control_curves": control_curves,
    }
    interval = binomial_interval(rises, qualifying, units="qualifying widths")
    return Estimate(interval, control=control, verdict=row_verdict, slots=slots)


def random_features_control(random_features_sample_wise_summary: pd.DataFrame) -> Estimate:
    """Feature counts P whose seed-mean test error has its detected peak at exactly n = P
    (exact binomial); ``effect`` when the detector finds every one."""
    summary = random_features_sample_wise_summary
    found = int((summary["peak_size"] == summary["features"]).sum())
    interval = binomial_interval(found, len(summary), units="feature counts")
    slots = {
        "found": found,
        "counts": len(summary),
        "features": _listed(summary["features"]),
        "peaks": _listed(summary["peak_size"]),
        "rises": _listed(summary["rise"].round(3)),
        "seeds_found": int(summary["seeds_peak_within_one_step"].sum()),
        "seed_curves": int(summary["seeds"].sum()),
    }
    row_verdict = EFFECT if len(summary) and found == len(summary) else INCONCLUSIVE
    return Estimate(interval, verdict=row_verdict, slots=slots)


def findings(section: dict) -> list[Finding]:
    """The study's findings for a config section (the model-wise ones need two noise levels)."""
    found = []
    model_wise = section["model_wise"]
    if model_wise is not None and len(model_wise["label_noise"]) > 1:
        found += [
            Finding(
                name="model_wise_rise",
                question="Does label noise make test error rise again as networks widen (model-wise double descent)?",
                tables=("summary",),
                estimate=model_wise_rise,
                sentence=(
                    "With {noise:.0%} label noise test error rises {estimate:.3f} further above its best at smaller "
                    "widths than with clean labels (95% CI {low:.3f} to {high:.3f}, {method} over {n_units} {units}; "
                    "noisy rises {noisy_rises}; clean {control_estimate:.3f}, {control_low:.3f} to {control_high:.3f})"
                ),
                control="clean labels, same seeds and widths",
                paper=("above", "Nakkiran et al. 2019"),
            ),
            Finding(
                name="model_wise_peak_height",
                question="How high is the noisy test-error peak over the widest network's error, and where is it?",
                tables=("summary", "final"),
                estimate=model_wise_peak_height,
                sentence=(
                    "With {noise:.0%} label noise test error peaks at widths {peak_widths} (interpolation thresholds "
                    "{thresholds}: {grid_points} grid points away) at {estimate:.2f}x the widest network's error "
                    "(95% CI {low:.2f}-{high:.2f}x, {method} over {n_units} of {seeds} seeds); clean labels at the "
                    "same widths: {control_estimate:.2f}x ({control_low:.2f}-{control_high:.2f}x); noisy over clean, "
                    "paired by seed: {versus_clean:.2f}x ({versus_clean_low:.2f}-{versus_clean_high:.2f}x)"
                ),
                control="clean labels at the noisy peak widths",
                null=1.0,
                paper=("above", "Nakkiran et al. 2019"),
            ),
        ]
    sample_wise = section["sample_wise"]
    if sample_wise is not None and sample_wise["random_features"]:
        found += [
            Finding(
                name="sample_wise_rise",
                question="Does more data hurt near each width's interpolation size n*(w) (sample-wise double descent)?",
                tables=("sample_wise_summary", "random_features_sample_wise_summary"),
                estimate=sample_wise_rises,
                sentence=(
                    "{rises} of {qualifying} widths whose n*(w) has a grid size on each side ({qualifying_widths}; "
                    "{widths} trained) rise from the size below n*(w) to n*(w) (paired t-interval over seeds above 0; "
                    "rises {threshold_rises}; exact 95% CI of the fraction {low:.2f}-{high:.2f}); the peak detector "
                    "puts a peak within one grid step of n*(w) for {peaks_near_threshold}; the same test on random "
                    "features fires for {control_rises} of {control_curves}"
                ),
                control="random-feature curves on the same sizes, noise and seeds (peak at n = P)",
                paper=("above", "Nakkiran et al. 2019"),
            ),
            Finding(
                name="random_features_control",
                question="Does the sample-wise peak detector find a peak that is there (random features, n = P)?",
                tables=("random_features_sample_wise_summary",),
                estimate=random_features_control,
                sentence=(
                    "The detector puts the seed-mean peak at exactly n = P for {found} of {counts} feature counts "
                    "(P = {features}: peaks at {peaks}, rises {rises}; exact 95% CI {low:.2f}-{high:.2f}); each "
                    "seed's own peak lies within one grid step of n* in {seeds_found} of {seed_curves} curves"
                ),
                paper=("above", "Belkin et al. 2019"),
            ),
        ]
    return found
