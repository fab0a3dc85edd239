"""Train one grokking run with Lightning and write its curves (tidy Parquet) and meta.json."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytorch_lightning as pl
import torch

from phenomena.common.files import atomic_path, load_torch
from phenomena.common.lightning import CHECKPOINT_DIR, StopAfterThreshold
from phenomena.common.tables import records_to_tidy
from phenomena.common.trainer_options import DEFAULT_OPTIONS, TrainerOptions
from phenomena.common.training import Snapshots, checkpoint_every_epochs, fit_run
from phenomena.grokking.data import ModularDataset
from phenomena.grokking.module import LOGGED_METRICS, GrokkingModule, dense_evaluation_steps
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


def cpu_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The network's weights, copied to the CPU (a snapshot that later steps do not change)."""
    return {name: tensor.detach().cpu().clone() for name, tensor in model.state_dict().items()}


def bundle_snapshots(directory: Path, model: torch.nn.Module, last_step: int, settings: dict, path: Path) -> None:
    """Every snapshot up to ``last_step``, plus the final network, in one file at ``path``.

    The file is self-describing: ``{"model": {"name", "sizes"}, "modulus", "snapshots": {step:
    state_dict}}``; :func:`phenomena.grokking.models.load_snapshots` reads it back.
    """
    snapshots = {int(file.stem.removeprefix("step")): load_torch(file) for file in sorted(directory.glob("step*.pt"))}
    snapshots = {step: state for step, state in snapshots.items() if step <= last_step}
    snapshots[last_step] = cpu_state(model)
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
    options: TrainerOptions = DEFAULT_OPTIONS,
) -> pd.DataFrame:
    """Train the run described by ``settings`` (see ``runs.resolved_settings``).

    Resumes from ``run_dir/checkpoints/last.ckpt`` when a previous attempt with the same
    settings left one (a killed job, a preempted SLURM job, a raised ``max_steps``).
    Writes ``history.parquet``, ``snapshots.pt`` (the network at the log-spaced steps of
    ``training.snapshots`` and at the last step) and then ``meta.json`` into ``run_dir``;
    returns the history.
    """
    run, training = GrokkingRun(**settings["run"]), settings["training"]
    snapshot_dir = Path(run_dir) / CHECKPOINT_DIR / SNAPSHOT_DIR

    def bundle(module: GrokkingModule, trainer: pl.Trainer) -> dict:
        bundle_snapshots(snapshot_dir, module.model, int(trainer.global_step), settings, Path(run_dir) / "snapshots.pt")
        return {}

    return fit_run(
        settings,
        run_dir,
        seed=run.seed,
        build_module=lambda: GrokkingModule(
            ModularDataset.load(dataset_path),
            settings["model"],
            settings["optimizer"],
            training["eval_every"],
            dense_evaluation_steps(training["max_steps"], training["eval_every"], training["eval_resolution"]),
        ),
        max_steps=run.step_budget(training),
        checkpoint_every=checkpoint_every_epochs(training["checkpoint_every"], training["eval_every"]),
        metrics=LOGGED_METRICS,
        to_curves=lambda records, module: records_to_tidy(
            sorted(module.dense_records + records, key=lambda record: record["step"]),
            LOGGED_METRICS,
            study=STUDY,
            run=run.name,
            seed=run.seed,
            sweep=run.sweep_columns(),
        ),
        callbacks=training_callbacks(training, snapshot_dir),
        finish=bundle,
        threads=threads,
        options=options,
        progress_every_steps=1,  # training steps: one per evaluation
        progress_metrics=["train_accuracy", "val_accuracy", "weight_norm"],
    )


def training_callbacks(training: dict, snapshot_dir: Path) -> list[pl.Callback]:
    """The network saved after the evaluations at :func:`snapshot_steps` (one small file each,
    beside ``last.ckpt``: kept for resume), and the early stop once the run has generalized."""
    steps = snapshot_steps(training["max_steps"], training["eval_every"], **training["snapshots"])
    callbacks = [
        Snapshots(
            steps,
            key=lambda trainer, module: trainer.global_step,
            path=lambda step: snapshot_dir / f"step{step:08d}.pt",
            state=lambda module: cpu_state(module.model),
        )
    ]
    stop = training["stop_after_generalizing"]
    if stop:
        callbacks.append(StopAfterThreshold("val_accuracy", stop["val_accuracy"], stop["extra_ratio"]))
    return callbacks
