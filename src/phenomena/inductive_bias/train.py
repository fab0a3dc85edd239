"""One run of each kind of the study, trained with :func:`phenomena.common.training.fit_run`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import torch

from phenomena.common.files import load_torch
from phenomena.common.tables import records_to_tidy, to_tidy, write_parquet
from phenomena.common.trainer_options import DEFAULT_OPTIONS, TrainerOptions
from phenomena.common.training import checkpoint_every_epochs, fit_run, train_one_after_another
from phenomena.inductive_bias.classifier import ClassifierModule
from phenomena.inductive_bias.data import inputs_in_order
from phenomena.inductive_bias.kernel import KernelRegressionModule, kernel_measures, regression_task
from phenomena.inductive_bias.models import build_classifier, parameter_count
from phenomena.inductive_bias.stepping import steps_per_evaluation

STUDY = "inductive_bias"
CLASSIFIER_METRICS = {
    f"{split}_{metric}": (split, metric) for split in ("train", "test") for metric in ("loss", "accuracy")
} | {"train_regularizer": ("train", "regularizer")}
KERNEL_METRICS = {"train_loss": ("train", "loss")}


def classifier_sweep(settings: dict) -> dict[str, object]:
    """The sweep columns of a classifier run's curves (its part's own)."""
    if settings["part"] == "architecture":
        return {"part": "architecture", "job": settings["job"], "model": settings["model"], "order": settings["order"]}
    return {
        "part": "sgd",
        "job": settings["job"],
        "batch_size": settings["batch_size"],
        "regularized": settings["regularized"],
        "epochs": settings["training"]["steps"] * settings["batch_size"] / settings["train_examples"],
    }


def evaluation_steps(training: dict) -> tuple[int, int]:
    """(steps per evaluation, total steps): the total rounded up to whole evaluations."""
    per_evaluation = steps_per_evaluation(training)
    return per_evaluation, per_evaluation * training["evaluations"]


def train_classifier(
    settings: dict,
    data_path: str | Path,
    run_dir: str | Path,
    *,
    threads: int = 1,
    options: TrainerOptions = DEFAULT_OPTIONS,
) -> pd.DataFrame:
    """Train one classifier run (architecture or SGD part); write history.parquet and meta.json."""
    data = inputs_in_order(load_torch(data_path), settings["order"], settings["train_examples"])
    training = settings["training"]
    per_evaluation, total_steps = evaluation_steps(training)

    def build() -> ClassifierModule:
        model = build_classifier(settings["model"], data["train_inputs"].shape[1], settings["model_settings"])
        return ClassifierModule(model, data, training, order_seed=settings["seed"])

    return fit_run(
        settings,
        run_dir,
        seed=settings["seed"],
        build_module=build,
        max_steps=total_steps,
        checkpoint_every=checkpoint_every_epochs(training["checkpoint_every"], per_evaluation),
        metrics=CLASSIFIER_METRICS,
        first_record=lambda module: {"step": 0, **module.record()},
        to_curves=lambda records, module: records_to_tidy(
            records,
            CLASSIFIER_METRICS,
            study=STUDY,
            run=settings["run"],
            seed=settings["seed"],
            sweep=classifier_sweep(settings),
        ),
        finish=lambda module, trainer: {"parameters": parameter_count(module.model)},
        threads=threads,
        options=options,
        progress_every_steps=per_evaluation,
        progress_metrics=["train_accuracy", "test_accuracy"],
    )


def train_kernel(
    settings: dict, run_dir: str | Path, *, threads: int = 1, options: TrainerOptions = DEFAULT_OPTIONS
) -> pd.DataFrame:
    """Train one regression network; write history.parquet (loss curve and, at the last step, the
    kernel measures), functions.parquet (learned and linearized functions on the grid), meta.json."""
    run_dir = Path(run_dir)
    training = settings["training"]
    per_evaluation, total_steps = evaluation_steps(training)
    task = regression_task(settings["task"])
    sweep = {"part": "kernel", "job": settings["job"], "width": settings["width"], "alpha": float(settings["alpha"])}

    def to_curves(records: list[dict], module: KernelRegressionModule) -> pd.DataFrame:
        measures, functions = kernel_measures(module, total_steps)
        write_functions(functions, task, settings, sweep, total_steps, run_dir / "functions.parquet")
        last = {"step": total_steps, **measures}
        names = KERNEL_METRICS | {name: ("grid", name) for name in measures}
        return records_to_tidy(
            [*records, last], names, study=STUDY, run=settings["run"], seed=settings["seed"], sweep=sweep
        )

    return fit_run(
        settings,
        run_dir,
        seed=settings["seed"],
        build_module=lambda: KernelRegressionModule(task, settings["width"], settings["alpha"], training),
        max_steps=total_steps,
        checkpoint_every=checkpoint_every_epochs(training["checkpoint_every"], per_evaluation),
        metrics=KERNEL_METRICS,
        first_record=lambda module: {"step": 0, **module.record()},
        to_curves=to_curves,
        threads=threads,
        options=options,
        progress_every_steps=per_evaluation,
        progress_metrics=["train_loss"],
    )


def train_classifiers(
    runs: list[dict],
    data_path: str | Path,
    run_dirs: list[str | Path],
    *,
    threads: int = 1,
    options: TrainerOptions = DEFAULT_OPTIONS,
) -> None:
    """Train classifier runs (settings from :func:`phenomena.inductive_bias.runs.run_settings`) one
    after another in this process, each into its own folder (``run_dirs``, in the same order), as
    :func:`train_classifier` does: rule ``inductive_bias_train_short_classifiers``, every run of the
    short settings (:func:`phenomena.inductive_bias.runs.is_short`) in one job.

    :func:`~phenomena.common.training.train_one_after_another` says why one process; a restarted
    job resumes each run from its own ``last.ckpt`` (a finished run has no steps left).
    """
    runs_in_their_folders(
        "classifier",
        runs,
        run_dirs,
        lambda settings, run_dir: train_classifier(settings, data_path, run_dir, threads=threads, options=options),
    )


def train_kernels(
    runs: list[dict], run_dirs: list[str | Path], *, threads: int = 1, options: TrainerOptions = DEFAULT_OPTIONS
) -> None:
    """Train the kernel runs (settings from :func:`phenomena.inductive_bias.runs.run_settings`) one
    after another in this process (:func:`~phenomena.common.training.train_one_after_another`), each
    into its own folder (``run_dirs``, in the same order).

    A job restarted after dying mid-way runs :func:`train_kernel` on every run again, which resumes
    each from its own ``last.ckpt``: a run that had finished has no steps left and only measures
    its kernels again (same files), the interrupted one trains on from its last checkpoint.
    """
    runs_in_their_folders(
        "kernel",
        runs,
        run_dirs,
        lambda settings, run_dir: train_kernel(settings, run_dir, threads=threads, options=options),
    )


def runs_in_their_folders(
    kind: str, runs: list[dict], run_dirs: list[str | Path], train: Callable[[dict, Path], object]
) -> None:
    """:func:`check_run_folders`, then ``train(settings, run_dir)`` for each run, one after another
    (:func:`~phenomena.common.training.train_one_after_another`), a line each in the log."""
    check_run_folders(runs, run_dirs, kind)
    train_one_after_another(runs, run_dirs, train, name=lambda settings: f"{settings['job']}: seed {settings['seed']}")


def check_run_folders(runs: list[dict], run_dirs: list[str | Path], kind: str) -> None:
    """Before anything is trained: one folder per run, each ``<job>/seed<seed>`` of its own run.

    The folders come from the rule's outputs, the settings from its params, in an order both must
    keep (job by job, seed by seed); a slip would train a run into another's folder, silently.
    """
    if len(runs) != len(run_dirs):
        raise ValueError(f"{len(runs)} {kind} runs, {len(run_dirs)} run folders")
    for settings, run_dir in zip(runs, run_dirs):
        if Path(run_dir).parts[-2:] != (settings["job"], f"seed{settings['seed']}"):
            raise ValueError(f"{kind} run {settings['run']}: output folder {run_dir} is another run's")


def write_functions(
    functions: dict[str, torch.Tensor], task: dict, settings: dict, sweep: dict, step: int, path: Path
) -> None:
    """The grid functions as a tidy table: split ``grid``, metric ``network``, ``linearized`` or
    ``target``, and a column ``x``."""
    grid = task["grid_inputs"][:, 0].double()
    values = {**functions, "target": torch.sin(settings["task"]["frequency"] * grid)}
    rows = [
        {
            "study": STUDY,
            "run": settings["run"],
            "seed": settings["seed"],
            "step": step,
            "split": "grid",
            "metric": metric,
            "value": float(value),
            **sweep,
            "x": float(x),
        }
        for metric, column in values.items()
        for x, value in zip(grid.tolist(), column.tolist())
    ]
    write_parquet(to_tidy(pd.DataFrame(rows)), path)
