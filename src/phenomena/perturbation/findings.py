"""The perturbation study's answers, one part at a time, read from its metric tables.

- Datasaurus: one annealing run per shape from one data seed. Whether the statistics were kept
  and the shapes reached are deterministic properties of those runs, not samples: no interval
  (:func:`phenomena.common.stats.no_interval`), each compared with its stated tolerance.
- Diffusion: the unit is the training seed (``diffusion.seeds``); the ratio of the distances
  to the data of samples drawn from a line and from noise, per seed, with a t-interval on log
  ratios. With one seed there is no interval, and the sentence says so.
- Zero init: the unit is the training seed (``zero_init.seeds``), runs of different inits
  paired by seed; t-intervals with n-1 degrees of freedom.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phenomena.common.findings import Estimate, Finding
from phenomena.common.stats import EFFECT, NO_EFFECT, geometric_mean_interval, mean_interval, no_interval

STATISTICS = ("mean_x", "mean_y", "sd_x", "sd_y", "correlation")
"""The kept statistics, as :data:`phenomena.perturbation.datasaurus.STATISTICS` names them."""

LINE_VS_NOISE_MARGIN = 0.25
"""Samples from a line count as good as samples from noise when the interval of the ratio of
their distances to the data lies within 1 +- this."""

ACCURACY_MARGIN = 0.01
"""A zero-init run is at the majority-class rate when its test accuracy is within this of it."""

SPREAD_MARGIN = 1e-6
"""Hidden units are identical when the largest distance between their weights is below this."""


def datasaurus_wide(statistics: pd.DataFrame) -> pd.DataFrame:
    """One row per (target, step) with the statistics, mean distance and share within tolerance."""
    return statistics.pivot_table(index=["target", "step"], columns="metric", values="value").sort_index()


def statistics_kept(datasaurus_statistics: pd.DataFrame, decimals: int) -> Estimate:
    """The largest deviation of any frame's statistic from the start's, over every shape.

    The annealing only keeps moves that leave the statistics rounded to ``decimals`` equal to the
    start's, so every deviation is below ``10**-decimals``: that is the stated tolerance."""
    wide = datasaurus_wide(datasaurus_statistics)
    columns = list(STATISTICS)
    start = wide.groupby(level="target")[columns].transform("first")
    deviation = float((wide[columns] - start).abs().to_numpy().max())
    rounded_equal = bool((wide[columns].round(decimals) == start.round(decimals)).all().all())
    targets = wide.index.get_level_values("target").nunique()
    why = "none, deterministic: one annealing run per shape from one data seed"
    interval = no_interval(deviation, "shapes", targets, why)
    tolerance = 10.0**-decimals
    kept = rounded_equal and deviation < tolerance
    slots = {"tolerance": tolerance, "decimals": decimals, "relation": "below" if kept else "not below"}
    return Estimate(interval, verdict=NO_EFFECT if kept else EFFECT, slots=slots)


def shapes_reached(datasaurus_statistics: pd.DataFrame, tolerance: float) -> Estimate:
    """The largest final mean distance of the points to their target shape, over every shape;
    control: the smallest such distance at the start (the blob is far from every shape)."""
    wide = datasaurus_wide(datasaurus_statistics)["mean_distance"].groupby(level="target")
    final, start = wide.last(), wide.first()
    why = "none, deterministic: one annealing run per shape from one data seed"
    interval = no_interval(float(final.max()), "shapes", len(final), why)
    control = no_interval(float(start.min()), "shapes", len(start), why)
    reached = bool(final.max() <= tolerance < start.min())
    worst = str(final.idxmax())
    return Estimate(
        interval,
        control=control,
        verdict=EFFECT if reached else NO_EFFECT,
        slots={"tolerance": tolerance, "worst": worst},
    )


def final_distances(diffusion_distances: pd.DataFrame, sampler: str) -> pd.DataFrame:
    """Per seed: the final distance to the data of the samples from each start, and the floor."""
    frame = diffusion_distances[diffusion_distances["sampler"] == sampler]
    last = frame[frame["step"] == frame.groupby("seed")["step"].transform("max")]
    return last.pivot_table(index="seed", columns="split", values="value").sort_index()


def line_vs_noise(diffusion_distances: pd.DataFrame, sampler: str) -> Estimate:
    """Distance to the data of samples run backwards from a line over that of samples from
    noise, geometric mean over seeds; control: the noise samples' distance over the floor (the
    distance between two held-out sets)."""
    final = final_distances(diffusion_distances, sampler)
    interval = geometric_mean_interval(final["line"] / final["noise"], "seeds")
    control = geometric_mean_interval(final["noise"] / final["held_out"], "seeds")
    over_floor = float(np.exp(np.log(final["line"] / final["held_out"]).mean()))
    text = (
        f"95% CI {interval.low:.2f}-{interval.high:.2f}, {interval.method} over {interval.n_units} seeds"
        if interval.n_units > 1
        else "one training seed: no interval over seeds"
    )
    return Estimate(interval, control=control, slots={"interval_text": text, "line_over_floor": over_floor})


def zero_init_table(zero_init_summary: pd.DataFrame, init: str) -> pd.DataFrame:
    return zero_init_summary[zero_init_summary["init"] == init].set_index("seed").sort_index()


