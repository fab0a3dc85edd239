"""Lightning glue shared by the studies.

- :func:`make_trainer`, the Trainer of every training run, and :func:`resume_checkpoint`, which
  picks the checkpoint a run resumes from (or discards one made with other settings);
- :class:`StepTicks`, the dataloader of modules that hold their data as buffers;
- callbacks: :class:`MetricHistory` (the curves), :class:`StopAfterThreshold` (grokking's early
  stop), :class:`LineProgress` (progress in log files) and :class:`CheckpointOnSignal` (SLURM).

The training skeleton built on these is :mod:`phenomena.common.training`.
"""

from __future__ import annotations

import json
import logging
import shutil
import signal
import sys
import time
import warnings
from pathlib import Path

import pytorch_lightning as pl
from lightning_fabric.plugins.environments import SLURMEnvironment
from pytorch_lightning.callbacks import Callback, ModelCheckpoint, TQDMProgressBar
from torch.utils.data import Dataset

from phenomena.common.files import write_text_atomic

CHECKPOINT_DIR = "checkpoints"
LAST_CHECKPOINT = "last.ckpt"
SIGNAL_CHECKPOINT = "signal.ckpt"  # saved on SLURM's signal before the time limit
STEP_BUDGET_KEYS = ("max_steps", "epochs")  # raising these continues a run instead of restarting it


class StepTicks(Dataset):
    """``length`` empty items: each training 'batch' is one full-batch step on module buffers.

    The data live on the module (and move to the GPU with it), so the dataloader only sets
    the rhythm of training: ``length`` steps per Lightning epoch.
    """

    def __init__(self, length: int):
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> int:
        return index


class MetricHistory(Callback):
    """Record the named logged metrics after every validation, keyed by global step.

    Its state travels in Lightning checkpoints, so a resumed run keeps its early history.
    """

    def __init__(self, metric_names: list[str]):
        self.metric_names = list(metric_names)
        self.records: list[dict[str, float]] = []

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.sanity_checking:
            return
        metrics = trainer.callback_metrics
        record = {"step": int(trainer.global_step)}
        record.update({name: float(metrics[name]) for name in self.metric_names if name in metrics})
        self.records.append(record)

    def state_dict(self) -> dict:
        return {"records": self.records}

    def load_state_dict(self, state_dict: dict) -> None:
        self.records = list(state_dict["records"])


class StopAfterThreshold(Callback):
    """Stop once ``monitor`` has reached ``threshold`` and training went on ``extra_ratio`` longer.

    Grokking runs stop a while after generalizing instead of idling to the step budget;
    the extra steps keep the plateau visible in the figures.
    """

    def __init__(self, monitor: str, threshold: float, extra_ratio: float):
        self.monitor, self.threshold, self.extra_ratio = monitor, threshold, extra_ratio
        self.reached_at: int | None = None

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        value = trainer.callback_metrics.get(self.monitor)
        if self.reached_at is None and value is not None and float(value) >= self.threshold:
            self.reached_at = int(trainer.global_step)
        if self.reached_at is not None and trainer.global_step >= self.reached_at * (1 + self.extra_ratio):
            trainer.should_stop = True

    def state_dict(self) -> dict:
        return {"reached_at": self.reached_at}

    def load_state_dict(self, state_dict: dict) -> None:
        self.reached_at = state_dict["reached_at"]


class LineProgress(Callback):
    """One line per validation (step, elapsed time, the monitored metrics): progress for log files.

    Lightning's tqdm bar rewrites one terminal line; in a log file it becomes noise.
    """

    def __init__(self, metric_names: list[str]):
        self.metric_names = list(metric_names)
        self.started = time.perf_counter()

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        metrics = trainer.callback_metrics
        shown = " ".join(f"{name}={float(metrics[name]):.4g}" for name in self.metric_names if name in metrics)
        elapsed = time.perf_counter() - self.started
        print(f"step {trainer.global_step}/{trainer.max_steps} {shown} ({elapsed:.1f} s)", flush=True)


class Interrupted(RuntimeError):
    """Training stopped on a signal after saving a checkpoint; a rerun resumes from it."""


class CheckpointOnSignal(Callback):
    """On ``SIGUSR1`` (SLURM sends it before a job's time limit, ``--signal=USR1@<seconds>``),
    save ``signal.ckpt`` at the end of the current epoch and stop with :class:`Interrupted`.

    The job then fails, and Snakemake resubmits it (the SLURM profile's ``retries``); it
    resumes from the checkpoint. Why not Lightning's auto-requeue (``scontrol requeue``): the
    requeued job shows as FAILED in ``squeue`` for SLURM's KillWait, and the executor plugin,
    which follows jobs with ``squeue``, then gives up on a job that SLURM restarts two
    minutes later (measured with the plugin 2.8.0 and SLURM 22.05).
    """

    def __init__(self, run_dir: str | Path):
        self.path = Path(run_dir) / CHECKPOINT_DIR / SIGNAL_CHECKPOINT
        self.received = False

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        # also where Snakemake left the signal ignored (workflow/rules/common.smk)
        signal.signal(signal.SIGUSR1, self.receive)

    def receive(self, signum, frame) -> None:
        print(f"received signal {signum}: checkpointing at the end of this epoch", flush=True)
        self.received = True

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # after MetricHistory has recorded this validation, as for last.ckpt
        if self.received and not trainer.sanity_checking:
            trainer.save_checkpoint(self.path)
            raise Interrupted(f"stopped on a signal at step {trainer.global_step}; saved {self.path}")


