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
