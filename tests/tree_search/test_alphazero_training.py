"""Tiny AlphaZero runs (seconds each): snapshots, curves, resume, and learning."""

import json

import pandas as pd
import pytest
import torch

from phenomena.common.config import load_config
from phenomena.common.tables import check_tidy
from phenomena.tree_search.module import AlphaZeroModule
from phenomena.tree_search.network import load_snapshot
from phenomena.tree_search.runs import plan_runs, resolved_settings
from phenomena.tree_search.train import snapshot_path, train_run


def tiny_settings(repo, **training) -> dict:
    study = load_config(repo / "config/config.yaml", repo / "config/smoke.yaml")["tree_search"]
    study["training"].update(training)
    return resolved_settings(study, next(iter(plan_runs(study).values())))


def test_tiny_run_writes_snapshots_curves_and_meta(repo, tmp_path):
    settings = tiny_settings(repo)
    curves = train_run(settings, tmp_path)
    check_tidy(curves)
    assert sorted(curves["step"].unique()) == [1, 2, 3, 4]
    assert {"policy_loss", "value_loss", "draws", "train_flops"} <= set(curves["metric"])
    assert settings["snapshots"] == [0, 2, 4]
    flops = []
    for iteration in settings["snapshots"]:
        net, record = load_snapshot(snapshot_path(tmp_path, iteration))
        assert record["iteration"] == iteration
        flops.append(record["train_flops"])
        logits, value = net(torch.zeros(3, 2, 4, 5))
        assert logits.shape == (3, 5) and value.shape == (3,)
    assert flops[0] == 0 < flops[1] < flops[2]
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["iterations"] == 4 and meta["seed"] == 0


def test_resumed_run_equals_uninterrupted_run(repo, tmp_path, monkeypatch):
    settings = tiny_settings(repo)
    whole = train_run(settings, tmp_path / "whole")
    original = AlphaZeroModule.on_train_epoch_start

    def killed_after_two(module):
        if module.counters["iterations"] == 2:
            raise RuntimeError("job killed")
        original(module)

    monkeypatch.setattr(AlphaZeroModule, "on_train_epoch_start", killed_after_two)
    with pytest.raises(RuntimeError, match="job killed"):
        train_run(settings, tmp_path / "resumed")
    monkeypatch.setattr(AlphaZeroModule, "on_train_epoch_start", original)
    resumed = train_run(settings, tmp_path / "resumed")
    pd.testing.assert_frame_equal(whole, resumed)
    for iteration in settings["snapshots"]:
        a = torch.load(snapshot_path(tmp_path / "whole", iteration), weights_only=True)["state_dict"]
        b = torch.load(snapshot_path(tmp_path / "resumed", iteration), weights_only=True)["state_dict"]
        assert all(torch.equal(a[k], b[k]) for k in a)
