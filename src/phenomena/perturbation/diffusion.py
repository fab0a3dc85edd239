"""Training the diffusion model of :mod:`phenomena.perturbation.diffusion_model` with Lightning (DDPM loss).

Kept apart so that the sampling job does not import Lightning: the data, the networks and the
sampling are in the Lightning-free ``diffusion_model`` and ``diffusion_sampling``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from phenomena.common.files import atomic_path
from phenomena.common.lightning import StepTicks
from phenomena.common.tables import records_to_tidy
from phenomena.common.trainer_options import DEFAULT_OPTIONS, TrainerOptions
from phenomena.common.training import checkpoint_every_epochs, fit_run
from phenomena.perturbation.diffusion_model import STUDY, Denoiser, NoiseSchedule, swiss_roll_sets


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
