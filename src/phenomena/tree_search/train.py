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

import dataclasses
from pathlib import Path

import pandas as pd

from phenomena.common.tables import records_to_tidy
from phenomena.common.trainer_options import DEFAULT_OPTIONS, TrainerOptions
from phenomena.common.training import Snapshots, checkpoint_every_epochs, fit_run
from phenomena.tree_search.mcts import evaluation_device
from phenomena.tree_search.module import LOGGED_METRICS, AlphaZeroModule
from phenomena.tree_search.runs import TreeSearchRun

STUDY = "tree_search"
SNAPSHOT_DIR = "snapshots"


def snapshot_path(run_dir: str | Path, iteration: int) -> Path:
    return Path(run_dir) / SNAPSHOT_DIR / f"iter{iteration:04d}.pt"


def train_run(
    settings: dict, run_dir: str | Path, *, threads: int = 1, options: TrainerOptions = DEFAULT_OPTIONS
) -> pd.DataFrame:
    """Train the run described by ``settings`` (see ``runs.resolved_settings``); returns its curves.

    Writes the network (and the compute spent) at the iterations of ``settings["snapshots"]``
    for the arena, ``history.parquet`` (its ``step`` counts iterations) and ``meta.json``.

    ``options.accelerator`` (config ``accelerator``, as for the arena:
    :func:`~phenomena.tree_search.evaluators.evaluation_device`, which also stops, before any training,
    when a device is asked that is not there) places the network: its forward passes in self-play
    search, one batch per search step, and the gradient steps. The trees, the games, the replay
    buffer and the random draws stay on the CPU: search is many tiny tensor operations per step,
    where a GPU's launch latency would dominate. It is no part of the run's settings (the
    checkpoints' identity): a run checkpointed on one device resumes on another. On the CPU the
    results are those of the CPU-only training before; on a GPU the network's arithmetic differs
    in the last bits, and with it the games. Time both: ``bench/gpu_check.py``.
    """
    device = evaluation_device(options.accelerator)
    run, training = TreeSearchRun(**settings["run"]), settings["training"]
    steps_per_iteration = training["steps_per_iteration"]  # one iteration is one Lightning epoch
    snapshots = Snapshots(
        settings["snapshots"],
        key=lambda trainer, module: module.counters["iterations"],
        path=lambda iteration: snapshot_path(run_dir, iteration),
        state=lambda module: module.snapshot(),
    )
    return fit_run(
        settings,
        run_dir,
        seed=run.seed,
        build_module=lambda: AlphaZeroModule(settings["board"], settings["network"], settings["selfplay"], training),
        max_steps=training["iterations"] * steps_per_iteration,
        checkpoint_every=checkpoint_every_epochs(training["checkpoint_every"]),
        metrics=LOGGED_METRICS,
        to_curves=lambda records, module: records_to_tidy(
            [{**record, "step": record["step"] // steps_per_iteration} for record in records],
            LOGGED_METRICS,
            study=STUDY,
            run=run.name,
            seed=run.seed,
            sweep=run.sweep_columns(),
        ),
        callbacks=[snapshots],
        finish=lambda module, trainer: {
            "iterations": module.counters["iterations"],
            "train_flops": module.train_flops(),
        },
        threads=threads,
        options=dataclasses.replace(options, accelerator=device.type),  # "cuda", "mps" or "cpu": Lightning's names
        progress_every_steps=steps_per_iteration,
        progress_metrics=["policy_loss", "value_loss", "draws", "game_length"],
    )