def make_trainer(
    run_dir: str | Path,
    *,
    max_steps: int,
    checkpoint_every_epochs: int,
    callbacks: list[Callback] = (),
    accelerator: str = "auto",
    precision: str = "32-true",
    progress_every_steps: int = 50,
    progress_metrics: list[str] = (),
    **trainer_kwargs,
) -> pl.Trainer:
    """A Trainer that checkpoints ``last.ckpt`` under ``run_dir/checkpoints`` for resume.

    The checkpoint is written after validation every ``checkpoint_every_epochs`` epochs, once
    :class:`MetricHistory` has recorded it (checkpoint callbacks run last): a resumed run
    repeats no step and misses no record. Cadence: :func:`phenomena.common.training.checkpoint_every_epochs`.

    ``accelerator='auto'`` picks a GPU when one is visible and the CPU otherwise. Progress
    shows as a tqdm bar on a terminal (refreshed every ``progress_every_steps``) and as one
    line per validation with ``progress_metrics`` in a log file. No logger: studies record
    their curves with :class:`MetricHistory`. On ``SIGUSR1`` (SLURM, before the time limit)
    the run saves a checkpoint and stops: :class:`CheckpointOnSignal`.
    """
    checkpoint = ModelCheckpoint(
        dirpath=Path(run_dir) / CHECKPOINT_DIR,
        filename=Path(LAST_CHECKPOINT).stem,  # top-1 without a monitor: always the newest
        save_top_k=1,
        enable_version_counter=False,
        every_n_epochs=checkpoint_every_epochs,
        save_on_train_epoch_end=False,  # after validation, so the checkpoint holds its metrics
    )
    quiet_lightning_advice()
    on_terminal = sys.stderr.isatty()
    progress = TQDMProgressBar(refresh_rate=progress_every_steps) if on_terminal else LineProgress(progress_metrics)
    return pl.Trainer(
        accelerator=accelerator,
        devices=1,
        precision=precision,
        max_steps=max_steps,
        max_epochs=-1,
        logger=False,
        callbacks=[checkpoint, progress, *callbacks, CheckpointOnSignal(run_dir)],
        plugins=[SLURMEnvironment(auto_requeue=False)] if SLURMEnvironment.detect() else None,
        enable_progress_bar=on_terminal,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        deterministic=True,
        **trainer_kwargs,
    )


def resume_checkpoint(run_dir: str | Path, settings: dict) -> Path | None:
    """The checkpoint to resume from, or None for a fresh start: the newer of ``last.ckpt``
    and the checkpoint saved on SLURM's signal (:class:`CheckpointOnSignal`).

    A checkpoint is reused only if it was made with the same ``settings`` (compared as
    JSON, the budget ``training.max_steps`` or ``training.epochs`` excepted: raising it continues a run). A
    checkpoint left by other settings is deleted, so a changed config never silently
    continues an old run.
    """
    directory = Path(run_dir) / CHECKPOINT_DIR
    stamp = directory / "settings.json"
    identity = json.dumps(_without_step_budget(settings), sort_keys=True)
    checkpoint = directory / LAST_CHECKPOINT
    if directory.exists() and (not stamp.exists() or stamp.read_text() != identity):
        print(f"discarding checkpoints in {directory}: they were made with other settings", flush=True)
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    write_text_atomic(stamp, identity)
    candidates = [path for path in (checkpoint, directory / SIGNAL_CHECKPOINT) if path.exists()]
    if candidates:
        newest = max(candidates, key=lambda path: path.stat().st_mtime)
        print(f"resuming from {newest}", flush=True)
        return newest
    return None


def _without_step_budget(settings: dict) -> dict:
    trimmed = dict(settings)
    if isinstance(trimmed.get("training"), dict):
        trimmed["training"] = {k: v for k, v in trimmed["training"].items() if k not in STEP_BUDGET_KEYS}
    return trimmed


def quiet_lightning_advice() -> None:
    """Silence advice that does not apply to our in-memory, full-batch data."""
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")
    warnings.filterwarnings("ignore", message=".*number of training batches.*smaller than the logging interval.*")
    warnings.filterwarnings("ignore", message=".*Checkpoint directory .* exists and is not empty.*")  # resume
    warnings.filterwarnings("ignore", message=".*The `srun` command is available.*")  # a local run on a login node
    # PL 2.6 calling a torch 2.13 deprecation of its own: nothing a user of this package can change
    warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\)` is deprecated.*")
    logging.getLogger("pytorch_lightning.utilities.rank_zero").setLevel(logging.WARNING)
