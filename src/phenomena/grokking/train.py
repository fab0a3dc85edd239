"""Train one grokking run with Lightning and write its curves (tidy Parquet) and meta.json."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from phenomena.common.lightning import MetricHistory, StopAfterThreshold, make_trainer, resume_checkpoint
from phenomena.common.provenance import write_meta
from phenomena.common.runtime import seed_everything, set_threads
from phenomena.common.tables import records_to_tidy, write_parquet
from phenomena.grokking.data import ModularDataset
from phenomena.grokking.module import LOGGED_METRICS, GrokkingModule
from phenomena.grokking.runs import GrokkingRun

STUDY = "grokking"


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
    Writes ``history.parquet`` and then ``meta.json`` into ``run_dir``; returns the history.
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
    callbacks = [history]
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
    write_parquet(curves, Path(run_dir) / "history.parquet")
    write_meta(
        Path(run_dir) / "meta.json",
        config=settings,
        seed=run.seed,
        started=started,
        finished=dt.datetime.now(dt.timezone.utc),
        extra={"steps": int(trainer.global_step)},
    )
    return curves
