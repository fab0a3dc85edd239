"""A small denoising diffusion model on a 2-D swiss roll, run backwards from noise or from a line.

Diffusion as in Sohl-Dickstein et al. (2015), trained with the noise-prediction loss of
Ho et al. (2020, DDPM): ``x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps`` and the network
learns ``eps`` from ``(x_t, t)``. Sampling runs the learned reverse chain (ancestral DDPM
steps) from ``x_T``; the question of this part is what happens when ``x_T`` is not Gaussian
noise but points on a fixed line.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader

from phenomena.common.files import atomic_path
from phenomena.common.lightning import StepTicks
from phenomena.common.tables import records_to_tidy
from phenomena.common.trainer_options import DEFAULT_OPTIONS, TrainerOptions
from phenomena.common.training import checkpoint_every_epochs, fit_run

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


def line_points(num_points: int, start: list[float], end: list[float]) -> torch.Tensor:
    """``num_points`` points spaced evenly on the segment from ``start`` to ``end``, (n, 2)."""
    t = torch.linspace(0.0, 1.0, num_points)[:, None]
    return torch.tensor(start, dtype=torch.float32) * (1 - t) + torch.tensor(end, dtype=torch.float32) * t


def sliced_wasserstein(a: torch.Tensor, b: torch.Tensor, projections: torch.Tensor) -> float:
    """Sliced 1-Wasserstein distance between two equal-size point sets (n, d).

    Both sets are projected on each unit direction of ``projections`` (k, d); in one
    dimension the optimal transport pairs sorted values, so the distance along a direction
    is the mean absolute difference of the sorted projections. Averaged over directions.
    """
    if len(a) != len(b):
        raise ValueError(f"sliced_wasserstein needs equal sizes, got {len(a)} and {len(b)}")
    pa = torch.sort(a @ projections.T, dim=0).values
    pb = torch.sort(b @ projections.T, dim=0).values
    return float((pa - pb).abs().mean())


def random_directions(count: int, dimension: int, generator: torch.Generator) -> torch.Tensor:
    directions = torch.randn(count, dimension, generator=generator)
    return directions / directions.norm(dim=1, keepdim=True)


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


class DiffusionModule(pl.LightningModule):
    """DDPM training on a fixed training set held as a buffer; minibatches drawn every step."""

    def __init__(self, train_points: torch.Tensor, model: dict, schedule: dict, training: dict):
        super().__init__()
        self.save_hyperparameters(ignore=["train_points"])
        self.schedule = NoiseSchedule(schedule["steps"], schedule["beta_start"], schedule["beta_end"])
        self.denoiser = Denoiser(model["hidden"], model["layers"], model["time_embedding"], schedule["steps"])
        self.training_settings = training
        self.register_buffer("train_points", train_points, persistent=False)
        self.recent_losses: list[float] = []

    def train_dataloader(self) -> DataLoader:
        return DataLoader(StepTicks(self.training_settings["log_every"]), batch_size=None)

    def training_step(self, batch, batch_index) -> torch.Tensor:
        size = self.training_settings["batch_size"]
        index = torch.randint(len(self.train_points), (size,), device=self.device)
        x0 = self.train_points[index]
        t = torch.randint(self.schedule.steps, (size,), device=self.device)
        noise = torch.randn_like(x0)
        loss = F.mse_loss(self.denoiser(self.schedule.noised(x0, t, noise), t), noise)
        self.recent_losses.append(float(loss.detach()))
        return loss

    def val_dataloader(self) -> DataLoader:
        return DataLoader(StepTicks(1), batch_size=None)

    def validation_step(self, batch, batch_index) -> None:
        """Log the mean training loss since the last validation (the loss of one batch is noisy)."""
        if self.recent_losses:
            self.log("train_loss", sum(self.recent_losses) / len(self.recent_losses), batch_size=1)
        self.recent_losses = []

    def configure_optimizers(self):
        optimizer = torch.optim.Adam(self.denoiser.parameters(), lr=self.training_settings["lr"])
        steps = self.training_settings["steps"]
        cosine = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * min(step, steps) / steps))
        )
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": cosine, "interval": "step"}}


def train_diffusion(
    settings: dict, run_dir: str | Path, *, threads: int = 1, options: TrainerOptions = DEFAULT_OPTIONS
) -> pd.DataFrame:
    """Train the DDPM of one seed; write model.pt (denoiser weights), history.parquet, meta.json."""
    training = settings["training"]

    def save_denoiser(module: DiffusionModule, trainer: pl.Trainer) -> dict:
        with atomic_path(Path(run_dir) / "model.pt") as temporary:
            torch.save(module.denoiser.state_dict(), temporary)
        return {}

    return fit_run(
        settings,
        run_dir,
        seed=settings["seed"],
        build_module=lambda: DiffusionModule(
            swiss_roll_sets(settings)["train"], settings["model"], settings["schedule"], training
        ),
        max_steps=training["steps"],
        checkpoint_every=checkpoint_every_epochs(training["checkpoint_every"], training["log_every"]),
        metrics=["train_loss"],
        to_curves=lambda records, module: records_to_tidy(
            records,
            {"train_loss": ("train", "loss")},
            study=STUDY,
            run=settings["run"],
            seed=settings["seed"],
            sweep={"part": "diffusion"},
        ),
        finish=save_denoiser,
        threads=threads,
        options=options,
        progress_every_steps=training["log_every"],
        progress_metrics=["train_loss"],
    )


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
