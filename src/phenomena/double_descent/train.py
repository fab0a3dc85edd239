"""Train one double-descent job (a stack of members) with Lightning; write curves and meta.json."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from phenomena.common.lightning import make_trainer, resume_checkpoint
from phenomena.common.provenance import write_run_outputs
from phenomena.common.runtime import seed_everything, set_threads
from phenomena.common.tables import records_to_tidy
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
    started = dt.datetime.now(dt.timezone.utc)
    members = [Member(**member) for member in settings["members"]]
    training = settings["training"]
    set_threads(threads)
    seed_everything(members[0].seed)

    module = StackModule(
        [LabelledData.load(path) for path in dataset_paths],
        [member.seed for member in members],
        settings["model"],
        members[0].width,
        settings["optimizer"],
        training["batch_size"],
        augment=training["augment"],
    )
    trainer = make_trainer(
        run_dir,
        max_steps=training["epochs"] * module.steps_per_epoch,
        checkpoint_every_epochs=training["checkpoint_every"],
        accelerator=accelerator,
        progress_every_steps=1,  # one Lightning batch is one epoch
        progress_metrics=["train_error", "test_error"],
    )
    trainer.fit(module, ckpt_path=resume_checkpoint(run_dir, settings))

    parameters = count_parameters(module.stack, len(members))
    curves = pd.concat(
        [member_curves(member, module.records, index, parameters) for index, member in enumerate(members)],
        ignore_index=True,
    )
    write_run_outputs(
        run_dir,
        curves,
        settings=settings,
        seed=members[0].seed,
        started=started,
        extra={"epochs": training["epochs"], "steps": int(trainer.global_step), "parameters_per_member": parameters},
    )
    return curves


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
