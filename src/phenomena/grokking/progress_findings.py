"""The findings of the progress measures (pandas only, no torch): when the restricted loss leaves
its random controls against the validation jump, on both splits, and how few Fourier frequencies
the grokked embedding uses against the same embedding with its residues permuted.

The units are the seeds of the grokking runs proper (AdamW with weight decay) at the train
fraction that has the most seeds (:func:`unit_runs`): one condition, seeds as the only
randomness. With 5 or fewer of them every interval is a t-interval (on log ratios).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from phenomena.common.findings import Estimate, Finding
from phenomena.common.stats import binomial_interval, geometric_mean_interval, mean_interval, no_interval
from phenomena.grokking.controls import DEPARTURE_FACTOR, RANDOM_BAND, departure_steps
from phenomena.grokking.runs import BASELINE_OPTIMIZER

SPLIT_NAMES = {"train": "training pairs", "val": "validation pairs"}


def unit_runs(progress: pd.DataFrame) -> pd.DataFrame:
    """The grokking runs (AdamW, weight decay > 0) at the train fraction with the most seeds
    (ties: the smallest fraction) that were measured beside their controls: run, seed,
    train_fraction, weight_decay; one row per seed."""
    controlled = progress.loc[progress["control"] != "none", "run"].unique()
    runs = progress[(progress["optimizer"] == BASELINE_OPTIMIZER) & (progress["weight_decay"] > 0)]
    runs = runs[runs["run"].isin(controlled)].drop_duplicates("run")
    if runs.empty:
        return runs[["run", "seed", "train_fraction", "weight_decay"]]
    counts = runs.groupby("train_fraction")["seed"].nunique()
    fraction = counts.index[counts.to_numpy() == counts.max()].min()
    chosen = runs[runs["train_fraction"] == fraction].sort_values("seed")
    return chosen[["run", "seed", "train_fraction", "weight_decay"]].reset_index(drop=True)


def departure_leads(
    progress: pd.DataFrame, summary: pd.DataFrame, split: str, factor: float = DEPARTURE_FACTOR
) -> pd.DataFrame:
    """For every run with random-frequency controls: ``departure`` (the first snapshot step from
    which its restricted loss on ``split`` stays below ``factor`` times all its random-frequency
    sets), ``grokking`` (its steps to 95% validation accuracy) and ``lead`` = grokking / departure
    (above 1: it departs before the jump); NaN where either is missing."""
    departure = departure_steps(progress, split=split, controls=RANDOM_BAND, factor=factor)
    grokking = summary.set_index("run")["steps_to_val_95"].astype(float).reindex(departure.index)
    frame = pd.DataFrame({"departure": departure, "grokking": grokking})
    frame["lead"] = frame["grokking"] / frame["departure"]
    return frame


def lead_interval(leads: pd.Series, units: str = "seeds"):
    """The geometric mean of the finite leads with its t-interval on logs (an estimate
    without interval below 2 seeds)."""
    finite = leads[np.isfinite(leads)]
    if len(finite) < 2:
        estimate = float(finite.iloc[0]) if len(finite) else np.nan
        return no_interval(estimate, units, len(finite), "fewer than 2 seeds with a departure and a jump")
    return geometric_mean_interval(finite.to_numpy(), units)


def placebo_departures(progress: pd.DataFrame, runs, split: str) -> pd.Series:
    """The departure detector on a placebo: each random-frequency set of each of ``runs`` taken
    as if it were the key set, against the run's other random sets; one departure step (NaN: none)
    per (run, set) that has a band."""
    rows = progress[
        (progress["metric"] == "restricted_loss") & (progress["split"] == split)
        & (progress["control"] == "random_frequencies") & progress["run"].isin(list(runs))
    ]  # fmt: skip
    placebos = []
    for number in sorted(rows["frequency_set"].unique()):
        placebo = rows.assign(run=rows["run"] + f"#{number}")
        placebos.append(
            placebo.assign(control=np.where(placebo["frequency_set"] == number, "none", "random_frequencies"))
        )
    if not placebos:
        return pd.Series(dtype=float)
    return departure_steps(pd.concat(placebos, ignore_index=True), split=split, factor=DEPARTURE_FACTOR)


def restricted_loss_lead(progress: pd.DataFrame, summary: pd.DataFrame, *, split: str) -> Estimate:
    """Steps to 95% validation accuracy over the restricted loss's departure from its random
    band on ``split``, per seed; geometric mean over the seeds of :func:`unit_runs`. The
    control's interval: how often the departure detector fires on a placebo
    (:func:`placebo_departures`), with its exact binomial interval."""
    units = unit_runs(progress)
    leads = departure_leads(progress, summary, split).reindex(units["run"])
    interval = lead_interval(leads["lead"])
    placebo = placebo_departures(progress, units["run"], split)
    control = binomial_interval(int(placebo.notna().sum()), len(placebo), "random sets of the seeds")
    edge = departure_steps(progress, split=split, controls=RANDOM_BAND).reindex(units["run"])
    slots = {
        "factor": DEPARTURE_FACTOR,
        "edge_departures": ", ".join(f"{d:,.0f}" if np.isfinite(d) else "never" for d in edge),
        "split_name": SPLIT_NAMES[split],
        "fraction": float(units["train_fraction"].iloc[0]) if len(units) else np.nan,
        "seeds": len(units),
        "missing": int(leads["lead"].isna().sum()),
        "departures": ", ".join(f"{d:,.0f}" if np.isfinite(d) else "never" for d in leads["departure"]),
        "jumps": ", ".join(f"{g:,.0f}" if np.isfinite(g) else "never" for g in leads["grokking"]),
        "placebos": len(placebo),
    }
    return Estimate(interval, control=control, slots=slots)


def final_effective_frequencies(progress: pd.DataFrame) -> pd.DataFrame:
    """Per run at its last snapshot: ``own`` effective number of embedding frequencies,
    ``permuted`` its mean over the residue permutations at the same step, ``ratio`` own / permuted."""
    rows = progress[progress["metric"] == "effective_frequencies"]
    own = rows[rows["control"] == "none"]
    last = own.loc[own.groupby("run")["step"].idxmax(), ["run", "step", "value"]].set_index(["run", "step"])["value"]
    permuted = rows[rows["control"] == "permuted_residues"].groupby(["run", "step"])["value"].mean()
    frame = pd.DataFrame({"own": last, "permuted": permuted.reindex(last.index)}).reset_index("step")
    frame["ratio"] = frame["own"] / frame["permuted"]
    return frame


def effective_frequencies_vs_permuted(progress: pd.DataFrame) -> Estimate:
    """Per seed, the grokked embedding's effective number of frequencies at its last snapshot
    over that of the same embedding with its residues permuted; geometric mean over seeds, with
    the permuted count as the control's interval and the run's own count as slots."""
    units = unit_runs(progress)
    final = final_effective_frequencies(progress).reindex(units["run"])
    ratios = final["ratio"].dropna()
    if len(ratios) < 2:
        interval = no_interval(ratios.mean() if len(ratios) else np.nan, "seeds", len(ratios), "fewer than 2 seeds")
    else:
        interval = geometric_mean_interval(ratios.to_numpy(), "seeds")
    own = mean_interval(final.loc[ratios.index, "own"].to_numpy(), "seeds")
    control = mean_interval(final.loc[ratios.index, "permuted"].to_numpy(), "seeds")
    slots = {
        "own": own.estimate,
        "own_low": own.low,
        "own_high": own.high,
        "fraction": float(units["train_fraction"].iloc[0]) if len(units) else np.nan,
    }
    return Estimate(interval, control=control, slots=slots)


LEAD_SENTENCE = (
    "The grokking runs (AdamW with weight decay, train fraction {fraction:g}) reach 95% validation accuracy "
    "{estimate:.2f}x as late as their restricted loss on the {split_name} falls for good below {factor:g}x the "
    "lowest of its random-frequency controls (95% CI {low:.2f}-{high:.2f}, {method} over {n_units} {units}; "
    "there at steps {departures}, 95% at {jumps}; below the controls' lower edge for good from steps "
    "{edge_departures}; {missing} of {seeds} seeds without both left out): {verdict}. Placebo: a random set against "
    "the run's other random sets departs so in {control_estimate:.0%} of {placebos} (95% CI "
    "{control_low:.0%}-{control_high:.0%})"
)


def progress_findings(section: dict) -> list[Finding]:
    """The progress measures' findings (to be listed among the grokking study's findings)."""
    del section  # the units come from the tables: the grokking runs measured beside their controls
    random_control = (
        "the restricted loss of the same run at random non-key frequency sets as large as its key set, "
        "on the same snapshots and pairs (the departure is from the lowest of them); control interval: the share of "
        "placebo departures (one random set against the others), exact binomial"
    )
    leads = [
        Finding(
            name=f"restricted_loss_lead_{split}",
            question=f"Does the restricted loss on the {SPLIT_NAMES[split]} leave its random-frequency controls "
            "before validation accuracy jumps, and how much earlier?",
            tables=("progress", "summary"),
            estimate=partial(restricted_loss_lead, split=split),
            sentence=LEAD_SENTENCE,
            control=random_control,
            null=1.0,
            paper=("above", "Nanda et al. 2023") if split == "train" else None,  # theirs is on the training pairs
        )
        for split in ("train", "val")
    ]
    sparsity = Finding(
        name="effective_frequencies_vs_permuted",
        question="How many Fourier frequencies does the grokked embedding use at the end of training, against "
        "the same embedding with its residues permuted?",
        tables=("progress",),
        estimate=effective_frequencies_vs_permuted,
        sentence=(
            "At its last snapshot the grokked embedding (train fraction {fraction:g}) effectively uses {own:.1f} "
            "Fourier frequencies (95% CI {own_low:.1f}-{own_high:.1f}) against {control_estimate:.1f} "
            "({control_low:.1f}-{control_high:.1f}) with its residues permuted: {estimate:.2f}x as many "
            "(95% CI {low:.2f}-{high:.2f}, {method} over {n_units} {units}): {verdict}"
        ),
        control="the same embedding at the same step with its residues relabelled at random (mean over permutations)",
        null=1.0,
        paper=("below", "Nanda et al. 2023"),
    )
    return [*leads, sparsity]
