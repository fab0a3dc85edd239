"""Every training of every study, killed after its first checkpoint and rerun, ends as the uninterrupted run.

Each case trains a tiny run of one study into a fresh directory; the test then trains it
again, kills it at the start of the first epoch after a checkpoint was written (as a killed
job would stop), reruns it, and compares what both runs wrote: the history, ``meta.json``'s
step count, and the study's own files (snapshots, weights) tensor by tensor.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import torch
from pytorch_lightning.callbacks import Callback

from phenomena.common import training
from phenomena.common.config import load_config
from phenomena.common.lightning import CHECKPOINT_DIR, LAST_CHECKPOINT

Train = Callable[[Path], pd.DataFrame]


class Killed(RuntimeError):
    pass


class KillAfterFirstCheckpoint(Callback):
    def __init__(self, run_dir: Path):
        self.checkpoint = Path(run_dir) / CHECKPOINT_DIR / LAST_CHECKPOINT

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        if self.checkpoint.exists():
            raise Killed(f"killed at step {trainer.global_step}")


def grokking(repo: Path, tmp_path: Path, monkeypatch) -> tuple[Train, list[str]]:
    from phenomena.grokking.data import make_dataset
    from phenomena.grokking.runs import GrokkingRun, resolved_settings
    from phenomena.grokking.train import train_run

    run = GrokkingRun("add", 13, 0.5, 1.0, "grokfast", 1)  # grokfast: its slow gradients are state too
    study = load_config(repo / "config/config.yaml")["grokking"]
    study["modulus"] = run.modulus
    study["model"]["mlp"] = {"d_embed": 32, "d_hidden": 128}
    study["training"].update({"max_steps": 200, "eval_every": 20, "checkpoint_every": 60})
    settings = resolved_settings(study, run)
    data = tmp_path / "data.pt"
    make_dataset(run.operation, run.modulus, run.train_fraction, run.seed).save(data)
    return lambda run_dir: train_run(settings, data, run_dir), ["snapshots.pt"]


def double_descent(repo: Path, tmp_path: Path, monkeypatch) -> tuple[Train, list[str]]:
    from phenomena.double_descent.data import make_mnist1d, make_training_set
    from phenomena.double_descent.train import train_job

    source = make_mnist1d(num_samples=600, train_split=0.8, seed=42)
    members = [{"model": "mlp", "width": 16, "num_train": 300, "label_noise": 0.2, "seed": seed} for seed in (0, 1)]
    paths = [tmp_path / f"member{m['seed']}.pt" for m in members]
    for member, path in zip(members, paths):
        make_training_set(source, member["num_train"], member["label_noise"], member["seed"]).save(path)
    settings = {
        "members": members,
        "model": {"name": "mlp", "hidden_layers": 2},
        "optimizer": {"lr": 3e-3},
        "training": {"epochs": 5, "batch_size": 50, "checkpoint_every": 2, "augment": False},
    }
    return lambda run_dir: train_job(settings, paths, run_dir), []


def tree_search(repo: Path, tmp_path: Path, monkeypatch) -> tuple[Train, list[str]]:
    from phenomena.tree_search.runs import plan_runs, resolved_settings
    from phenomena.tree_search.train import train_run

    study = load_config(repo / "config/config.yaml", repo / "config/smoke.yaml")["tree_search"]
    study["training"].update({"iterations": 3, "checkpoint_every": 1, "snapshot_every": 1})
    settings = resolved_settings(study, next(iter(plan_runs(study).values())))
    return lambda run_dir: train_run(settings, run_dir), [f"snapshots/iter{i:04d}.pt" for i in settings["snapshots"]]


def diffusion(repo: Path, tmp_path: Path, monkeypatch) -> tuple[Train, list[str]]:
    from phenomena.perturbation import diffusion
    from phenomena.perturbation.runs import diffusion_runs, diffusion_training_settings

    study = load_config(repo / "config/config.yaml", repo / "config/smoke.yaml")["perturbation"]
    settings = diffusion_training_settings(next(iter(diffusion_runs(study).values())))
    settings["training"].update({"steps": 300, "log_every": 50, "batch_size": 32, "checkpoint_every": 100})
    return lambda run_dir: diffusion.train_diffusion(settings, run_dir, accelerator="cpu"), ["model.pt"]


def zero_init(repo: Path, tmp_path: Path, monkeypatch) -> tuple[Train, list[str]]:
    from phenomena.perturbation.zero_init import make_digits, train_zero_init

    data = tmp_path / "digits.pt"
    make_digits({"num_samples": 600, "train_split": 0.8, "seed": 42}, data)
    settings = {
        "run": "zero_init_default_seed0",
        "init": "default",
        "seed": 0,
        "model": {"width": 16, "hidden_layers": 2, "constant": 0.05},
        "training": {"epochs": 4, "batch_size": 50, "lr": 0.01, "checkpoint_every": 1},
    }
    return lambda run_dir: train_zero_init(settings, data, run_dir, accelerator="cpu"), []


@pytest.mark.slow
@pytest.mark.parametrize(
    "case", [grokking, double_descent, tree_search, diffusion, zero_init], ids=lambda c: c.__name__
)
def test_resumed_run_equals_uninterrupted_run(case, repo, tmp_path, monkeypatch, capsys):
    train, files = case(repo, tmp_path, monkeypatch)
    whole = train(tmp_path / "whole")

    make_trainer = training.make_trainer
    with monkeypatch.context() as patch:
        patch.setattr(
            training,
            "make_trainer",
            lambda run_dir, callbacks=(), **kwargs: make_trainer(
                run_dir, callbacks=[*callbacks, KillAfterFirstCheckpoint(run_dir)], **kwargs
            ),
        )
        with pytest.raises(Killed):
            train(tmp_path / "resumed")
    assert not (tmp_path / "resumed" / "history.parquet").exists()
    capsys.readouterr()
    resumed = train(tmp_path / "resumed")
    assert "resuming from" in capsys.readouterr().out

    pd.testing.assert_frame_equal(whole, resumed)
    assert (tmp_path / "whole/history.parquet").read_bytes() == (tmp_path / "resumed/history.parquet").read_bytes()
    steps = [json.loads((tmp_path / name / "meta.json").read_text())["steps"] for name in ("whole", "resumed")]
    assert steps[0] == steps[1] > 0
    for file in files:
        assert_same_tensors(torch.load(tmp_path / "whole" / file), torch.load(tmp_path / "resumed" / file), file)


def assert_same_tensors(a, b, where: str) -> None:
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b), where
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            assert_same_tensors(a[key], b[key], f"{where}[{key!r}]")
    else:
        assert a == b, where
