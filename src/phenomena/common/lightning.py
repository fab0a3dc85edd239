"""Lightning glue shared by the studies.

- :func:`make_trainer`, the Trainer of every training run (the checkpoint a run resumes from:
  :mod:`phenomena.common.checkpoints`);
- :class:`StepTicks`, the dataloader of modules that hold their data as buffers;
- callbacks: :class:`MetricHistory` (the curves), :class:`StopAfterThreshold` (grokking's early
  stop), :class:`LineProgress` (progress in log files) and :class:`CheckpointOnSignal` (SLURM,
  preemption).

How a run trains, as opposed to what it computes, is one
:class:`~phenomena.common.trainer_options.TrainerOptions` (config keys ``accelerator``, ``precision``
and ``logger``). The training skeleton built on these is :mod:`phenomena.common.training`.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytorch_lightning as pl
from lightning_fabric.plugins.environments import SLURMEnvironment
from pytorch_lightning.callbacks import Callback, ModelCheckpoint, TQDMProgressBar
from torch.utils.data import Dataset

from phenomena.common.checkpoints import CHECKPOINT_DIR, LAST_CHECKPOINT, SIGNAL_CHECKPOINT, AtomicCheckpointIO
from phenomena.common.trainer_options import DEFAULT_OPTIONS, TrainerOptions, run_logger


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
    """On ``SIGUSR1`` or ``SIGTERM``, save ``signal.ckpt`` at the end of the current epoch and stop
    with :class:`Interrupted`.

    SLURM sends ``SIGUSR1`` before a job's time limit (``--signal=USR1@<seconds>``) and ``SIGTERM``
    on preemption, cancellation or the time limit itself, ``KillWait`` seconds (default 30) before
    ``SIGKILL`` (an epoch longer than that is killed first; the run then resumes from ``last.ckpt``).
    Lightning's own ``SIGTERM`` handler would stop at the next step with no checkpoint; this one
    replaces it (installed again as training starts, after Lightning has put its own).
    The job then fails, and Snakemake resubmits it (the SLURM profile's ``retries``) or a rerun
    resumes from the checkpoint. Why not Lightning's auto-requeue (``scontrol requeue``): the
    requeued job shows as FAILED in ``squeue`` for SLURM's KillWait, and the executor plugin,
    which follows jobs with ``squeue``, then gives up on a job that SLURM restarts two
    minutes later (measured with the plugin 2.8.0 and SLURM 22.05).
    """

    SIGNALS = (signal.SIGUSR1, signal.SIGTERM)

    def __init__(self, run_dir: str | Path):
        self.path = Path(run_dir) / CHECKPOINT_DIR / SIGNAL_CHECKPOINT
        self.received = False

    def listen(self) -> None:
        # also where Snakemake left SIGUSR1 ignored (workflow/rules/common.smk); only the main
        # thread receives signals (and may set handlers)
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                signal.signal(signum, self.receive)

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        self.listen()

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.listen()  # over Lightning's SIGTERM handler, installed after setup

    def receive(self, signum, frame) -> None:
        print(f"received {signal.Signals(signum).name}: checkpointing at the end of this epoch", flush=True)
        self.received = True

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # after MetricHistory has recorded this validation, as for last.ckpt
        if self.received and not trainer.sanity_checking:
            trainer.save_checkpoint(self.path)
            raise Interrupted(f"stopped on a signal at step {trainer.global_step}; saved {self.path}")

    @classmethod
    @contextlib.contextmanager
    def handlers_kept(cls) -> Iterator[None]:
        """Give the process its signal handlers back after a fit, however it ended.

        Lightning restores the handlers it found when training started, which are this
        callback's: a later ``SIGTERM`` would then only set a flag instead of ending the process.
        """
        kept = {signum: signal.getsignal(signum) for signum in cls.SIGNALS}
        try:
            yield
        finally:
            if threading.current_thread() is threading.main_thread():
                for signum, handler in kept.items():
                    if handler is not None:  # None: set outside Python, cannot be set back
                        signal.signal(signum, handler)


def make_trainer(
    run_dir: str | Path,
    *,
    max_steps: int,
    checkpoint_every_epochs: int,
    callbacks: list[Callback] = (),
    options: TrainerOptions = DEFAULT_OPTIONS,
    progress_every_steps: int = 50,
    progress_metrics: list[str] = (),
    **trainer_kwargs,
) -> pl.Trainer:
    """A Trainer that checkpoints ``last.ckpt`` under ``run_dir/checkpoints`` for resume.

    The checkpoint is written after validation every ``checkpoint_every_epochs`` epochs (cadence:
    :func:`phenomena.common.training.checkpoint_every_epochs`), once :class:`MetricHistory` has
    recorded it (checkpoint callbacks run last): a resumed run repeats no step and misses no record.
    It replaces the previous one atomically (:class:`phenomena.common.checkpoints.AtomicCheckpointIO`).

    ``options``: accelerator (``auto`` picks a GPU when one is visible, else the CPU), precision and
    logger (:class:`TrainerOptions`). Progress: a tqdm bar on a terminal, one line per validation with
    ``progress_metrics`` in a log file. Studies record their curves with :class:`MetricHistory`, with
    or without a logger. On ``SIGUSR1`` (SLURM, before the time limit)
    or ``SIGTERM`` (preemption) the run saves a checkpoint and stops: :class:`CheckpointOnSignal`.

    ``deterministic=True``: on CUDA, cuBLAS then needs ``CUBLAS_WORKSPACE_CONFIG=:4096:8``, which
    Lightning sets in ``os.environ`` as the Trainer is built (``_set_torch_flags``), before the fit
    puts anything on the GPU (tested: ``tests/common/test_device.py``). After the fit Lightning moves
    the module back to the CPU: what ``fit_run``'s ``finish`` saves is on the CPU.
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
        accelerator=options.accelerator,
        devices=1,
        precision=options.precision,
        max_steps=max_steps,
        max_epochs=-1,
        logger=run_logger(run_dir, options.logger),
        callbacks=[checkpoint, progress, *callbacks, CheckpointOnSignal(run_dir)],
        plugins=[AtomicCheckpointIO(), *([SLURMEnvironment(auto_requeue=False)] if SLURMEnvironment.detect() else [])],
        enable_progress_bar=on_terminal,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        deterministic=True,
        **trainer_kwargs,
    )


def quiet_lightning_advice() -> None:
    """Silence advice that does not apply to our in-memory, full-batch data."""
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")
    warnings.filterwarnings("ignore", message=".*number of training batches.*smaller than the logging interval.*")
    warnings.filterwarnings("ignore", message=".*Checkpoint directory .* exists and is not empty.*")  # resume
    warnings.filterwarnings("ignore", message=".*The `srun` command is available.*")  # a local run on a login node
    # PL 2.6 calling a torch 2.13 deprecation of its own: nothing a user of this package can change
    warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\)` is deprecated.*")
    logging.getLogger("pytorch_lightning.utilities.rank_zero").setLevel(logging.WARNING)