def zero_at_chance(zero_init_summary: pd.DataFrame) -> Estimate:
    """Final test accuracy of the all-zero network minus the majority-class rate, over seeds;
    control: the same for the default (small random) initialization."""
    zero, default = zero_init_table(zero_init_summary, "zero"), zero_init_table(zero_init_summary, "default")
    interval = mean_interval(zero["final_test_accuracy"] - zero["majority_rate"], "seeds")
    control = mean_interval(default["final_test_accuracy"] - default["majority_rate"], "seeds")
    return Estimate(interval, control=control, slots={"majority": float(zero["majority_rate"].iloc[0])})


def symmetry_kept(zero_init_summary: pd.DataFrame, init: str) -> Estimate:
    """The largest distance between two hidden units' weights seen in training, over seeds;
    control: the same for the default initialization (its units differ from the start)."""
    runs, default = zero_init_table(zero_init_summary, init), zero_init_table(zero_init_summary, "default")
    interval = mean_interval(runs["max_unit_spread"], "seeds")
    control = mean_interval(default["max_unit_spread"], "seeds")
    return Estimate(interval, control=control)


def findings(section: dict) -> list[Finding]:
    datasaurus, zero_init = section["datasaurus"], section["zero_init"]
    decimals, tolerance = datasaurus["decimals"], datasaurus["tolerance"]
    found = [
        Finding(
            name="datasaurus_statistics_kept",
            question="Do the Datasaurus shapes keep the start's summary statistics?",
            tables=("datasaurus_statistics",),
            estimate=lambda datasaurus_statistics: statistics_kept(datasaurus_statistics, decimals),
            sentence=(
                "Across the {n_units} shapes and every frame, the largest deviation of a mean, standard "
                "deviation or correlation from the start's is {estimate:.4f}, {relation} the stated tolerance "
                "{tolerance:g} (equal to {decimals} decimals; interval: {method})."
            ),
            paper=("equal", "Matejka and Fitzmaurice 2017"),
        ),
        Finding(
            name="datasaurus_shapes_reached",
            question="Do the points reach their target shapes?",
            tables=("datasaurus_statistics",),
            estimate=lambda datasaurus_statistics: shapes_reached(datasaurus_statistics, tolerance),
            sentence=(
                "At the end the points lie {estimate:.3f} from their shape on average in the worst of the "
                "{n_units} shapes ({worst}; tolerance {tolerance:g}), against at least {control_estimate:.2f} "
                "at the start (interval: {method})."
            ),
            control="the start blob's mean distance to each shape",
        ),
    ]
    for sampler in section["diffusion"]["sampling"]["samplers"]:
        found.append(
            Finding(
                name=f"diffusion_line_{sampler}",
                question=f"Does the {sampler.upper()} sampler run backwards from a line reach the data?",
                tables=("diffusion_distances",),
                estimate=lambda diffusion_distances, sampler=sampler: line_vs_noise(diffusion_distances, sampler),
                sentence=(
                    f"{sampler.upper()} samples started on a line lie {{estimate:.2f}}x as far from the data as "
                    "samples started from noise (sliced Wasserstein; {interval_text}), {line_over_floor:.2f}x the "
                    "floor of two held-out sets; samples from noise lie {control_estimate:.2f}x the floor."
                ),
                control="the same model's samples from Gaussian noise",
                null=1.0,
                margin=LINE_VS_NOISE_MARGIN,
            )
        )
    inits = zero_init["inits"]
    if "zero" in inits and "default" in inits:
        found.append(zero_at_chance_finding())
    for init in (i for i in inits if i in ("zero", "constant") and "default" in inits):
        found.append(symmetry_finding(init))
    return found


def zero_at_chance_finding() -> Finding:
    return Finding(
        name="zero_init_at_chance",
        question="Does a network trained from all-zero weights stay at the majority-class rate?",
        tables=("zero_init_summary",),
        estimate=zero_at_chance,
        sentence=(
            "From all-zero weights the final test accuracy is {estimate:+.3f} from the majority-class rate "
            "{majority:.3f} (95% CI {low:+.3f} to {high:+.3f}, {method} over {n_units} {units}); from the "
            "default small random weights it is {control_estimate:+.3f} ({control_low:+.3f} to "
            "{control_high:+.3f})."
        ),
        control="the default (small random) initialization",
        margin=ACCURACY_MARGIN,
        paper=("equal", "Goodfellow et al. 2016, section 8.4"),
    )


def symmetry_finding(init: str) -> Finding:
    return Finding(
        name=f"{init}_init_symmetry",
        question=f"Do hidden units started from {init} weights stay identical?",
        tables=("zero_init_summary",),
        estimate=lambda zero_init_summary: symmetry_kept(zero_init_summary, init),
        sentence=(
            f"From {init} weights the largest distance between two hidden units' weights during training "
            "is {estimate:.2g} (95% CI {low:.2g} to {high:.2g}, {method} over {n_units} {units}); from "
            "the default initialization it is {control_estimate:.2f}."
        ),
        control="the default (small random) initialization",
        margin=SPREAD_MARGIN,
        paper=("equal", "Goodfellow et al. 2016, section 8.4"),
    )
