"""Every grokking figure shows a run that never generalizes: at its budget, marked and counted."""

import importlib

import matplotlib
import numpy as np
import pandas as pd
import pytest

from phenomena.grokking.llc_lead import llc_lead
from phenomena.grokking.metrics import summarize
from phenomena.grokking.runs import GrokkingRun

matplotlib.use("Agg")

BUDGET = 1000
STEPS = [10, 20, 50, 100, 200, 400, 600, 800, 1000]
NEVER = GrokkingRun("add", 31, 0.3, 1.0, "adamw", 1)  # a grokking run that never generalizes


def run_rows(run: GrokkingRun, generalizes_at: int | None) -> list[dict]:
    """Tidy curves of one synthetic run: fits at step 20, generalizes at ``generalizes_at`` (or never)."""
    columns = {"study": "grokking", "run": run.name, "seed": run.seed, **run.sweep_columns()}
    rows = []
    for step in STEPS:
        val = 1.0 if generalizes_at is not None and step >= generalizes_at else 0.01
        values = {
            ("train", "accuracy"): 1.0 if step >= 20 else 0.5,
            ("val", "accuracy"): val,
            ("train", "loss"): 0.01,
            ("val", "loss"): 3.0 * (1 - val) + 0.01,
            ("model", "weight_norm"): 50.0 - 0.01 * step,
            ("optimizer", "update_norm"): 1.0 / step,
        }
        rows += [{**columns, "step": step, "split": s, "metric": m, "value": v} for (s, m), v in values.items()]
    return rows


def synthetic_study() -> dict[str, pd.DataFrame]:
    generalizing = {
        GrokkingRun("add", 31, 0.3, 1.0, "adamw", 0): 400,
        NEVER: None,
        GrokkingRun("add", 31, 0.5, 1.0, "adamw", 0): 200,
        GrokkingRun("add", 31, 0.3, 0.0, "adamw", 0): None,
        GrokkingRun("add", 31, 0.3, 0.0, "adamw", 1): None,
        GrokkingRun("add", 31, 0.3, 1.0, "grokfast", 0): 200,
        GrokkingRun("add", 31, 0.3, 1.0, "grokfast", 1): 600,
        GrokkingRun("add", 31, 0.3, 1.0, "adamw_step_control", 0): 100,
        GrokkingRun("add", 31, 0.3, 1.0, "adamw_step_control", 1): None,
        GrokkingRun("add", 31, 0.3, 0.005, "grokfast_adam", 0): 100,
        GrokkingRun("add", 31, 0.3, 0.005, "grokfast_adam", 1): 200,
        GrokkingRun("add", 31, 0.3, 0.005, "adam_l2", 0): None,
    }
    curves = pd.DataFrame([row for run, at in generalizing.items() for row in run_rows(run, at)])
    return {"curves": curves, "summary": summarize(curves), "progress": progress(), "llc": llc(generalizing)}


def progress() -> pd.DataFrame:
    """Progress rows of the two seeds at 0.3 with their controls."""
    rows = []
    for seed in (0, 1):
        run = GrokkingRun("add", 31, 0.3, 1.0, "adamw", seed)
        memorizer = GrokkingRun("add", 31, 0.3, 0.0, "adamw", seed)
        for control, number, measured, scale in (
            ("none", 0, run, 1.0), ("memorizer", 0, memorizer, 2.0), ("random_frequencies", 1, run, 3.0),
            ("permuted_residues", 1, run, 4.0),
        ):  # fmt: skip
            columns = {"study": "grokking", "run": run.name, "seed": seed, **run.sweep_columns()}
            extra = {"control": control, "frequency_set": number, "key_frequencies": "3 5"}
            extra["measured_run"] = measured.name
            for step in STEPS:
                for split, metric, value in (
                    *[(split, "restricted_loss", scale * 3.0 / step**0.5) for split in ("train", "val")],
                    ("train", "excluded_loss", 3.0), ("val", "excluded_loss", 3.0),
                    ("train", "loss", 0.01), ("val", "loss", 0.5), ("model", "effective_frequencies", 10.0 * scale),
                    ("model", "key_frequency_share", 0.5),
                ):  # fmt: skip
                    rows.append({**columns, **extra, "step": step, "split": split, "metric": metric, "value": value})
    return pd.DataFrame(rows)


def llc(runs: dict[GrokkingRun, int | None]) -> pd.DataFrame:
    """LLC at every step of the 0.3 AdamW runs (with weight decay and their memorizers), at the last
    step of the others."""
    rows = []
    for run in runs:
        trajectory = run.optimizer == "adamw" and run.train_fraction == 0.3
        for step in STEPS if trajectory else STEPS[-1:]:
            columns = {"study": "grokking", "run": run.name, "seed": run.seed, **run.sweep_columns(), "step": step}
            rows.append({**columns, "split": "train", "metric": "llc", "value": 100.0 / step})
            rows.append({**columns, "split": "train", "metric": "llc_std", "value": 1.0 / step})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    "name",
    [
        "accuracy", "steps_to_generalize", "weight_norm", "optimizers", "grokfast_repository", "progress", "llc",
        "llc_final",
    ],
)  # fmt: skip
def test_a_run_that_never_generalizes_is_drawn_marked_and_counted(name):
    tables = synthetic_study()
    summary = tables["summary"]
    assert not summary.set_index("run").loc[NEVER.name, "generalized"]
    module = importlib.import_module(f"phenomena.grokking.figures.{name}")
    extra = {"progress": tables["progress"]} if name == "progress" else {}
    extra = {"llc": tables["llc"]} if name.startswith("llc") else extra
    if name == "llc":
        extra["lead"] = llc_lead(tables["llc"], summary)
    figure = module.plot(tables["curves"], summary, **extra)
    texts = " | ".join(text.get_text() for text in figure.findobj(matplotlib.text.Text))
    assert f"never (>= {BUDGET:,} steps): " in texts, texts
    crosses = [
        collection.get_offsets()
        for collection in figure.findobj(matplotlib.collections.PathCollection)
        if collection.get_paths() and len(collection.get_offsets())
    ]
    if name in (
        "steps_to_generalize",
        "optimizers",
        "grokfast_repository",
    ):  # the never runs at the budget on the steps axis
        assert any(np.any(np.asarray(offsets)[:, 1] == BUDGET) for offsets in crosses)
    matplotlib.pyplot.close(figure)
