"""The estimators of the grokking study's LLC findings (``metrics/llc_lead``, made by
:mod:`phenomena.grokking.llc_lead`; declared in :mod:`.findings`)."""

from __future__ import annotations

import pandas as pd

from phenomena.common.findings import Estimate
from phenomena.common.stats import geometric_mean_interval, mean_interval, paired_difference
from phenomena.grokking.findings_steps import STEPS, describe


def controlled_runs(llc_lead: pd.DataFrame) -> pd.DataFrame:
    """The grokking runs that have a memorizing control (an empty table where none has)."""
    return llc_lead[llc_lead["control_run"].astype(str) != ""] if "control_run" in llc_lead else llc_lead[:0]


def left_basin(llc_lead: pd.DataFrame) -> str:
    """'k of n': the trajectories' LLC estimates left out because their chains left the basin
    (:func:`phenomena.grokking.llc_lead.in_basin`), of all their estimates."""
    if "llc_left_basin" not in llc_lead:
        return "not checked"
    return f"{int(llc_lead['llc_left_basin'].sum())} of {int(llc_lead['llc_snapshots'].sum())}"


def llc_lead_estimate(llc_lead: pd.DataFrame) -> Estimate:
    """Steps to 95% over the LLC's geometric-midpoint crossing, per grokking run; control: the same
    steps over its memorizing control's crossing (:mod:`phenomena.grokking.llc_lead`)."""
    runs = controlled_runs(llc_lead)
    own = runs["llc_lead_ratio"].dropna().to_numpy()
    interval = geometric_mean_interval(own[own > 0])
    controlled = runs["control_lead_ratio"].dropna().to_numpy()
    control = geometric_mean_interval(controlled[controlled > 0])
    slots = {
        "crossings": f"{' / '.join(f'{s:,.0f}' for s in runs['llc_crossing_step'])}",
        "jumps": f"{' / '.join(f'{s:,.0f}' for s in runs[STEPS])}",
        "control_crossings": f"{' / '.join(f'{s:,.0f}' for s in runs['control_crossing_step'])}",
        "control_text": describe(control), "runs": len(runs), "controls": len(controlled),
        "left_basin": left_basin(llc_lead),
    }  # fmt: skip
    return Estimate(interval, control, slots=slots)


def llc_fall_estimate(llc_lead: pd.DataFrame) -> Estimate:
    """Decades the LLC falls from its maximum to its last snapshot: grokking run minus its memorizing
    control (paired t over seeds); control: the memorizers' own fall."""
    runs = controlled_runs(llc_lead)
    runs = runs.dropna(subset=["llc_fall_decades", "control_fall_decades"])
    interval = paired_difference(runs["llc_fall_decades"], runs["control_fall_decades"])
    control = mean_interval(runs["control_fall_decades"])
    slots = {"run_fall": mean_interval(runs["llc_fall_decades"]).estimate, "left_basin": left_basin(llc_lead)}
    return Estimate(interval, control, slots=slots)
