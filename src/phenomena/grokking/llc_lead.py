"""How far the LLC's fall leads the validation jump, and the same fall in the memorizing control
(pandas only: the LLC figure's job imports it without torch).

The LLC of a grokking run falls over two to three decades, so its "half-way" point is taken on
a log scale. Per run with an LLC trajectory (more than two snapshots):

- ``llc_max``: the largest LLC over the snapshots at which the network has fit its training
  set (from the first evaluation at 99% training accuracy on, ``steps_to_train_99`` of the
  summary; every snapshot when the run never got there): the LLC is defined at a minimum of
  the training loss, which the first snapshots (training loss ~1) are not.
- ``llc_final``: the LLC at the last snapshot.
- ``llc_midpoint``: their geometric mean sqrt(llc_max * llc_final), half way on a log scale.
- ``llc_crossing_step``: where the LLC first comes down to the midpoint after its maximum,
  interpolated between the snapshot before (``llc_crossing_before``) and the first at or below
  it (``llc_crossing_after``) linearly in log step against log LLC (scale-free on both axes);
  NaN when there is no fall (the maximum is the last value) or when the maximum or the last
  LLC is not positive (no log scale).
- ``llc_fall_decades``: log10(llc_max / llc_final), how far it fell.
- ``llc_snapshots``: the run's LLC estimates; ``llc_left_basin``: those left out of all of the
  above because their chains left the network's basin (sampled training loss at or above chance,
  log p: :func:`in_basin`): their LLC measures the sampler's excursion, not the solution.

A grokking run (AdamW with weight decay) gets ``llc_lead_ratio`` = steps to 95% validation
accuracy / its crossing step, and, from its memorizing control (the weight-decay-0 AdamW run
on the same split: operation, modulus, fraction and seed) where that control has a trajectory,
``control_run``, ``control_crossing_step``, ``control_fall_decades`` and ``control_lead_ratio``
= the run's steps to 95% / the control's crossing step: what the "lead" is when the LLC that
falls belongs to a network that never generalizes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SPLIT = ["operation", "modulus", "train_fraction", "seed"]
"""Runs that agree on these trained on one split (:attr:`GrokkingRun.dataset_name`)."""
IDENTITY = ["run", "seed", "operation", "modulus", "train_fraction", "weight_decay", "optimizer"]
BASELINE_OPTIMIZER = "adamw"  # as phenomena.grokking.runs (which this pandas-only module does not import)


NO_CROSSING = dict.fromkeys(
    [
        "llc_max_step",
        "llc_max",
        "llc_final",
        "llc_midpoint",
        "llc_fall_decades",
        "llc_crossing_step",
        "llc_crossing_before",
        "llc_crossing_after",
    ],
    float("nan"),
)
"""The columns of :func:`geometric_crossing`, all NaN: its start, and the row of a run none of whose
estimates can be used."""


def geometric_crossing(steps: np.ndarray, values: np.ndarray, start: int = 0) -> dict[str, float]:
    """The LLC's fall from its maximum (over ``values[start:]``) to its last value, on a log scale.

    Returns ``llc_max_step``, ``llc_max``, ``llc_final``, ``llc_midpoint``, ``llc_fall_decades``,
    ``llc_crossing_step`` (interpolated in log-log), ``llc_crossing_before`` and
    ``llc_crossing_after`` (the snapshots around it); the crossing NaN where there is none.
    """
    steps, values = np.asarray(steps, dtype=float), np.asarray(values, dtype=float)
    start = min(start, len(values) - 1)
    peak = start + int(np.nanargmax(values[start:]))
    high, final = values[peak], values[-1]
    positive = high > 0 and final > 0
    midpoint = float(np.sqrt(high * final)) if positive else float("nan")
    row = {
        **NO_CROSSING,  # the crossing NaN until one is found below
        "llc_max_step": float(steps[peak]),
        "llc_max": float(high),
        "llc_final": float(final),
        "llc_midpoint": midpoint,
        "llc_fall_decades": float(np.log10(high / final)) if positive else float("nan"),
    }
    below = np.flatnonzero(values[peak + 1 :] <= midpoint) if positive and high > final else []
    if len(below) == 0:
        return row
    after = peak + 1 + below[0]
    before = after - 1
    if values[after] > 0:
        log_values = np.log(values[[before, after]])
        share = (log_values[0] - np.log(midpoint)) / (log_values[0] - log_values[1])
    else:  # a noisy estimate at or below 0 has no log: half way between the snapshots (log step)
        share = 0.5
    log_steps = np.log(steps[[before, after]])
    row["llc_crossing_step"] = float(np.exp(log_steps[0] + share * (log_steps[1] - log_steps[0])))
    row["llc_crossing_before"], row["llc_crossing_after"] = float(steps[before]), float(steps[after])
    return row


def in_basin(llc: pd.DataFrame) -> pd.Series:
    """Whether each LLC estimate (``metric == "llc"`` rows) comes from chains that stayed in the
    network's basin: their sampled training loss (``llc_sampled_loss``) below log p, a uniform guess
    over the p residues. An estimate without a sampled loss (older tables) counts as in the basin."""
    estimates = llc[llc["metric"] == "llc"]
    sampled = llc[llc["metric"] == "llc_sampled_loss"].set_index(["run", "step"])["value"]
    keys = pd.MultiIndex.from_frame(estimates[["run", "step"]])
    loss = sampled.reindex(keys).to_numpy() if len(sampled) else np.full(len(estimates), np.nan)
    left = loss >= np.log(estimates["modulus"].to_numpy(dtype=float))
    return pd.Series(~left, index=estimates.index)


def crossings(llc: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """:func:`geometric_crossing` of every run with an LLC trajectory, with its steps to 95% validation,
    on the snapshots whose chains stayed in the basin (:func:`in_basin`)."""
    estimates = llc[llc["metric"] == "llc"]
    kept = estimates[in_basin(llc)]
    counts = estimates.groupby("run")["step"].nunique()
    by_run = summary.set_index("run")
    rows = []
    for run in counts[counts > 2].index:
        trajectory = kept[kept["run"] == run].sort_values("step")
        everything = estimates[estimates["run"] == run]
        identity = everything.iloc[0][[c for c in IDENTITY if c in everything.columns]].to_dict()
        jump = by_run["steps_to_val_95"].get(run, np.nan) if "steps_to_val_95" in by_run else np.nan
        counted = {"llc_snapshots": int(counts[run]), "llc_left_basin": int(counts[run]) - len(trajectory)}
        if len(trajectory) == 0:  # every estimate left the basin: nothing to measure
            rows.append({**identity, **NO_CROSSING, "steps_to_val_95": float(jump), **counted})
            continue
        steps, values = trajectory["step"].to_numpy(), trajectory["value"].to_numpy()
        fitted = by_run["steps_to_train_99"].get(run, np.nan) if "steps_to_train_99" in by_run else np.nan
        start = int(np.searchsorted(steps, fitted)) if np.isfinite(fitted) else 0
        crossing = geometric_crossing(steps, values, start)
        rows.append({**identity, **crossing, "steps_to_val_95": float(jump), **counted})
    return pd.DataFrame(rows)


def llc_lead(llc: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """One row per run with an LLC trajectory (the module's docstring), each grokking run with
    its memorizing control's crossing and both lead ratios."""
    table = crossings(llc, summary)
    if table.empty:
        return table
    table["llc_lead_ratio"] = table["steps_to_val_95"] / table["llc_crossing_step"]
    grokking = (table["optimizer"] == BASELINE_OPTIMIZER) & (table["weight_decay"] > 0)
    control = (table["optimizer"] == BASELINE_OPTIMIZER) & (table["weight_decay"] == 0)
    split = [c for c in SPLIT if c in table.columns]
    controls = table[control].sort_values("run").drop_duplicates(split).set_index(split)
    keys = pd.MultiIndex.from_frame(table[split]) if len(split) > 1 else table[split[0]]
    for column, source in (
        ("control_run", "run"),
        ("control_crossing_step", "llc_crossing_step"),
        ("control_fall_decades", "llc_fall_decades"),
    ):
        paired = controls[source].reindex(keys).to_numpy()
        table[column] = np.where(grokking, paired, None if column == "control_run" else np.nan)
    table["control_run"] = table["control_run"].fillna("").astype(str)
    table["control_crossing_step"] = table["control_crossing_step"].astype(float)
    table["control_fall_decades"] = table["control_fall_decades"].astype(float)
    table["control_lead_ratio"] = table["steps_to_val_95"] / table["control_crossing_step"]
    return table.sort_values("run", ignore_index=True)
