"""The inductive-bias study's answers (:mod:`phenomena.common.findings`), one per part's question.

Every estimator reads the per-seed values the summary reads (:mod:`phenomena.inductive_bias.metrics`):
differences of accuracy are in percentage points, paired by seed; the kernel's exponents are
per-seed log-log slopes with a t-interval over seeds. Calibrated in
``tests/inductive_bias/test_findings.py``.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from phenomena.common.findings import Estimate, Finding
from phenomena.common.stats import Interval, paired_difference, ratio_interval
from phenomena.inductive_bias.metrics import kernel_axes, permutation_costs, sgd_finals, sgd_roles, slope_interval

FORMS = {
    "paper": "the paper's regularizer [(lr/4) mean_k |grad C_k|^2]",
    "exact": "the exact SGD-minus-GD term [(lr/4) mean_k |grad C_k - grad C|^2]",
}
THEORY = {
    "width": (-1.0, "1/width of wide networks (Dyer and Gur-Ari 2020)"),
    "alpha": (-1.0, "1/alpha of lazy training (Chizat et al. 2019)"),
}
BOUND = -0.5
"""The O(1/sqrt(width)) bound on the kernel's change (Lee et al. 2019), quoted beside the width's exponent."""


def in_points(interval: Interval) -> Interval:
    """An accuracy difference in percentage points."""
    return replace(interval, estimate=interval.estimate * 100, low=interval.low * 100, high=interval.high * 100)


def permutation_cost(architecture: pd.DataFrame) -> Estimate:
    """The CNN's test accuracy lost to the permutation, paired by seed; the MLP's as control."""
    costs = permutation_costs(architecture)

    def cost(model: str) -> Interval:
        accuracy = costs[model]
        return in_points(paired_difference(accuracy["original"].to_numpy(), accuracy["permuted"].to_numpy()))

    return Estimate(cost("cnn"), control=cost("mlp"))


def small_batch_advantage(sgd: pd.DataFrame) -> Estimate:
    """Smallest batch minus full batch for as many steps, test accuracy paired by seed; the same
    difference in train accuracy as control (what under-training would explain)."""
    roles = sgd_roles(sgd)

    def difference(split: str) -> Interval:
        finals = sgd_finals(sgd, split)
        return in_points(paired_difference(finals[roles["small"]].to_numpy(), finals[roles["full"]].to_numpy()))

    batch = int(sgd.loc[sgd["job"] == roles["small"], "batch_size"].iloc[0])
    return Estimate(difference("test"), control=difference("train"), slots={"batch": batch})


def recovered_fraction(form: str):
    """(regularized - full batch) / (small batch - full batch), Fieller's interval; the control is
    regularized minus small batch (0: all of the advantage recovered)."""

    def estimate(sgd: pd.DataFrame) -> Estimate:
        roles, test = sgd_roles(sgd), sgd_finals(sgd)
        small, full, regularized = (test[roles[role]].to_numpy() for role in ("small", "full", form))
        fraction = ratio_interval(regularized - full, small - full)
        gap = in_points(paired_difference(regularized, small))
        gain = in_points(paired_difference(regularized, full))
        whole = "contains" if fraction.contains(1.0) else "excludes"
        slots = {"gain": gain.estimate, "gain_low": gain.low, "gain_high": gain.high, "whole": whole}
        return Estimate(fraction, control=gap, slots=slots)

    return estimate


def exponent(axis: str, reference_width: int):
    """The per-seed slope of log kernel change against log ``axis``; the parameters' as control."""

    def estimate(kernel: pd.DataFrame) -> Estimate:
        change = kernel_axes(kernel, "kernel_change", reference_width)[axis]
        parameters = kernel_axes(kernel, "parameter_change", reference_width)[axis]
        slope, _ = slope_interval(change, axis)
        points = sorted(change[axis].unique())
        theory = "contains" if slope.contains(THEORY[axis][0]) else "excludes"
        bound = "contains" if slope.contains(BOUND) else "excludes"
        local = [
            slope_interval(change[change[axis].isin(pair)], axis)[0].estimate for pair in zip(points[:-1], points[1:])
        ]
        local = ", ".join(f"{value:.2f}" for value in local)
        slots = {"first": points[0], "last": points[-1], "theory": theory, "bound": bound, "local": local}
        return Estimate(slope, control=slope_interval(parameters, axis)[0], slots=slots)

    return estimate


