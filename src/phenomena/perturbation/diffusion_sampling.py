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
from phenomena.perturbation.diffusion_model import STUDY, Denoiser, NoiseSchedule, swiss_roll_sets


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
    held_out = sorted_projections(sets["held_out"], directions)  # the reference of every distance: sorted once
    floor = sliced_wasserstein(sets["held_out_again"], held_out, directions)
    starts = {
        "noise": torch.randn(count, 2, generator=generator),
        "line": line_points(count, sampling["line"]["start"], sampling["line"]["end"]),
    }
    snapshot_steps = set(np.linspace(0, steps, sampling["snapshots"]).round().astype(int).tolist())
    distance_rows, point_frames = [], []
    for sampler in sampling["samplers"]:
        for start_name, x_start in starts.items():
            states = reverse_chain(denoiser, schedule, x_start, sampler, generator)
            distances = [sliced_wasserstein(state, held_out, directions) for state in states]
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
    data = points_frame(sets["held_out"], "data", "held_out", steps)
    points = pd.concat([*point_frames, data], ignore_index=True).assign(run=settings["run"], seed=settings["seed"])
    write_parquet(points, points_path, tidy=False)


def line_points(num_points: int, start: list[float], end: list[float]) -> torch.Tensor:
    """``num_points`` points spaced evenly on the segment from ``start`` to ``end``, (n, 2)."""
    t = torch.linspace(0.0, 1.0, num_points)[:, None]
    return torch.tensor(start, dtype=torch.float32) * (1 - t) + torch.tensor(end, dtype=torch.float32) * t


def sorted_projections(points: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
    """The projections of ``points`` (n, d) on each unit direction (k, d), each column sorted: (n, k).

    Sorted with NumPy: ``torch.sort`` along dim 0 is ~20x slower (1000 x 128, one CPU thread), and
    both give the same values.
    """
    return torch.from_numpy(np.sort((points @ directions.T).numpy(), axis=0))


def sliced_wasserstein(points: torch.Tensor, reference: torch.Tensor, directions: torch.Tensor) -> float:
    """Sliced 1-Wasserstein distance between a point set (n, d) and an equal-size reference.

    Both sets are projected on each unit direction of ``directions`` (k, d); in one
    dimension the optimal transport pairs sorted values, so the distance along a direction
    is the mean absolute difference of the sorted projections. Averaged over directions.
    ``reference`` is given by its :func:`sorted_projections` on ``directions``, computed once
    for all the distances to it.
    """
    if len(points) != len(reference):
        raise ValueError(f"sliced_wasserstein needs equal sizes, got {len(points)} and {len(reference)}")
    return float((sorted_projections(points, directions) - reference).abs().mean())


def random_directions(count: int, dimension: int, generator: torch.Generator) -> torch.Tensor:
    directions = torch.randn(count, dimension, generator=generator)
    return directions / directions.norm(dim=1, keepdim=True)


SAMPLERS = ("ddpm", "ddim")


@torch.no_grad()
def reverse_chain(
    denoiser: Denoiser, schedule: NoiseSchedule, x_start: torch.Tensor, sampler: str, generator: torch.Generator
) -> list[torch.Tensor]:
    """The learned reverse chain from ``x_start`` taken as ``x_T``; returns ``[x_T, ..., x_0]``.

    ``ddpm``: ancestral sampling (Ho et al. 2020), ``x_{t-1} = (x_t - beta_t / sqrt(1 - abar_t)
    eps) / sqrt(1 - beta_t) + sqrt(beta_t) z``, fresh noise ``z`` at every step but the last.
    ``ddim``: the deterministic sampler of Song et al. (2021, eta 0), which adds no noise:
    whatever structure ``x_T`` has is carried along the whole chain.
    """
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; known: {', '.join(SAMPLERS)}")
    x = x_start.clone()
    states = [x.clone()]
    for step in reversed(range(schedule.steps)):
        t = torch.full((len(x),), step, dtype=torch.long)
        beta, abar = schedule.betas[step], schedule.alpha_bars[step]
        eps = denoiser(x, t)
        if sampler == "ddpm":
            x = (x - beta / (1 - abar).sqrt() * eps) / (1 - beta).sqrt()
            if step > 0:
                x = x + beta.sqrt() * torch.randn(x.shape, generator=generator)
        else:
            abar_before = schedule.alpha_bars[step - 1] if step > 0 else torch.ones(())
            x0 = (x - (1 - abar).sqrt() * eps) / abar.sqrt()
            x = abar_before.sqrt() * x0 + (1 - abar_before).sqrt() * eps
        states.append(x.clone())
    return states


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
