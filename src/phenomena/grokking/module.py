"""The LightningModule of the grokking study: full-batch training on an in-memory dataset."""

from __future__ import annotations

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from phenomena.common.lightning import StepTicks
from phenomena.grokking.data import ModularDataset
from phenomena.grokking.grokfast import SlowGradientFilter
from phenomena.grokking.models import build_model, weight_norm

LOGGED_METRICS = {
    "train_loss": ("train", "loss"),
    "train_accuracy": ("train", "accuracy"),
    "val_loss": ("val", "loss"),
    "val_accuracy": ("val", "accuracy"),
    "weight_norm": ("model", "weight_norm"),
}
"""Logged name -> (split, metric) in the tidy tables."""


class GrokkingModule(pl.LightningModule):
    def __init__(self, dataset: ModularDataset, model: dict, optimizer: dict, eval_every: int):
        super().__init__()
        self.save_hyperparameters(ignore=["dataset"])
        self.model = build_model(model["name"], model["sizes"], dataset.modulus)
        self.optimizer_settings = optimizer
        self.eval_every = eval_every
        for split in ("train", "val"):
            self.register_buffer(f"{split}_inputs", getattr(dataset, f"{split}_inputs"), persistent=False)
            self.register_buffer(f"{split}_labels", getattr(dataset, f"{split}_labels"), persistent=False)
        grokfast = optimizer.get("grokfast")
        self.slow_gradients = SlowGradientFilter(grokfast["alpha"], grokfast["lamb"]) if grokfast else None

    def train_dataloader(self) -> DataLoader:
        return DataLoader(StepTicks(self.eval_every), batch_size=None)

    def val_dataloader(self) -> DataLoader:
        return DataLoader(StepTicks(1), batch_size=None)

    def training_step(self, batch, batch_index) -> torch.Tensor:
        return F.cross_entropy(self.model(self.train_inputs), self.train_labels)

    def on_before_optimizer_step(self, optimizer) -> None:
        if self.slow_gradients is not None:
            self.slow_gradients.apply(self.model.parameters())

    def validation_step(self, batch, batch_index) -> None:
        metrics = {"weight_norm": weight_norm(self.model)}
        for split in ("train", "val"):
            logits = self.model(getattr(self, f"{split}_inputs"))
            labels = getattr(self, f"{split}_labels")
            metrics[f"{split}_loss"] = F.cross_entropy(logits, labels)
            metrics[f"{split}_accuracy"] = (logits.argmax(-1) == labels).float().mean()
        self.log_dict(metrics, batch_size=1)
        self.log("val_acc", metrics["val_accuracy"], prog_bar=True, batch_size=1, logger=False)

    def configure_optimizers(self):
        settings = self.optimizer_settings
        optimizer = torch.optim.AdamW(
            self.model.parameters(),
            lr=settings["lr"],
            betas=tuple(settings["betas"]),
            weight_decay=settings["weight_decay"],
        )
        warmup = max(1, settings["warmup_steps"])
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warmup))
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        if self.slow_gradients is not None:
            checkpoint["slow_gradients"] = self.slow_gradients.state_dict()

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        if self.slow_gradients is not None:
            self.slow_gradients.load_state_dict(checkpoint["slow_gradients"])

    def on_train_start(self) -> None:
        if self.slow_gradients is not None:  # loaded on the CPU by a resume; the module may be on a GPU now
            self.slow_gradients.to(self.device)
