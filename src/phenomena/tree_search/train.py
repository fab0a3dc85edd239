"""Train one AlphaZero run with Lightning: snapshots for the arena, curves, meta.json.

Why one long rule per run rather than alternating self-play and training rules: each
iteration takes seconds, so a job per iteration would cost more in start-up (Python,
torch, Snakemake bookkeeping; on SLURM, queueing) than it computes. The run instead
keeps its whole state (network, optimizer, replay buffer, counters, random state) in
Lightning's ``last.ckpt`` after every ``checkpoint_every`` iterations and resumes from it
when the job is restarted (killed, preempted, ``--rerun-incomplete``). The snapshots the
arena reads are the rule's declared outputs, so Snakemake knows them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytorch_lightning as pl
import torch

from phenomena.common.files import atomic_path
from phenomena.common.lightning import MetricHistory, make_trainer, resume_checkpoint
from phenomena.common.provenance import write_run_outputs
from phenomena.common.runtime import seed_everything, set_threads
from phenomena.common.tables import records_to_tidy
from phenomena.tree_search.module import LOGGED_METRICS, AlphaZeroModule
from phenomena.tree_search.runs import TreeSearchRun

STUDY = "tree_search"
SNAPSHOT_DIR = "snapshots"


def snapshot_path(run_dir: str | Path, iteration: int) -> Path:
    return Path(run_dir) / SNAPSHOT_DIR / f"iter{iteration:04d}.pt"


class Snapshots(pl.Callback):
    """Write the network (and the compute spent) at the listed iterations, for the arena."""

    def __init__(self, run_dir: str | Path, iterations: list[int]):
        self.run_dir, self.iterations = Path(run_dir), set(iterations)

    def save(self, module: AlphaZeroModule) -> None:
        path = snapshot_path(self.run_dir, module.counters["iterations"])
        with atomic_path(path) as temporary:
            torch.save(module.snapshot(), temporary)

    def on_fit_start(self, trainer: pl.Trainer, module: AlphaZeroModule) -> None:
        if 0 in self.iterations and module.counters["iterations"] == 0:
            self.save(module)

    def on_validation_end(self, trainer: pl.Trainer, module: AlphaZeroModule) -> None:
        if module.counters["iterations"] in self.iterations:
            self.save(module)


def train_run(settings: dict, run_dir: str | Path, *, threads: int = 1, accelerator: str = "cpu") -> pd.DataFrame:
    """Train the run described by ``settings`` (see ``runs.resolved_settings``); returns its curves.

    Search runs on the CPU: one tree per game and many tiny tensor ops, where a GPU's
    launch latency would dominate; ``accelerator`` is accepted for a uniform interface.
    """
    started = dt.datetime.now(dt.timezone.utc)
    run = TreeSearchRun(**settings["run"])
    training = settings["training"]
    set_threads(threads)
    seed_everything(run.seed)
    module = AlphaZeroModule(settings["board"], settings["network"], settings["selfplay"], training)
    history = MetricHistory(list(LOGGED_METRICS))
    trainer = make_trainer(
        run_dir,
        max_steps=training["iterations"] * training["steps_per_iteration"],
        checkpoint_every_epochs=training["checkpoint_every"],
        callbacks=[history, Snapshots(run_dir, settings["snapshots"])],
        accelerator="cpu",
        progress_every_steps=training["steps_per_iteration"],
        progress_metrics=["policy_loss", "value_loss", "draws", "game_length"],
    )
    trainer.fit(module, ckpt_path=resume_checkpoint(run_dir, settings))

    curves = records_to_tidy(
        [{**r, "step": r["step"] // training["steps_per_iteration"]} for r in history.records],
        LOGGED_METRICS,
        study=STUDY,
        run=run.name,
        seed=run.seed,
        sweep=run.sweep_columns(),
    )
    write_run_outputs(
        run_dir,
        curves,
        settings=settings,
        seed=run.seed,
        started=started,
        extra={"iterations": module.counters["iterations"], "train_flops": module.train_flops()},
    )
    return curves
