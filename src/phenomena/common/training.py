"""One training run of any study: seed, build, fit (resuming), then write the run's files.

Each study's ``train.py`` says what is particular to its runs (the module, the step budget,
the curves, its own files) and calls :func:`fit_run`, which does the rest in one order for
all: threads and seed, build the LightningModule, fit it with :func:`make_trainer` (resuming
from the newest readable checkpoint that an earlier attempt with the same settings left:
:func:`phenomena.common.checkpoints.resume_checkpoint`), turn the records into tidy curves, let
the study write its own files, then write ``history.parquet`` and ``meta.json`` (written last:
the mark of a finished run). The process keeps its signal handlers after the fit.

Also here: several short runs trained one after another in one job
(:func:`train_one_after_another`), the one rule for how often a run checkpoints (:func:`checkpoint_every_epochs`),
the snapshot callback of the studies that keep networks along the way (:class:`Snapshots`),
and the random state that checkpoints carry (:class:`RandomState`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

import pandas as pd
import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import Callback

from phenomena.common.checkpoints import callback_state, resume_checkpoint
from phenomena.common.files import atomic_path, read_input
from phenomena.common.lightning import CheckpointOnSignal, MetricHistory, make_trainer
from phenomena.common.provenance import describe_device, write_run_outputs
from phenomena.common.runtime import check_accelerator, seed_everything, set_threads
from phenomena.common.tables import read_parquet
from phenomena.common.trainer_options import DEFAULT_OPTIONS, TrainerOptions, remove_run_logs

Result = TypeVar("Result")


def train_one_after_another(
    runs: Sequence[dict],
    run_dirs: Sequence[str | Path],
    train: Callable[[dict, Path], Result],
    name: Callable[[dict], str] = lambda settings: settings["run"],
) -> list[Result]:
    """Train ``runs`` (each a run's settings) one after another in this process, each into its own
    folder of ``run_dirs`` (in the same order) with ``train(settings, run_dir)``, a line each in
    the log; return what ``train`` returns, run by run.

    Why one job for several runs: a training process spends ~5 s starting (Python, torch,
    Lightning) before its first step, a large share of runs that take seconds. Every run seeds
    itself (:func:`fit_run`), so its files are those it writes in a process of its own. A job
    that died mid-way is run again whole (Snakemake deletes its outputs first): ``train``
    resumes each run from its own checkpoint, so the runs that had finished only start and stop.
    """
    if len(runs) != len(run_dirs):
        raise ValueError(f"{len(runs)} runs but {len(run_dirs)} run folders")
    results = []
    for number, (settings, run_dir) in enumerate(zip(runs, run_dirs), start=1):
        print(f"run {number}/{len(runs)}: {name(settings)}", flush=True)
        results.append(train(settings, Path(run_dir)))
    return results


def checkpoint_every_epochs(every: int, units_per_epoch: int = 1) -> int:
    """The checkpoint cadence :func:`make_trainer` takes, in Lightning epochs, from a configured one.

    ``every`` counts the study's own unit, ``units_per_epoch`` of which make one Lightning epoch:
    steps for grokking (``eval_every`` per epoch) and diffusion (``log_every``), epochs or
    iterations (one per epoch) for the others. Rounded down, and at least every epoch.
    """
    return max(1, every // units_per_epoch)


class Snapshots(Callback):
    """Save ``state(module)`` to ``path(key)`` after each validation whose ``key`` is listed in ``keys``.

    ``key(trainer, module)`` is the run's progress in the study's unit (grokking: the global
    step; tree search: the iteration). Key 0, when listed, is the state before any training,
    saved as a fresh run starts. Files are written atomically; a resumed run keeps the earlier
    ones and rewrites the later ones, identical because training is deterministic.
    """

    def __init__(
        self,
        keys: Iterable[int],
        key: Callable[[pl.Trainer, pl.LightningModule], int],
        path: Callable[[int], Path],
        state: Callable[[pl.LightningModule], object],
    ):
        self.keys, self.key, self.path, self.state = set(keys), key, path, state
        self.saved: set[int] = set()  # keys saved so far; checkpoints carry them (see all_present)

    def save(self, module: pl.LightningModule, key: int) -> None:
        with atomic_path(self.path(key)) as temporary:
            torch.save(self.state(module), temporary)
        self.saved.add(key)

    def state_dict(self) -> dict:
        return {"saved": sorted(self.saved)}

    def load_state_dict(self, state_dict: dict) -> None:
        self.saved = set(state_dict.get("saved", ()))

    def all_present(self, saved_state: dict) -> bool:
        """Whether every snapshot a checkpoint says was saved before it (``saved_state``, this
        callback's state in the checkpoint) is still on disk. Snakemake removes a job's outputs before
        it reruns the job (after a code change, or a failure): resuming then would leave them missing."""
        return all(self.path(key).exists() for key in saved_state.get("saved", ()))

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if 0 in self.keys and trainer.ckpt_path is None:  # a fresh run, not a resumed one
            self.save(pl_module, 0)

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        key = self.key(trainer, pl_module)
        if key in self.keys:
            self.save(pl_module, key)


class RandomState(Callback):
    """Carry torch's global random state (CPU and CUDA) in checkpoints.

    Lightning's checkpoints hold the weights, the optimizer and the loops but no random state,
    so a resumed run would draw other minibatches and noise than the uninterrupted run
    (diffusion draws both at every step). The state is taken as a checkpoint is written, and
    set again as training starts: not as the checkpoint is loaded, for Lightning draws from the
    generator in between, as it sets up the dataloaders (the uninterrupted run did that before).
    """

    def __init__(self):
        self.loaded: dict | None = None

    def state_dict(self) -> dict:
        # CUDA's state only where this process uses CUDA: reading it would otherwise start a CUDA
        # context on every visible GPU in a CPU run (tree search) on a GPU machine
        cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else []
        return {"cpu": torch.get_rng_state(), "cuda": cuda}

    def load_state_dict(self, state_dict: dict) -> None:
        self.loaded = state_dict

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self.loaded is None:
            return
        torch.set_rng_state(self.loaded["cpu"])
        if self.loaded["cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(self.loaded["cuda"])
        self.loaded = None


def fit_run(
    settings: dict,
    run_dir: str | Path,
    *,
    seed: int,
    build_module: Callable[[], pl.LightningModule],
    max_steps: int | Callable[[pl.LightningModule], int],
    checkpoint_every: int,
    metrics: Iterable[str] | None,
    to_curves: Callable[[list[dict], pl.LightningModule], pd.DataFrame],
    first_record: Callable[[pl.LightningModule], dict] | None = None,
    callbacks: Sequence[Callback] = (),
    finish: Callable[[pl.LightningModule, pl.Trainer], dict] | None = None,
    threads: int = 1,
    options: TrainerOptions = DEFAULT_OPTIONS,
    progress_every_steps: int = 50,
    progress_metrics: Sequence[str] = (),
) -> pd.DataFrame:
    """Train one run into ``run_dir``, write its outputs, return its tidy curves.

    - ``settings``: all that determines the result (``meta.json``'s config, the checkpoints' identity).
    - ``build_module()`` runs after seeding with ``seed``; ``max_steps`` may be a function of its module.
    - ``checkpoint_every``: in Lightning epochs, from :func:`checkpoint_every_epochs`.
    - Records: a :class:`MetricHistory` of ``metrics``, led by ``first_record(module)`` if given (before
      training); with ``metrics=None``, the module's own ``records``. ``to_curves(records, module)``: tidy.
    - ``finish(module, trainer)``: writes the study's own files, returns extra ``meta.json`` fields.
    - ``options``: accelerator, precision and logger (:class:`TrainerOptions`); ``meta.json`` records
      the device and precision the run trained with (its last attempt's, if resumed elsewhere).
    """
    started = dt.datetime.now(dt.timezone.utc)
    check_accelerator(options.accelerator)  # a device that is not there: one line, nothing written
    set_threads(threads)
    seed_everything(seed)
    module = build_module()
    history = None if metrics is None else MetricHistory(list(metrics))
    if history is not None and first_record is not None:
        history.records.append(first_record(module))
    resume_from = checkpoint_to_resume(run_dir, settings, callbacks)
    if resume_from is None:
        remove_run_logs(run_dir)  # a fresh start must not append to an earlier attempt's logs
    trainer = make_trainer(
        run_dir,
        max_steps=max_steps(module) if callable(max_steps) else max_steps,
        checkpoint_every_epochs=checkpoint_every,
        callbacks=[*([history] if history is not None else []), *callbacks, RandomState()],
        options=options,
        progress_every_steps=progress_every_steps,
        progress_metrics=list(progress_metrics),
    )
    with CheckpointOnSignal.handlers_kept():
        trainer.fit(module, ckpt_path=resume_from)

    curves = to_curves(module.records if history is None else history.records, module)
    extra = {
        "steps": int(trainer.global_step),
        "device": describe_device(trainer.strategy.root_device),
        "precision": str(trainer.precision),
        **(finish(module, trainer) if finish is not None else {}),
    }
    write_run_outputs(run_dir, curves, settings=settings, seed=seed, started=started, extra=extra)
    return curves


def checkpoint_to_resume(run_dir: str | Path, settings: dict, callbacks: Sequence[Callback]) -> Path | None:
    """:func:`resume_checkpoint`, unless snapshots saved before it are gone: then a fresh start
    (a resumed run would not write them again), said in one line."""
    checkpoint = resume_checkpoint(run_dir, settings)
    snapshots = [callback for callback in callbacks if isinstance(callback, Snapshots)]
    if checkpoint is None or not snapshots:
        return checkpoint
    if all(callback.all_present(callback_state(checkpoint, callback.state_key)) for callback in snapshots):
        return checkpoint
    print(f"not resuming from {checkpoint}: snapshots saved before it are gone; training from the start", flush=True)
    return None


def finished_history(run_dir: Path, settings: dict) -> pd.DataFrame | None:
    """The history of a run that finished with ``settings`` (its ``meta.json`` says so), or None:
    what a job that trains several runs one after another reads instead of training a run again."""
    meta_path, history_path = run_dir / "meta.json", run_dir / "history.parquet"
    if not (meta_path.exists() and history_path.exists()):
        return None
    meta = read_input(meta_path, lambda path: json.loads(Path(path).read_text()), kind="run record")
    if json.dumps(meta["config"], sort_keys=True) != json.dumps(settings, sort_keys=True):
        return None
    return read_parquet(history_path)