def findings(section: dict) -> list[Finding]:
    """The findings of the parts a config section trains."""
    found = []
    architecture = section["architecture"]
    if {"mlp", "cnn"} <= set(architecture["models"]) and {"original", "permuted"} <= set(architecture["orders"]):
        found.append(
            Finding(
                name="cnn_permutation_cost",
                question="How much test accuracy does the CNN lose when the input positions are permuted?",
                tables=("architecture",),
                estimate=permutation_cost,
                sentence=(
                    "Permuting the input positions costs the CNN {estimate:.1f} points of test accuracy "
                    "(95% CI {low:.1f} to {high:.1f}, {method} over {n_units} {units}); the MLP, to which "
                    "a permutation is invisible up to initialization and order, "
                    "{control_estimate:+.1f} ({control_low:+.1f} to {control_high:+.1f})"
                ),
                control="the MLP's permutation cost (0 in expectation)",
                paper=("above", "Greydanus 2020"),
            )
        )
    sgd = section["sgd"]
    if len(sgd["batch_sizes"]) and min(sgd["batch_sizes"]) < sgd["train_examples"]:
        found.append(
            Finding(
                name="small_batch_advantage",
                question="At equal steps and learning rate, how much more test accuracy does the smallest batch reach?",
                tables=("sgd",),
                estimate=small_batch_advantage,
                sentence=(
                    "Batch {batch} beats full batch trained as many steps by {estimate:.1f} points of test accuracy "
                    "(95% CI {low:.1f} to {high:.1f}, {method} over {n_units} {units}); train accuracy differs "
                    "by {control_estimate:+.1f} ({control_low:+.1f} to {control_high:+.1f})"
                ),
                control="the same difference in train accuracy",
                paper=("above", "Smith et al. 2021"),
            )
        )
        for form in sgd["regularizers"]:
            found.append(
                Finding(
                    name=f"recovered_fraction_{form}",
                    question=f"How much of the small-batch advantage does full batch recover with {FORMS[form]}?",
                    tables=("sgd",),
                    estimate=recovered_fraction(form),
                    sentence=(
                        f"Full batch with {FORMS[form]} "
                        "recovers {estimate:.0%} of the small-batch advantage (95% CI {low:.0%} to {high:.0%}, "
                        "{method} over {n_units} {units}; the interval {whole} 100%): {gain:+.1f} points over "
                        "plain full batch ({gain_low:+.1f} to {gain_high:+.1f}), {control_estimate:+.1f} "
                        "from the small batch ({control_low:+.1f} to {control_high:+.1f})"
                    ),
                    control="regularized minus small batch, test accuracy points (0: all of the advantage)",
                    paper=("above", "Smith et al. 2021"),
                )
            )
    kernel = section["kernel"]
    axes = {"width": len(kernel["widths"]), "alpha": len({1.0, *map(float, kernel["alphas"])})}
    for axis, points in axes.items():
        if points < 2:
            continue
        exponent_value, source = THEORY[axis]
        bound = f"; it {{bound}} the {BOUND:g} of the O(1/sqrt(width)) bound (Lee et al. 2019)"
        bound = bound if axis == "width" else ""
        found.append(
            Finding(
                name=f"kernel_change_exponent_{axis}",
                question=(
                    f"Does the tangent kernel's relative change fall as {axis}^{exponent_value:g}, the {source} "
                    "(verdict 'effect': the exponent differs from it)?"
                ),
                tables=("kernel",),
                estimate=exponent(axis, kernel["reference_width"]),
                sentence=(
                    f"The kernel's relative change scales as {axis}^" + "{estimate:.2f} over " + axis + " "
                    "{first:g}-{last:g} (95% CI {low:.2f} to {high:.2f}, {method} over {n_units} {units}; "
                    f"it {{theory}} the {exponent_value:g} of the {source}{bound}); "
                    "the parameters' relative change as " + axis + "^{control_estimate:.2f} "
                    "({control_low:.2f} to {control_high:.2f}); the kernel's slope between neighbouring "
                    + axis
                    + "s: {local}"
                ),
                control="the parameters' relative change, same runs",
                null=exponent_value,
                paper=("equal", source),
            )
        )
    return found
