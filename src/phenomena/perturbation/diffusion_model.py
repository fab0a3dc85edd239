"""A small denoising diffusion model on a 2-D swiss roll, run backwards from noise or from a line.

Diffusion as in Sohl-Dickstein et al. (2015), trained with the noise-prediction loss of
Ho et al. (2020, DDPM): ``x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps`` and the network
learns ``eps`` from ``(x_t, t)``. Sampling runs the learned reverse chain (ancestral DDPM
steps) from ``x_T``; the question of this part is what happens when ``x_T`` is not Gaussian
noise but points on a fixed line.

This module holds the data and the networks, without Lightning (the sampling job imports it):
training is in :mod:`phenomena.perturbation.diffusion`, sampling in
:mod:`phenomena.perturbation.diffusion_sampling`.
"""

from __future__ import annotations

import math

import torch
from torch import nn

STUDY = "perturbation"
ROLL_SCALE = 6.85  # standard deviation of t (cos t, sin t) over both axes, measured on 10^6 points
EVALUATION_SEED_OFFSET = 10_000  # held-out swiss-roll sets: generators apart from the training set's


def swiss_roll(num_points: int, noise: float, generator: torch.Generator) -> torch.Tensor:
    """Points of a 2-D swiss roll with about unit standard deviation per axis, shape (n, 2).

    Angle ``t`` uniform in [1.5 pi, 4.5 pi], point ``t (cos t, sin t)`` divided by
    ``ROLL_SCALE``, plus Gaussian ``noise`` (in the scaled units) on each coordinate.
    """
    angle = 1.5 * math.pi * (1 + 2 * torch.rand(num_points, generator=generator))
    points = torch.stack([angle * torch.cos(angle), angle * torch.sin(angle)], 1) / ROLL_SCALE
    return points + noise * torch.randn(num_points, 2, generator=generator)


def swiss_roll_sets(settings: dict) -> dict[str, torch.Tensor]:
    """Training set (from the run's seed) and two independent held-out sets of ``eval_points``."""
    data, seed = settings["data"], settings["seed"]
    train = swiss_roll(data["train_points"], data["noise"], torch.Generator().manual_seed(seed))
    held_out = torch.Generator().manual_seed(seed + EVALUATION_SEED_OFFSET)
    return {
        "train": train,
        "held_out": swiss_roll(data["eval_points"], data["noise"], held_out),
        "held_out_again": swiss_roll(data["eval_points"], data["noise"], held_out),
    }


class NoiseSchedule(nn.Module):
    """Linear betas from ``beta_start`` to ``beta_end`` over ``steps`` (Ho et al. 2020)."""

    def __init__(self, steps: int, beta_start: float, beta_end: float):
        super().__init__()
        betas = torch.linspace(beta_start, beta_end, steps, dtype=torch.float64)
        alpha_bars = torch.cumprod(1 - betas, 0)
        self.steps = steps
        self.register_buffer("betas", betas.float())
        self.register_buffer("alpha_bars", alpha_bars.float())

    def noised(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        abar = self.alpha_bars[t][:, None]
        return abar.sqrt() * x0 + (1 - abar).sqrt() * noise


class Denoiser(nn.Module):
    """MLP from (x_t, sinusoidal embedding of t) to the predicted noise."""

    def __init__(self, hidden: int, layers: int, time_embedding: int, steps: int):
        super().__init__()
        self.time_embedding = time_embedding
        self.steps = steps
        widths = [2 + time_embedding] + [hidden] * layers
        blocks: list[nn.Module] = []
        for width_in, width_out in zip(widths[:-1], widths[1:]):
            blocks += [nn.Linear(width_in, width_out), nn.SiLU()]
        self.net = nn.Sequential(*blocks, nn.Linear(widths[-1], 2))

    def embed(self, t: torch.Tensor) -> torch.Tensor:
        half = self.time_embedding // 2
        frequencies = torch.exp(-math.log(1000.0) * torch.arange(half, device=t.device) / max(1, half - 1))
        angles = (t.float() / self.steps)[:, None] * 1000.0 * frequencies[None]
        return torch.cat([angles.sin(), angles.cos()], 1)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([x, self.embed(t)], 1))
