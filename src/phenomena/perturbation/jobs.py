"""The jobs of the perturbation study, one function each: settings and paths in, files out.

Every run directory gets its tables (Parquet) and ``meta.json``; the rule scripts in
``workflow/scripts/perturbation_*.py`` only pass paths and settings here.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from phenomena.common.files import atomic_path
from phenomena.common.lightning import MetricHistory, make_trainer, resume_checkpoint
from phenomena.common.provenance import write_meta, write_run_outputs
from phenomena.common.runtime import seed_everything, set_threads
from phenomena.common.tables import records_to_tidy, to_tidy, write_parquet
from phenomena.perturbation import datasaurus, diffusion, zero_init
from phenomena.perturbation.shapes import start_points, target_shape

STUDY = "perturbation"
EVALUATION_SEED_OFFSET = 10_000  # held-out swiss-roll sets: generators apart from the training set's


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def run_datasaurus(settings: dict, run_dir: str | Path) -> pd.DataFrame:
    """Anneal the start blob onto one target; write frames.parquet, statistics.parquet, meta.json."""
    started, run_dir = now(), Path(run_dir)
    start = start_points(settings["points"], settings["seed"])
    shape = target_shape(settings["target"], start, settings["target_slack"])
    annealing = datasaurus.AnnealingSettings(
        iterations=settings["iterations"],
        frames=settings["frames"],
        decimals=settings["decimals"],
        step=settings["step"],
        temperature_start=settings["temperature"]["start"],
        temperature_end=settings["temperature"]["end"],
    )
    snapshots = datasaurus.anneal(start, shape, annealing, seed=settings["seed"])
    frames = datasaurus.frames_table(snapshots, settings["target"])
    write_parquet(frames, run_dir / "frames.parquet", tidy=False)
    records = datasaurus.statistics_records(snapshots, shape, settings["tolerance"])
    table = records_to_tidy(
        records,
        datasaurus.STATISTIC_METRICS,
        study=STUDY,
        run=settings["run"],
        seed=settings["seed"],
        sweep={"part": "datasaurus", "target": settings["target"]},
    )
    write_parquet(table, run_dir / "statistics.parquet")
    write_meta(run_dir / "meta.json", config=settings, seed=settings["seed"], started=started, finished=now())
    last = records[-1]
    print(
        f"{settings['target']}: mean distance {records[0]['mean_distance']:.2f} -> {last['mean_distance']:.3f}, "
        f"{last['within_tolerance']:.1%} of points within {settings['tolerance']}",
        flush=True,
    )
    return table


def swiss_roll_sets(settings: dict) -> dict[str, torch.Tensor]:
    """Training set (from the run's seed) and two independent held-out sets of ``eval_points``."""
    data, seed = settings["data"], settings["seed"]
    train = diffusion.swiss_roll(data["train_points"], data["noise"], torch.Generator().manual_seed(seed))
    held_out = torch.Generator().manual_seed(seed + EVALUATION_SEED_OFFSET)
    return {
        "train": train,
        "held_out": diffusion.swiss_roll(data["eval_points"], data["noise"], held_out),
        "held_out_again": diffusion.swiss_roll(data["eval_points"], data["noise"], held_out),
    }


def train_diffusion(settings: dict, run_dir: str | Path, *, threads: int = 1, accelerator: str = "auto") -> None:
    """Train the DDPM of one seed; write model.pt (denoiser weights), history.parquet, meta.json."""
    started, run_dir = now(), Path(run_dir)
    set_threads(threads)
    seed_everything(settings["seed"])
    module = diffusion.DiffusionModule(
        swiss_roll_sets(settings)["train"], settings["model"], settings["schedule"], settings["training"]
    )
    history = MetricHistory(["train_loss"])
    log_every = settings["training"]["log_every"]
    trainer = make_trainer(
        run_dir,
        max_steps=settings["training"]["steps"],
        checkpoint_every_epochs=max(1, 1000 // log_every),
        callbacks=[history],
        accelerator=accelerator,
        progress_every_steps=log_every,
        progress_metrics=["train_loss"],
    )
    trainer.fit(module, ckpt_path=resume_checkpoint(run_dir, settings))
    with atomic_path(run_dir / "model.pt") as temporary:
        torch.save(module.denoiser.state_dict(), temporary)
    curves = records_to_tidy(
        history.records,
        {"train_loss": ("train", "loss")},
        study=STUDY,
        run=settings["run"],
        seed=settings["seed"],
        sweep={"part": "diffusion"},
    )
    write_run_outputs(
        run_dir,
        curves,
        settings=settings,
        seed=settings["seed"],
        started=started,
        extra={"steps": int(trainer.global_step)},
    )


def sample_diffusion(settings: dict, model_path: str | Path, distances_path: str | Path, points_path: str | Path):
    """Run the reverse chain of each sampler from noise and from the line; write distances and snapshots.

    Distances: sliced Wasserstein to a held-out data set at every sampling step (step 0 is
    ``x_T``, step ``T`` the sample), plus the floor, the distance between two independent
    held-out sets of the same size. Snapshots: the points at ``sampling.snapshots`` steps.
    """
    set_threads(1)
    sampling, schedule_settings = settings["sampling"], settings["schedule"]
    denoiser = diffusion.Denoiser(
        settings["model"]["hidden"],
        settings["model"]["layers"],
        settings["model"]["time_embedding"],
        schedule_settings["steps"],
    )
    denoiser.load_state_dict(torch.load(model_path, weights_only=True))
    denoiser.eval()
    schedule = diffusion.NoiseSchedule(
        schedule_settings["steps"], schedule_settings["beta_start"], schedule_settings["beta_end"]
    )
    sets = swiss_roll_sets(settings)
    count = settings["data"]["eval_points"]
    generator = torch.Generator().manual_seed(settings["seed"])
    directions = diffusion.random_directions(sampling["projections"], 2, generator)
    floor = diffusion.sliced_wasserstein(sets["held_out"], sets["held_out_again"], directions)
    starts = {
        "noise": torch.randn(count, 2, generator=generator),
        "line": diffusion.line_points(count, sampling["line"]["start"], sampling["line"]["end"]),
    }
    steps = schedule_settings["steps"]
    snapshot_steps = set(np.linspace(0, steps, sampling["snapshots"]).round().astype(int).tolist())
    distance_rows, point_frames = [], []
    for sampler in sampling["samplers"]:
        for start_name, x_start in starts.items():
            states = diffusion.reverse_chain(denoiser, schedule, x_start, sampler, generator)
            for step, state in enumerate(states):
                value = diffusion.sliced_wasserstein(state, sets["held_out"], directions)
                distance_rows.append((step, start_name, sampler, value))
                if step in snapshot_steps:
                    point_frames.append(
                        pd.DataFrame(
                            {
                                "sampler": sampler,
                                "start": start_name,
                                "step": step,
                                "x": state[:, 0].numpy(),
                                "y": state[:, 1].numpy(),
                            }
                        )
                    )
            print(
                f"{sampler} from {start_name}: distance {distance_rows[-steps - 1][3]:.3f} -> {value:.4f}"
                f" (floor {floor:.4f})",
                flush=True,
            )
        distance_rows += [(step, "held_out", sampler, floor) for step in range(steps + 1)]
    frame = pd.DataFrame(distance_rows, columns=["step", "split", "sampler", "value"])
    frame = frame.assign(
        study=STUDY, run=settings["run"], seed=settings["seed"], metric="sliced_wasserstein", part="diffusion"
    )
    write_parquet(to_tidy(frame), distances_path)
    held = pd.DataFrame(
        {
            "sampler": "data",
            "start": "held_out",
            "step": steps,
            "x": sets["held_out"][:, 0].numpy(),
            "y": sets["held_out"][:, 1].numpy(),
        }
    )
    points = pd.concat([*point_frames, held], ignore_index=True).assign(run=settings["run"], seed=settings["seed"])
    write_parquet(points, points_path, tidy=False)


def make_digits(settings: dict, path: str | Path) -> None:
    """MNIST-1D for the zero-init runs, saved with torch."""
    data = zero_init.make_mnist1d(settings["num_samples"], settings["train_split"], settings["seed"])
    with atomic_path(path) as temporary:
        torch.save(data, temporary)
    print({name: tuple(tensor.shape) for name, tensor in data.items()}, flush=True)


def train_zero_init(
    settings: dict, data_path: str | Path, run_dir: str | Path, *, threads: int = 1, accelerator: str = "auto"
) -> pd.DataFrame:
    """Train one MLP from its initialization; write history.parquet (curves and unit sameness) and meta.json."""
    started, run_dir = now(), Path(run_dir)
    set_threads(threads)
    seed_everything(settings["seed"])
    data = torch.load(data_path, weights_only=True)
    module = zero_init.ZeroInitModule(data, settings["model"], settings["init"], settings["training"])
    names = zero_init.logged_metrics(settings["model"]["hidden_layers"])
    history = MetricHistory(list(names))
    history.records.append({"step": 0, **zero_init.evaluate(module.model, data)})  # before training
    epochs, batch_size = settings["training"]["epochs"], settings["training"]["batch_size"]
    trainer = make_trainer(
        run_dir,
        max_steps=epochs * math.ceil(len(data["train_labels"]) / batch_size),
        checkpoint_every_epochs=max(1, epochs // 4),
        callbacks=[history],
        accelerator=accelerator,
        progress_every_steps=10,
        progress_metrics=["train_accuracy", "test_accuracy", "layer1_unit_spread"],
    )
    trainer.fit(module, ckpt_path=resume_checkpoint(run_dir, settings))
    curves = records_to_tidy(
        history.records,
        names,
        study=STUDY,
        run=settings["run"],
        seed=settings["seed"],
        sweep={"part": "zero_init", "init": settings["init"]},
    )
    write_run_outputs(
        run_dir,
        curves,
        settings=settings,
        seed=settings["seed"],
        started=started,
        extra={"steps": int(trainer.global_step)},
    )
    return curves
