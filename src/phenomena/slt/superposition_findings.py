"""The toy model's finding: do the LLC's changes fall where the loss drops (Chen et al. 2023)?

The detector (:func:`phenomena.slt.superposition.coincidence`), per seed on its snapshots: an
interval between consecutive snapshots is a loss drop when the training loss falls by at least
``detector.loss_drop`` across it; the LLC's enrichment is the share of its total change that
falls in drop intervals over the share of intervals that are drops (1: no coincidence). Units:
training seeds; a t-interval on log enrichments (:func:`geometric_mean_interval`). The control is
the same enrichment of the weight norm |W|_F: a change the LLC would share with any measure of
the weights.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phenomena.common.findings import Estimate, Finding
from phenomena.common.stats import geometric_mean_interval
from phenomena.slt.superposition import LOSS_DROP, coincidence


def per_seed_coincidence(superposition_llc: pd.DataFrame, fall: float = LOSS_DROP) -> pd.DataFrame:
    """The detector's numbers of every seed (one row each)."""
    rows = []
    for seed, run in superposition_llc.sort_values("step").groupby("seed"):
        found = coincidence(run["step"], run["loss"], run["llc"], run["weight_norm"], fall)
        rows.append({"seed": seed, **found})
    return pd.DataFrame(rows)


def llc_at_loss_drops(superposition_llc: pd.DataFrame, fall: float = LOSS_DROP) -> Estimate:
    """The LLC's enrichment in loss-drop intervals (geometric mean over the seeds that have a drop),
    against the weight norm's."""
    seeds = per_seed_coincidence(superposition_llc, fall)
    usable = seeds[np.isfinite(seeds["llc_enrichment"]) & (seeds["llc_enrichment"] > 0)]
    interval = geometric_mean_interval(usable["llc_enrichment"], units="seeds with a loss drop")
    controls = usable[np.isfinite(usable["control_enrichment"]) & (usable["control_enrichment"] > 0)]
    control = geometric_mean_interval(controls["control_enrichment"], units="seeds with a loss drop")
    slots = {
        "seeds": len(seeds),
        "fall": fall,
        "drops": int(seeds["drop_intervals"].sum()),
        "intervals": int(seeds["intervals"].sum()),
        "rising": float(np.nanmean(usable["llc_rising_share"])) if len(usable) else np.nan,
        "per_seed": ", ".join(f"{value:.2f}" for value in seeds["llc_enrichment"]),
        "left_basin": int((superposition_llc["sampled_loss"] >= superposition_llc["zero_loss"]).sum())
        if "sampled_loss" in superposition_llc
        else 0,
        "estimates": len(superposition_llc),
    }
    return Estimate(interval, control=control, slots=slots)


def superposition_findings(section: dict) -> list[Finding]:
    fall = section["superposition"]["detector"]["loss_drop"]
    return [
        Finding(
            name="llc_changes_at_loss_drops",
            question=(
                "In the toy model of superposition, do the LLC's changes fall where the training loss drops "
                "(a phase transition between k-gons)?"
            ),
            tables=("superposition_llc",),
            estimate=lambda superposition_llc: llc_at_loss_drops(superposition_llc, fall),
            sentence=(
                "{drops} of {intervals} snapshot intervals over {seeds} seeds are loss drops (the loss falls by "
                ">= {fall:.0%}); they hold {estimate:.2f}x their share of the LLC's change "
                "(95% CI {low:.2f}-{high:.2f}x, "
                "{method} over {n_units} {units}; per seed {per_seed}); the LLC rises in {rising:.0%} of them; the "
                "weight norm's changes: {control_estimate:.2f}x ({control_low:.2f}-{control_high:.2f}x). Chains "
                "above the loss of the zero network: {left_basin} of {estimates} estimates"
            ),
            control="the weight norm |W|_F on the same intervals",
            null=1.0,
            paper=("above", "Chen et al. 2023"),
        )
    ]
