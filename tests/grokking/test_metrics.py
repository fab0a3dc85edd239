import math

import pandas as pd
import pytest

from phenomena.grokking.metrics import summarize, summarize_run


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
    assert summary.loc["grokfast_seed0", "speedup_exact"] and not summary.loc["grokfast_seed2", "speedup_exact"]
    row = summary.loc["grokfast_seed1"]
    # over the seeds where both got there (2.0, 2.0): a t-interval on the log ratios, here of width 0
    assert row["speedup_geomean"] == pytest.approx(2.0) and row["speedup_seeds"] == 2
    assert row["speedup_censored"] == 1
    assert row["speedup_low"] == pytest.approx(2.0) and row["speedup_high"] == pytest.approx(2.0)


def test_speedup_interval_is_the_t_interval_on_log_ratios():
    adamw = {0: 400, 1: 600, 2: 800}
    grokfast = {0: 200, 1: 400, 2: 200}  # ratios 2, 1.5, 4
    curves = pd.concat(
        [optimizer_run("adamw", s, g) for s, g in adamw.items()]
        + [optimizer_run("grokfast", s, g) for s, g in grokfast.items()]
    )
    row = summarize(curves).set_index("run").loc["grokfast_seed0"]
    logs = [math.log(2.0), math.log(1.5), math.log(4.0)]
    mean = sum(logs) / 3
    half = 4.302653 * (sum((x - mean) ** 2 for x in logs) / 2) ** 0.5 / 3**0.5  # t(0.975, 2 df)
    assert row["speedup_geomean"] == pytest.approx(math.exp(mean))
    assert row["speedup_low"] == pytest.approx(math.exp(mean - half), rel=1e-5)
    assert row["speedup_high"] == pytest.approx(math.exp(mean + half), rel=1e-5)
