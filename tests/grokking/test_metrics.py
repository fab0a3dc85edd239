import math

import pandas as pd
import pytest

from phenomena.grokking.metrics import llc_lead, summarize, summarize_run


def synthetic_run(run: str, train: list[float], val: list[float], every: int = 100) -> pd.DataFrame:
    rows = []
    for index, (t, v) in enumerate(zip(train, val)):
        step = (index + 1) * every
        rows += [
            {
                "run": run,
                "seed": 0,
                "train_fraction": 0.3,
                "step": step,
                "split": "train",
                "metric": "accuracy",
                "value": t,
            },
            {
                "run": run,
                "seed": 0,
                "train_fraction": 0.3,
                "step": step,
                "split": "val",
                "metric": "accuracy",
                "value": v,
            },
            {
                "run": run,
                "seed": 0,
                "train_fraction": 0.3,
                "step": step,
                "split": "train",
                "metric": "loss",
                "value": 9.0,
            },
        ]
    return pd.DataFrame(rows)


def test_grokking_run_summary():
    curves = synthetic_run("g", train=[0.5, 0.995, 1, 1, 1, 1, 1, 1], val=[0, 0, 0.1, 0.2, 0.96, 0.97, 0.995, 1])
    summary = summarize_run(curves)
    assert summary["steps_to_train_99"] == 200
    assert summary["steps_to_val_95"] == 500
    assert summary["steps_to_val_99"] == 700
    assert summary["grokking_delay"] == pytest.approx(2.5)
    assert summary["final_val_accuracy"] == 1.0
    assert summary["last_step"] == 800


def test_run_that_never_generalizes_has_empty_steps():
    summary = summarize_run(synthetic_run("m", train=[1, 1, 1], val=[0.1, 0.2, 0.3]))
    assert summary["steps_to_train_99"] == 100
    assert math.isnan(summary["steps_to_val_95"]) and math.isnan(summary["grokking_delay"])


def test_summary_has_one_row_per_run_with_sweep_columns():
    curves = pd.concat([synthetic_run("a", [1, 1], [0, 1]), synthetic_run("b", [1, 1], [0, 0])])
    table = summarize(curves)
    assert list(table["run"]) == ["a", "b"]
    assert "train_fraction" in table.columns
    assert table.set_index("run").loc["a", "steps_to_val_95"] == 200


def optimizer_run(optimizer: str, seed: int, generalizes_at: int | None, budget: int = 1000) -> pd.DataFrame:
    """Curves of one run evaluated every 100 steps that reaches 100% validation at ``generalizes_at``."""
    steps = range(100, budget + 1, 100)
    val = [1.0 if generalizes_at is not None and step >= generalizes_at else 0.0 for step in steps]
    curves = synthetic_run(f"{optimizer}_seed{seed}", train=[1.0] * len(val), val=val)
    return curves.assign(seed=seed, operation="add", modulus=97, weight_decay=1.0, optimizer=optimizer)


def test_speedups_pair_each_run_with_adamw_on_its_seed():
    adamw = {0: 400, 1: 600, 2: 800}
    grokfast = {0: 200, 1: 300, 2: None}  # seed 2 never generalizes within 1,000 steps
    curves = pd.concat(
        [optimizer_run("adamw", s, g) for s, g in adamw.items()]
        + [optimizer_run("grokfast", s, g) for s, g in grokfast.items()]
    )
    summary = summarize(curves).set_index("run")
    assert summary.loc["grokfast_seed0", "speedup_vs_adamw"] == pytest.approx(2.0)
    assert summary.loc["grokfast_seed2", "speedup_vs_adamw"] == pytest.approx(0.8)  # at its budget: an upper bound
    assert not summary.loc["grokfast_seed2", "generalized"] and summary.loc["grokfast_seed0", "generalized"]
    assert summary.loc["adamw_seed1", "speedup_vs_adamw"] == 1.0
    row = summary.loc["grokfast_seed1"]
    assert row["speedup_geomean"] == pytest.approx((2.0 * 2.0 * 0.8) ** (1 / 3))
    assert row["speedup_low"] <= row["speedup_geomean"] <= row["speedup_high"]
    assert row["speedup_low"] >= 0.8 and row["speedup_high"] <= 2.0 and row["speedup_seeds"] == 3
    again = summarize(curves).set_index("run")
    assert again.loc["grokfast_seed1", "speedup_low"] == row["speedup_low"]  # a seeded bootstrap


def test_llc_lead_is_the_step_of_the_half_fall_before_the_jump():
    steps = [25, 50, 100, 200, 400, 800, 1600]
    values = [300.0, 900.0, 700.0, 400.0, 60.0, 5.0, 1.0]  # peak 900 at 50; half way to 1: 450.5, first at 200
    columns = {"seed": 0, "train_fraction": 0.3, "weight_decay": 1.0, "optimizer": "adamw"}
    llc = pd.DataFrame(
        [{"run": "r", "step": s, "metric": "llc", "value": v, **columns} for s, v in zip(steps, values)]
        + [{"run": "last_only", "step": 1600, "metric": "llc", "value": 3.0, **columns}]
    )
    summary = pd.DataFrame({"run": ["r", "last_only"], "steps_to_val_95": [1000.0, 500.0]})
    lead = llc_lead(llc, summary).set_index("run")
    assert list(lead.index) == ["r"]  # a run measured at its last step only has no trajectory
    assert lead.loc["r", "llc_peak_step"] == 50 and lead.loc["r", "llc_half_fall_step"] == 200
    assert lead.loc["r", "llc_half_fall_previous"] == 100
    assert lead.loc["r", "llc_lead_steps"] == 800 and lead.loc["r", "llc_lead_ratio"] == 5.0
