"""Train one double-descent job (a stack of members) with Lightning; write curves and meta.json."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from phenomena.common.tables import records_to_tidy
from phenomena.common.training import checkpoint_every_epochs, fit_run
from phenomena.double_descent.data import LabelledData
from phenomena.double_descent.models import count_parameters
from phenomena.double_descent.module import METRICS, SPLITS, StackModule
from phenomena.double_descent.runs import Member

STUDY = "double_descent"
LOGGED_METRICS = {f"{split}_{metric}": (split, metric) for split in SPLITS for metric in METRICS}


def train_job(
    settings: dict,
    dataset_paths: list[str | Path],
    run_dir: str | Path,
    *,
    threads: int = 1,
    accelerator: str = "auto",
) -> pd.DataFrame:
    """Train the members of ``settings`` (see ``runs.resolved_settings``) together.

    ``dataset_paths[i]`` is member ``i``'s training set. Resumes from
    ``run_dir/checkpoints/last.ckpt`` when an earlier attempt with the same settings left
    one. Writes ``history.parquet`` (one row per member, epoch, split and metric; the tidy
    ``step`` column counts epochs) and then ``meta.json``; returns the history.
    """
    members = [Member(**member) for member in settings["members"]]
    training = settings["training"]
    return fit_run(
        settings,
        run_dir,
        seed=members[0].seed,
        build_module=lambda: build_module(settings, dataset_paths),
        max_steps=lambda module: training["epochs"] * module.steps_per_epoch,
        checkpoint_every=checkpoint_every_epochs(training["checkpoint_every"]),
        metrics=None,  # the module records every member itself
        to_curves=lambda records, module: stack_curves(members, records, parameters_per_member(module)),
        finish=lambda module, trainer: {
            "epochs": training["epochs"],
            "parameters_per_member": parameters_per_member(module),
        },
        threads=threads,
        accelerator=accelerator,
        progress_every_steps=1,  # one Lightning batch is one epoch
        progress_metrics=["train_error", "test_error"],
    )


def build_module(settings: dict, dataset_paths: list[str | Path]) -> StackModule:
    members = [Member(**member) for member in settings["members"]]
    return StackModule(
        [LabelledData.load(path) for path in dataset_paths],
        [member.seed for member in members],
        settings["model"],
        members[0].width,
        settings["optimizer"],
        settings["training"]["batch_size"],
        augment=settings["training"]["augment"],
    )


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
