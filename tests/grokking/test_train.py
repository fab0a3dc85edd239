"""Tiny Lightning runs of the grokking study (seconds each)."""

import json
from types import SimpleNamespace

import pandas as pd
import pytest
import torch
from torch.utils.data import DataLoader

import phenomena.grokking.train as grokking_train
from phenomena.common.config import load_config
from phenomena.common.lightning import StepTicks
from phenomena.common.manual_steps import steps_to_evaluation
from phenomena.common.tables import check_tidy
from phenomena.grokking.data import make_dataset
from phenomena.grokking.metrics import summarize_run
from phenomena.grokking.models import load_snapshots
from phenomena.grokking.module import GrokkingModule, dense_evaluation_steps
from phenomena.grokking.runs import GrokkingRun, resolved_settings
from phenomena.grokking.train import snapshot_steps, train_run


def tiny_settings(repo, run: GrokkingRun, **training) -> dict:
    study = load_config(repo / "config/config.yaml")["grokking"]
    study["modulus"] = run.modulus
    study["model"]["mlp"] = {"d_embed": 32, "d_hidden": 128}
    study["optimizer"]["lr"] = 0.01
    study["training"].update({"max_steps": 200, "eval_every": 20, "checkpoint_every": 60, **training})
    return resolved_settings(study, run)


def train(repo, tmp_path, run, name="run", **training) -> pd.DataFrame:
    data = tmp_path / f"{run.dataset_name}.pt"
    if not data.exists():
        make_dataset(run.operation, run.modulus, run.train_fraction, run.seed).save(data)
    return train_run(tiny_settings(repo, run, **training), data, tmp_path / name)


def test_tiny_run_fits_its_training_set(repo, tmp_path):
    run = GrokkingRun("add", 13, 0.5, 1.0, "adamw", 0)
    curves = train(repo, tmp_path, run)
    check_tidy(curves)
    assert summarize_run(curves)["final_train_accuracy"] == 1.0
    evaluated = set(range(20, 201, 20)) | set(dense_evaluation_steps(200, 20, 0.05))
    assert sorted(curves["step"].unique()) == sorted(evaluated)
    assert set(curves["metric"]) == {"loss", "accuracy", "weight_norm", "update_norm"}
    assert (curves.loc[curves["metric"] == "update_norm", "value"] > 0).all()
    meta = json.loads((tmp_path / "run" / "meta.json").read_text())
    assert meta["seed"] == 0 and meta["steps"] == 200 and meta["wall_time_s"] > 0
    assert {"git_commit", "packages", "device", "config"} <= set(meta)
    assert (tmp_path / "run" / "history.parquet").exists()
    model, snapshots = load_snapshots(tmp_path / "run" / "snapshots.pt")
    expected = set(snapshot_steps(200, 20, **tiny_settings(repo, run)["training"]["snapshots"])) | {200}
    assert set(snapshots) == expected and 200 in snapshots
    model.load_state_dict(snapshots[200])  # the architecture of the run


def test_a_run_budget_stops_it_early_at_the_snapshot_steps_of_the_study_budget(repo, tmp_path):
    """A memorizing control with its own ``max_steps`` is measured at the same snapshot steps as
    the runs it controls (the schedule of ``training.max_steps``), up to its budget."""
    run = GrokkingRun("add", 13, 0.5, 0.0, "adamw", 0, max_steps=100)
    curves = train(repo, tmp_path, run)
    assert curves["step"].max() == 100
    _, snapshots = load_snapshots(tmp_path / "run" / "snapshots.pt")
    study_steps = snapshot_steps(200, 20, **tiny_settings(repo, run)["training"]["snapshots"])
    assert set(snapshots) == {step for step in study_steps if step <= 100} | {100}


def test_snapshot_steps_are_log_spaced_evaluations():
    steps = snapshot_steps(4000, 25, count=24, spacing="log")
    assert steps[0] == 25 and steps[-1] == 4000
    assert all(step % 25 == 0 for step in steps) and steps == sorted(set(steps))
    gaps = [b - a for a, b in zip(steps, steps[1:])]
    assert gaps[-1] >= 10 * gaps[0]  # dense early, sparse late
    assert snapshot_steps(1000, 100, count=4, spacing="linear") == [100, 400, 700, 1000]
    assert snapshot_steps(100, 25, count=24, spacing="log") == [25, 50, 75, 100]  # rounding merges steps


def test_dense_evaluations_resolve_every_step_within_the_resolution():
    steps = dense_evaluation_steps(4000, 25, 0.05)
    evaluated = sorted(set(steps) | set(range(25, 4001, 25)))
    assert evaluated[:20] == list(range(1, 21))  # every step at first
    assert all(b - a <= max(1, 0.05 * b) for a, b in zip(evaluated, evaluated[1:]))
    assert 50 < len(steps) < 120  # dense only early: a few dozen extra evaluations
    assert dense_evaluation_steps(4000, 25, None) == []


def test_early_fit_is_resolved_within_ten_percent(repo, tmp_path):
    run = GrokkingRun("add", 13, 0.5, 1.0, "adamw", 0)
    summary = summarize_run(train(repo, tmp_path, run, eval_resolution=0.05))
    fitted, before = summary["steps_to_train_99"], summary["steps_to_train_99_previous"]
    assert fitted - before <= max(1, 0.1 * fitted), summary


