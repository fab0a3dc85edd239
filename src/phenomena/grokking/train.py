"""Train one grokking run with Lightning and write its curves (tidy Parquet) and meta.json."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import Callback

from phenomena.common.files import atomic_path
from phenomena.common.lightning import (
    CHECKPOINT_DIR,
    MetricHistory,
    StopAfterThreshold,
    make_trainer,
    resume_checkpoint,
)
from phenomena.common.provenance import write_run_outputs
from phenomena.common.runtime import seed_everything, set_threads
from phenomena.common.tables import records_to_tidy
from phenomena.grokking.data import ModularDataset
from phenomena.grokking.module import LOGGED_METRICS, GrokkingModule
from phenomena.grokking.runs import GrokkingRun

STUDY = "grokking"
SNAPSHOT_DIR = "snapshots"  # under the checkpoint directory: kept for resume, discarded with it


def snapshot_steps(max_steps: int, eval_every: int, count: int, spacing: str) -> list[int]:
    """``count`` steps from ``eval_every`` to ``max_steps``, log- or linearly spaced, at evaluations.

    Steps are rounded to multiples of ``eval_every`` (snapshots are taken after an
    evaluation) and deduplicated, so at small budgets there may be fewer than ``count``.
    """
    first, last = eval_every, max(eval_every, max_steps - max_steps % eval_every)
    if spacing == "log":
        points = np.geomspace(first, last, count)
    elif spacing == "linear":
        points = np.linspace(first, last, count)
    else:
        raise ValueError(f"unknown snapshot spacing {spacing!r}; allowed: log, linear")
    return sorted({int(round(point / eval_every)) * eval_every for point in points})


class SaveSnapshots(Callback):
    """Save the network's ``state_dict`` after the evaluations at ``steps`` (one small file each).

    The files live beside ``last.ckpt``: a resumed run keeps the earlier ones and rewrites
    the later ones, identical because training is deterministic.
    """

    def __init__(self, steps: list[int], directory: Path):
        self.steps, self.directory = set(steps), Path(directory)

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.global_step in self.steps:
            save_state(pl_module.model, self.directory / f"step{trainer.global_step:08d}.pt")


def save_state(model: torch.nn.Module, path: Path) -> None:
    with atomic_path(path) as temporary:
        torch.save({name: tensor.detach().cpu().clone() for name, tensor in model.state_dict().items()}, temporary)


def bundle_snapshots(directory: Path, model: torch.nn.Module, last_step: int, settings: dict, path: Path) -> None:
    """Every snapshot up to ``last_step``, plus the final network, in one file at ``path``.

    The file is self-describing: ``{"model": {"name", "sizes"}, "modulus", "snapshots": {step:
    state_dict}}``; :func:`phenomena.grokking.models.load_snapshots` reads it back.
    """
    snapshots = {
        int(file.stem.removeprefix("step")): torch.load(file, weights_only=True)
        for file in sorted(directory.glob("step*.pt"))
    }
    snapshots = {step: state for step, state in snapshots.items() if step <= last_step}
    snapshots[last_step] = {name: tensor.detach().cpu().clone() for name, tensor in model.state_dict().items()}
    bundle = {
        "model": settings["model"],
        "modulus": settings["run"]["modulus"],
        "snapshots": dict(sorted(snapshots.items())),
    }
    with atomic_path(path) as temporary:
        torch.save(bundle, temporary)


def train_run(
    settings: dict,
    dataset_path: str | Path,
    run_dir: str | Path,
    *,
    threads: int = 1,
    accelerator: str = "auto",
) -> pd.DataFrame:
    """Train the run described by ``settings`` (see ``runs.resolved_settings``).

    Resumes from ``run_dir/checkpoints/last.ckpt`` when a previous attempt with the same
    settings left one (a killed job, a preempted SLURM job, a raised ``max_steps``).
    Writes ``history.parquet``, ``snapshots.pt`` (the network at the log-spaced steps of
    ``training.snapshots`` and at the last step) and then ``meta.json`` into ``run_dir``;
    returns the history.
    """
    started = dt.datetime.now(dt.timezone.utc)
    run = GrokkingRun(**settings["run"])
    training = settings["training"]
    set_threads(threads)
    seed_everything(run.seed)

    module = GrokkingModule(
        ModularDataset.load(dataset_path), settings["model"], settings["optimizer"], training["eval_every"]
    )
    history = MetricHistory(list(LOGGED_METRICS))
    snapshot_dir = Path(run_dir) / CHECKPOINT_DIR / SNAPSHOT_DIR
    steps = snapshot_steps(training["max_steps"], training["eval_every"], **training["snapshots"])
    callbacks = [history, SaveSnapshots(steps, snapshot_dir)]
    if training["stop_after_generalizing"]:
        callbacks.append(
            StopAfterThreshold(
                "val_accuracy",
                training["stop_after_generalizing"]["val_accuracy"],
                training["stop_after_generalizing"]["extra_ratio"],
            )
        )
    trainer = make_trainer(
        run_dir,
        max_steps=training["max_steps"],
        checkpoint_every_epochs=max(1, training["checkpoint_every"] // training["eval_every"]),
        callbacks=callbacks,
        accelerator=accelerator,
        progress_every_steps=training["eval_every"],
        progress_metrics=["train_accuracy", "val_accuracy", "weight_norm"],
    )
    trainer.fit(module, ckpt_path=resume_checkpoint(run_dir, settings))

    curves = records_to_tidy(
        history.records, LOGGED_METRICS, study=STUDY, run=run.name, seed=run.seed, sweep=run.sweep_columns()
    )
    bundle_snapshots(snapshot_dir, module.model, int(trainer.global_step), settings, Path(run_dir) / "snapshots.pt")
    write_run_outputs(
        run_dir, curves, settings=settings, seed=run.seed, started=started, extra={"steps": int(trainer.global_step)}
    )
    return curves
