"""Train one double-descent job (a stack of members, or a size grid of stacks) with Lightning.

Every job writes its curves (``history.parquet``) and then ``meta.json``; the members' training
sets are made from the source in the job (:func:`training_sets`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import torch

from phenomena.common.files import atomic_path
from phenomena.common.provenance import write_run_outputs
from phenomena.common.tables import records_to_tidy
from phenomena.common.trainer_options import DEFAULT_OPTIONS, TrainerOptions
from phenomena.common.training import checkpoint_every_epochs, finished_history, fit_run
from phenomena.double_descent.data import LabelledData, training_sets
from phenomena.double_descent.models import count_parameters
from phenomena.double_descent.module import METRICS, SPLITS, StackModule
from phenomena.double_descent.runs import Member

STUDY = "double_descent"
LOGGED_METRICS = {f"{split}_{metric}": (split, metric) for split in SPLITS for metric in METRICS}


def train_job(
    settings: dict,
    source: LabelledData | str | Path,
    run_dir: str | Path,
    *,
    threads: int = 1,
    options: TrainerOptions = DEFAULT_OPTIONS,
    keep_weights: bool = False,
) -> pd.DataFrame:
    """Train the members of ``settings`` (see ``runs.resolved_settings``) together.

    ``source`` (the data set, or its file) holds every member's training examples. Resumes from
    ``run_dir/checkpoints/last.ckpt`` when an earlier attempt with the same settings left
    one. Writes ``history.parquet`` (one row per member, epoch, split and metric; the tidy
    ``step`` column counts epochs) and then ``meta.json``; returns the history. With
    ``keep_weights``, first the trained stack's weights (``weights.pt``, :func:`save_weights`):
    the SLT study estimates each member's learning coefficient from them without retraining.
    """
    members = [Member(**member) for member in settings["members"]]
    training = settings["training"]
    if not isinstance(source, LabelledData):
        source = LabelledData.load(source)
    return fit_run(
        settings,
        run_dir,
        seed=members[0].seed,
        build_module=lambda: build_module(settings, training_sets(source, members)),
        max_steps=lambda module: training["epochs"] * module.steps_per_epoch,
        checkpoint_every=checkpoint_every_epochs(training["checkpoint_every"]),
        metrics=None,  # the module records every member itself
        to_curves=lambda records, module: stack_curves(members, records, parameters_per_member(module)),
        finish=lambda module, trainer: {
            "epochs": training["epochs"],
            "parameters_per_member": parameters_per_member(module),
            **(save_weights(module, settings, run_dir) if keep_weights else {}),
        },
        threads=threads,
        options=options,
        progress_every_steps=1,  # one Lightning batch is one epoch
        progress_metrics=["train_error", "test_error"],
    )


WEIGHTS_FILE = "weights.pt"


def save_weights(module: StackModule, settings: dict, run_dir: str | Path) -> dict:
    """Write the trained stack's ``state_dict`` and the settings that made it to ``run_dir/weights.pt``
    (atomically); return the ``meta.json`` field naming it."""
    state = {name: tensor.detach().cpu() for name, tensor in module.stack.state_dict().items()}
    with atomic_path(Path(run_dir) / WEIGHTS_FILE) as temporary:
        torch.save({"settings": settings, "state_dict": state}, temporary)
    return {"weights": WEIGHTS_FILE}


def train_size_grid(
    settings: dict,
    source_path: str | Path,
    run_dir: str | Path,
    *,
    threads: int = 1,
    options: TrainerOptions = DEFAULT_OPTIONS,
) -> pd.DataFrame:
    """Train a size-grid job (``runs.SizeGridJob``): each stack of ``settings["stacks"]`` as a run
    of its own in ``run_dir/n<size>[_seed<s>]``, one after another, then the job's history.

    A stack whose run finished with the same settings (its ``meta.json`` says so) is read, not
    retrained, so a job stopped between sizes resumes where it was.
    """
    started = dt.datetime.now(dt.timezone.utc)
    source = LabelledData.load(source_path)
    curves = []
    for stack in settings["stacks"]:
        stack_settings = {**{k: v for k, v in settings.items() if k != "stacks"}, "members": stack}
        stack_dir = Path(run_dir) / stack_dir_name(stack)
        finished = finished_history(stack_dir, stack_settings)
        if finished is None:
            finished = train_job(stack_settings, source, stack_dir, threads=threads, options=options)
        curves.append(finished)
    history = pd.concat(curves, ignore_index=True)
    first_seed = settings["stacks"][0][0]["seed"]
    write_run_outputs(run_dir, history, settings=settings, seed=first_seed, started=started)
    return history


def stack_dir_name(stack: list[dict]) -> str:
    """``n<size>`` for a stack of seeds, ``n<size>_seed<s>`` for a member trained alone."""
    name = f"n{stack[0]['num_train']}"
    return name if len(stack) > 1 else f"{name}_seed{stack[0]['seed']}"


def build_module(settings: dict, datasets: list[LabelledData]) -> StackModule:
    members = [Member(**member) for member in settings["members"]]
    return StackModule(
        datasets,
        [member.seed for member in members],
        settings["model"],
        members[0].width,
        settings["optimizer"],
        settings["training"]["batch_size"],
        augment=settings["training"]["augment"],
        recording=recording(settings),
    )


def recording(settings: dict) -> dict | None:
    """The epochs a stack measures (``settings["recording"]``, see :func:`recorded_epochs`), or
    None: every epoch."""
    if "recording" not in settings:
        return None
    return {**settings["recording"], "epochs": settings["training"]["epochs"]}


def parameters_per_member(module: StackModule) -> int:
    return count_parameters(module.stack, len(module.seeds))


def stack_curves(members: list[Member], records: list[dict], parameters: int) -> pd.DataFrame:
    """The tidy per-epoch curves of every member of the stack, one after another."""
    per_member = [member_curves(member, records, index, parameters) for index, member in enumerate(members)]
    return pd.concat(per_member, ignore_index=True)


def member_curves(member: Member, records: list[dict], index: int, parameters: int) -> pd.DataFrame:
    """The tidy per-epoch curves of one member of the stack."""
    own = [{**record, "step": record["epoch"]} for record in records if record["member"] == index]
    return records_to_tidy(
        own,
        LOGGED_METRICS,
        study=STUDY,
        run=member.name,
        seed=member.seed,
        sweep={**member.sweep_columns(), "parameters": parameters},
    )
