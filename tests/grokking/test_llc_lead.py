"""The LLC's crossing of its geometric midpoint, and the lead over the jump with the control's."""

import math

import numpy as np
import pandas as pd
import pytest

from phenomena.grokking.llc_lead import geometric_crossing, llc_lead

STEPS = [25, 50, 100, 200, 400, 800, 1600]


def rows(run: str, values: list[float], weight_decay: float, seed: int = 0, steps=STEPS) -> list[dict]:
    columns = {"seed": seed, "operation": "add", "modulus": 97, "train_fraction": 0.3, "optimizer": "adamw"}
    return [
        {"run": run, "step": s, "metric": "llc", "value": v, "weight_decay": weight_decay, **columns}
        for s, v in zip(steps, values)
    ]


SUMMARY = pd.DataFrame({"run": ["grok"], "steps_to_val_95": [1000.0], "steps_to_train_99": [40.0]})


def test_the_crossing_is_the_geometric_midpoint_interpolated_in_log_log():
    values = [300.0, 900.0, 700.0, 400.0, 60.0, 5.0, 1.0]  # max 900, last 1: midpoint 30
    row = geometric_crossing(np.array(STEPS), np.array(values))
    assert row["llc_max_step"] == 50 and row["llc_midpoint"] == pytest.approx(30.0)
    assert row["llc_fall_decades"] == pytest.approx(math.log10(900))
    assert (row["llc_crossing_before"], row["llc_crossing_after"]) == (400, 800)  # 60 > 30 >= 5
    share = (math.log(60) - math.log(30)) / (math.log(60) - math.log(5))
    assert row["llc_crossing_step"] == pytest.approx(400 * 2**share)
    # the linear midpoint (450.5) would have put it at step 200: 4x earlier
    late = geometric_crossing(np.array(STEPS), np.array(values), start=2)  # the maximum once the set is fit
    assert late["llc_max_step"] == 100 and late["llc_midpoint"] == pytest.approx(math.sqrt(700))


def test_a_rising_llc_has_no_crossing():
    row = geometric_crossing(np.array(STEPS), np.array([1.0, 2, 3, 4, 5, 6, 7]))
    assert row["llc_max_step"] == 1600 and math.isnan(row["llc_crossing_step"]) and row["llc_fall_decades"] == 0


def test_lead_pairs_each_run_with_its_memorizer_on_the_same_split():
    llc = pd.DataFrame(
        rows("grok", [300.0, 900.0, 700.0, 400.0, 60.0, 5.0, 1.0], 1.0)
        + rows("memo", [100.0, 1000.0, 1000.0, 800.0, 500.0, 400.0, 250.0], 0.0)  # midpoint 500: at step 400
        + rows("other_seed_memo", [1.0, 1, 1, 1, 1, 1, 1], 0.0, seed=1)
        + rows("last_only", [3.0], 1.0, steps=[1600])
    )
    summary = pd.DataFrame(
        {
            "run": ["grok", "memo", "other_seed_memo", "last_only"],
            "steps_to_val_95": [1000.0, np.nan, np.nan, 500.0],
            "steps_to_train_99": [40.0, 40.0, 40.0, 40.0],
        }
    )
    lead = llc_lead(llc, summary).set_index("run")
    assert sorted(lead.index) == ["grok", "memo", "other_seed_memo"]  # a last-step LLC is no trajectory
    grok = lead.loc["grok"]
    assert grok["llc_max_step"] == 50 and grok["control_run"] == "memo"
    assert grok["llc_lead_ratio"] == pytest.approx(1000 / grok["llc_crossing_step"])
    assert grok["control_crossing_step"] == pytest.approx(400.0)  # exactly at a snapshot
    assert grok["control_lead_ratio"] == pytest.approx(2.5)
    assert grok["control_fall_decades"] == pytest.approx(math.log10(4))
    assert lead.loc["memo", "control_run"] == "" and math.isnan(lead.loc["memo", "llc_lead_ratio"])


def sampled_losses(run: str, losses: list[float]) -> list[dict]:
    """The ``llc_sampled_loss`` rows of ``run`` (modulus 97: chance is log 97 = 4.57)."""
    return [dict(row, metric="llc_sampled_loss", value=loss) for row, loss in zip(rows(run, losses, 0.0), losses)]


def test_estimates_whose_chains_left_the_basin_are_left_out_and_counted():
    # the memorizer's spike at step 800 was sampled at a loss worse than chance: its LLC is the excursion's
    memo = [100.0, 1000.0, 1000.0, 800.0, 500.0, 4000.0, 250.0]
    llc = pd.DataFrame(
        rows("memo", memo, 0.0)
        + sampled_losses("memo", [0.5, 1.0, 1.0, 1.0, 1.0, 11.0, 0.5])
        + rows("lost", [5.0, 6.0, 7.0], 0.0, seed=1, steps=[25, 50, 100])
        + sampled_losses("lost", [9.0, 9.0, 9.0])
    )
    summary = pd.DataFrame({"run": ["memo", "lost"], "steps_to_val_95": [np.nan] * 2, "steps_to_train_99": [40.0] * 2})
    lead = llc_lead(llc, summary).set_index("run")
    memo_row = lead.loc["memo"]
    assert (memo_row["llc_snapshots"], memo_row["llc_left_basin"]) == (7, 1)
    assert memo_row["llc_max"] == 1000 and memo_row["llc_final"] == 250  # not the spike of 4000
    assert memo_row["llc_fall_decades"] == pytest.approx(math.log10(4))
    lost = lead.loc["lost"]  # nothing left to measure: a row that says so
    assert (lost["llc_snapshots"], lost["llc_left_basin"]) == (3, 3) and math.isnan(lost["llc_fall_decades"])
    assert lost["seed"] == 1


def test_estimates_without_a_sampled_loss_count_as_in_the_basin():
    lead = llc_lead(pd.DataFrame(rows("grok", [300.0, 900.0, 700.0, 400.0, 60.0, 5.0, 1.0], 1.0)), SUMMARY)
    assert lead.iloc[0]["llc_left_basin"] == 0 and lead.iloc[0]["llc_max"] == 900
