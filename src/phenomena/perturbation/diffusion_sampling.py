"""Sampling a trained diffusion model: reverse chains from noise and from a line, their distances to the data.

One job per trained model (:func:`sample_diffusion`): each sampler of ``sampling.samplers``
runs the learned reverse chain from Gaussian noise and from the points of a line; every state
of a chain is compared with a held-out data set by the sliced Wasserstein distance.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from phenomena.common.files import load_torch
from phenomena.common.runtime import set_threads
from phenomena.common.tables import to_tidy, write_parquet
from phenomena.perturbation.diffusion import (
    STUDY,
    Denoiser,
    NoiseSchedule,
    line_points,
    random_directions,
    reverse_chain,
    sliced_wasserstein,
    swiss_roll_sets,
)


def sample_diffusion(settings: dict, model_path: str | Path, distances_path: str | Path, points_path: str | Path):
    """Run the reverse chain of each sampler from noise and from the line; write distances and snapshots.

    Distances: sliced Wasserstein to a held-out data set at every sampling step (step 0 is
    ``x_T``, step ``T`` the sample), plus the floor, the distance between two independent
    held-out sets of the same size. Snapshots: the points at ``sampling.snapshots`` steps.
    """
    set_threads(1)
    sampling, steps = settings["sampling"], settings["schedule"]["steps"]
    denoiser, schedule = load_model(settings, model_path)
    sets = swiss_roll_sets(settings)
    count = settings["data"]["eval_points"]
    generator = torch.Generator().manual_seed(settings["seed"])
    directions = random_directions(sampling["projections"], 2, generator)
    floor = sliced_wasserstein(sets["held_out"], sets["held_out_again"], directions)
    starts = {
        "noise": torch.randn(count, 2, generator=generator),
        "line": line_points(count, sampling["line"]["start"], sampling["line"]["end"]),
    }
    snapshot_steps = set(np.linspace(0, steps, sampling["snapshots"]).round().astype(int).tolist())
    distance_rows, point_frames = [], []
    for sampler in sampling["samplers"]:
        for start_name, x_start in starts.items():
            states = reverse_chain(denoiser, schedule, x_start, sampler, generator)
            distances = [sliced_wasserstein(state, sets["held_out"], directions) for state in states]
            distance_rows += [(step, start_name, sampler, value) for step, value in enumerate(distances)]
            point_frames += [
                points_frame(state, sampler, start_name, step)
                for step, state in enumerate(states)
                if step in snapshot_steps
            ]
            print(
                f"{sampler} from {start_name}: distance {distances[0]:.3f} -> {distances[-1]:.4f} (floor {floor:.4f})",
                flush=True,
            )
        distance_rows += [(step, "held_out", sampler, floor) for step in range(steps + 1)]
    write_parquet(distances_table(distance_rows, settings), distances_path)
    held_out = points_frame(sets["held_out"], "data", "held_out", steps)
    points = pd.concat([*point_frames, held_out], ignore_index=True).assign(run=settings["run"], seed=settings["seed"])
    write_parquet(points, points_path, tidy=False)


def load_model(settings: dict, model_path: str | Path) -> tuple[Denoiser, NoiseSchedule]:
    """The trained denoiser (eval mode) and the noise schedule it was trained with."""
    model, schedule = settings["model"], settings["schedule"]
    denoiser = Denoiser(model["hidden"], model["layers"], model["time_embedding"], schedule["steps"])
    denoiser.load_state_dict(load_torch(model_path))
    denoiser.eval()
    return denoiser, NoiseSchedule(schedule["steps"], schedule["beta_start"], schedule["beta_end"])


def points_frame(points: torch.Tensor, sampler: str, start: str, step: int) -> pd.DataFrame:
    """One snapshot of a chain (or the held-out data): columns sampler, start, step, x, y."""
    return pd.DataFrame(
        {"sampler": sampler, "start": start, "step": step, "x": points[:, 0].numpy(), "y": points[:, 1].numpy()}
    )


def distances_table(rows: list[tuple], settings: dict) -> pd.DataFrame:
    """The tidy distances table from ``(step, split, sampler, value)`` rows."""
    frame = pd.DataFrame(rows, columns=["step", "split", "sampler", "value"])
    frame = frame.assign(
        study=STUDY, run=settings["run"], seed=settings["seed"], metric="sliced_wasserstein", part="diffusion"
    )
    return to_tidy(frame)