@pytest.mark.parametrize("optimizer", ["adamw", "grokfast", "grokfast_adam"])
def test_resumed_run_equals_uninterrupted_run(repo, tmp_path, optimizer):
    run = GrokkingRun("add", 13, 0.5, 1.0, optimizer, 1)
    whole = train(repo, tmp_path, run, name="whole")
    train(repo, tmp_path, run, name="resumed", max_steps=120)  # as if stopped after step 120
    resumed = train(repo, tmp_path, run, name="resumed")
    pd.testing.assert_frame_equal(whole, resumed)
    _, whole_snapshots = load_snapshots(tmp_path / "whole" / "snapshots.pt")
    _, resumed_snapshots = load_snapshots(tmp_path / "resumed" / "snapshots.pt")
    assert list(whole_snapshots) == list(resumed_snapshots)
    for step, state in whole_snapshots.items():
        for name, tensor in state.items():
            torch.testing.assert_close(resumed_snapshots[step][name], tensor, rtol=0, atol=0)


def test_checkpoint_of_other_settings_is_not_reused(repo, tmp_path):
    run = GrokkingRun("add", 13, 0.5, 1.0, "adamw", 2)
    fresh = train(repo, tmp_path, run, name="fresh", eval_every=30)
    train(repo, tmp_path, run, name="reused")  # leaves a checkpoint made with eval_every=20
    changed = train(repo, tmp_path, run, name="reused", eval_every=30)
    pd.testing.assert_frame_equal(fresh, changed)


@pytest.mark.slow
def test_tiny_run_groks_and_its_control_does_not(repo, tmp_path):
    """Addition mod 47 on half the pairs: fit first, generalize much later; never without weight decay."""
    budget = {"max_steps": 1200, "eval_every": 25, "checkpoint_every": 600}
    grokking = summarize_run(train(repo, tmp_path, GrokkingRun("add", 47, 0.5, 1.0, "adamw", 0), "wd1", **budget))
    control = summarize_run(train(repo, tmp_path, GrokkingRun("add", 47, 0.5, 0.0, "adamw", 0), "wd0", **budget))
    assert grokking["final_val_accuracy"] >= 0.99
    assert grokking["grokking_delay"] >= 5, grokking
    assert control["final_train_accuracy"] == 1.0
    assert control["final_val_accuracy"] < 0.95 and control["last_step"] == 1200


# The steps up to an evaluation in one Lightning training step: the same run as one Lightning step per
# optimizer step (automatic optimization, as the study trained before), whose checkpoints resume.


class AutomaticGrokkingModule(GrokkingModule):
    """The module as it trained before: one Lightning step (automatic optimization) per optimizer step."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.automatic_optimization = True

    def train_dataloader(self) -> DataLoader:
        return DataLoader(StepTicks(self.eval_every), batch_size=None)

    def training_step(self, batch, batch_index) -> torch.Tensor:
        return self.train_loss()

    def on_train_batch_end(self, outputs, batch, batch_index) -> None:
        self.record_step()

    def configure_optimizers(self):
        configured = super().configure_optimizers()
        schedule = {"scheduler": configured["lr_scheduler"], "interval": "step"}
        return {"optimizer": configured["optimizer"], "lr_scheduler": schedule}


def assert_same_snapshots(one, other) -> None:
    _, one_snapshots = load_snapshots(one / "snapshots.pt")
    _, other_snapshots = load_snapshots(other / "snapshots.pt")
    assert list(one_snapshots) == list(other_snapshots)
    for step, state in one_snapshots.items():
        assert all(torch.equal(other_snapshots[step][name], tensor) for name, tensor in state.items()), step


# grokfast: its filter and warm-up between the steps; eval_resolution: dense evaluations inside a training step
RUN = {"optimizer": "grokfast", "eval_resolution": 0.05}


@pytest.fixture
def automatic(monkeypatch):
    """Within it, train_run trains the module as it trained before."""
    monkeypatch.setattr(grokking_train, "GrokkingModule", AutomaticGrokkingModule)
    return monkeypatch


def test_several_steps_per_training_step_record_what_one_step_each_did(repo, tmp_path, automatic):
    run = GrokkingRun("add", 13, 0.5, 1.0, RUN["optimizer"], 1)
    before = train(repo, tmp_path, run, name="automatic", eval_resolution=RUN["eval_resolution"])
    automatic.undo()
    now = train(repo, tmp_path, run, name="manual", eval_resolution=RUN["eval_resolution"])
    assert now["step"].min() < 20  # dense evaluations inside the first training step
    pd.testing.assert_frame_equal(before, now, check_exact=True)
    assert_same_snapshots(tmp_path / "automatic", tmp_path / "manual")


def test_a_checkpoint_of_one_lightning_step_per_optimizer_step_resumes(repo, tmp_path, automatic):
    run = GrokkingRun("add", 13, 0.5, 1.0, RUN["optimizer"], 1)
    train(repo, tmp_path, run, name="resumed", max_steps=120, eval_resolution=RUN["eval_resolution"])
    automatic.undo()
    resumed = train(repo, tmp_path, run, name="resumed", eval_resolution=RUN["eval_resolution"])
    whole = train(repo, tmp_path, run, name="whole", eval_resolution=RUN["eval_resolution"])
    assert resumed["step"].max() == 200  # not the budget trained again from step 120
    pd.testing.assert_frame_equal(whole, resumed, check_exact=True)
    assert_same_snapshots(tmp_path / "whole", tmp_path / "resumed")


@pytest.mark.parametrize(
    ("step", "max_steps", "expected"), [(0, 200, 20), (120, 200, 20), (190, 200, 10), (10, 15, 5), (7, -1, 13)]
)
def test_a_training_step_ends_at_the_next_evaluation_or_the_budget(step, max_steps, expected):
    trainer = SimpleNamespace(global_step=step, max_steps=max_steps)
    assert steps_to_evaluation(trainer, 20) == expected
