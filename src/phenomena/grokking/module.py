"""The LightningModule of the grokking study: full-batch training on an in-memory dataset.

Lightning validates every ``eval_every`` steps (one Lightning epoch); the module itself also
evaluates after the early steps in ``dense_steps`` (:func:`dense_evaluation_steps`), where
training accuracy rises within a few dozen steps, and keeps those records in
``dense_records``. Every evaluation also reports ``update_norm``: the mean L2 norm of the
parameter change per optimizer step since the previous evaluation, the step an optimizer
really takes (Adam normalizes the gradient, so a scaled gradient says little about it).

One Lightning epoch is one ``training_step`` that takes the optimizer steps up to the next
evaluation (manual optimization, :mod:`phenomena.common.manual_steps` says why); after each step
:meth:`GrokkingModule.after_optimizer_step` does what Lightning did after each of its steps
(learning-rate schedule, update norm, dense evaluation), so every step and record is the same.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from phenomena.common.lightning import StepTicks
from phenomena.common.manual_steps import adopt_automatic_checkpoint, optimizer_steps, steps_to_evaluation
from phenomena.grokking.data import ModularDataset
from phenomena.grokking.grokfast import SlowGradientFilter
from phenomena.grokking.models import build_model, weight_norm

LOGGED_METRICS = {
    "train_loss": ("train", "loss"),
    "train_accuracy": ("train", "accuracy"),
    "val_loss": ("val", "loss"),
    "val_accuracy": ("val", "accuracy"),
    "weight_norm": ("model", "weight_norm"),
    "update_norm": ("optimizer", "update_norm"),
}
"""Logged name -> (split, metric) in the tidy tables."""


def dense_evaluation_steps(max_steps: int, eval_every: int, resolution: float | None) -> list[int]:
    """Early steps evaluated besides the multiples of ``eval_every``: each at most
    ``max(1, resolution * step)`` after the previous, until that spacing reaches ``eval_every``.

    So the first step at which an accuracy passes a threshold is known within ``resolution`` of
    itself (or one step) everywhere; none when ``resolution`` is None.
    """
    if resolution is None:
        return []
    steps, step = [], 1
    while step <= max_steps and resolution * step < eval_every:
        if step % eval_every:
            steps.append(step)
        step += max(1, math.floor(resolution * step))
    return steps


class GrokkingModule(pl.LightningModule):
    def __init__(
        self, dataset: ModularDataset, model: dict, optimizer: dict, eval_every: int, dense_steps: Iterable[int] = ()
    ):
        super().__init__()
        self.save_hyperparameters(ignore=["dataset"])
        self.model = build_model(model["name"], model["sizes"], dataset.modulus)
        self.optimizer_settings = optimizer
        self.eval_every = eval_every
        self.dense_steps = set(dense_steps)
        self.dense_records: list[dict[str, float]] = []
        self.update_norm_sum, self.update_norm_count = 0.0, 0
        self.parameters_before: torch.Tensor | None = None
        for split in ("train", "val"):
            self.register_buffer(f"{split}_inputs", getattr(dataset, f"{split}_inputs"), persistent=False)
            self.register_buffer(f"{split}_labels", getattr(dataset, f"{split}_labels"), persistent=False)
        grokfast = optimizer.get("grokfast")
        self.slow_gradients = SlowGradientFilter(grokfast["alpha"], grokfast["lamb"]) if grokfast else None
        self.automatic_optimization = False

    def train_dataloader(self) -> DataLoader:
        return DataLoader(StepTicks(1), batch_size=None)  # one training_step = the steps up to an evaluation

    def val_dataloader(self) -> DataLoader:
        return DataLoader(StepTicks(1), batch_size=None)

    def training_step(self, batch, batch_index) -> None:
        count = steps_to_evaluation(self.trainer, self.eval_every)
        optimizer_steps(self, self.train_loss, count, after_step=self.after_optimizer_step)

    def train_loss(self) -> torch.Tensor:
        return F.cross_entropy(self.model(self.train_inputs), self.train_labels)

    def on_before_optimizer_step(self, optimizer) -> None:
        """Grokfast's filter on the gradients, and the parameters before the step (Lightning calls
        this inside each ``optimizer.step()``, after the backward)."""
        if self.slow_gradients is not None:
            self.slow_gradients.apply(self.model.parameters())
        self.parameters_before = flat_parameters(self.model)

    def after_optimizer_step(self) -> None:
        """The warm-up schedule's step, then :meth:`record_step`."""
        self.lr_schedulers().step()
        self.record_step()

    def record_step(self) -> None:
        """Add the step's update norm; evaluate after the steps in ``dense_steps``."""
        change = flat_parameters(self.model) - self.parameters_before
        self.update_norm_sum += float(change.norm())
        self.update_norm_count += 1
        if self.global_step in self.dense_steps:
            self.dense_records.append({"step": int(self.global_step), **self.evaluate()})

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        """Loss and accuracy on both splits, weight norm, mean update norm since the last evaluation."""
        metrics = {"weight_norm": float(weight_norm(self.model))}
        for split in ("train", "val"):
            logits = self.model(getattr(self, f"{split}_inputs"))
            labels = getattr(self, f"{split}_labels")
            metrics[f"{split}_loss"] = float(F.cross_entropy(logits, labels))
            metrics[f"{split}_accuracy"] = float((logits.argmax(-1) == labels).float().mean())
        metrics["update_norm"] = self.update_norm_sum / max(1, self.update_norm_count)
        self.update_norm_sum, self.update_norm_count = 0.0, 0
        return metrics

    def validation_step(self, batch, batch_index) -> None:
        metrics = self.evaluate()
        self.log_dict(metrics, batch_size=1)
        self.log("val_acc", metrics["val_accuracy"], prog_bar=True, batch_size=1, logger=False)

    def configure_optimizers(self):
        settings = self.optimizer_settings
        adam = torch.optim.Adam if settings.get("coupled_weight_decay") else torch.optim.AdamW  # L2 or decoupled
        optimizer = adam(
            self.model.parameters(),
            lr=settings["lr"],
            betas=tuple(settings["betas"]),
            weight_decay=settings["weight_decay"],
        )
        warmup = max(1, settings["warmup_steps"])
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warmup))
        return {"optimizer": optimizer, "lr_scheduler": schedule}  # stepped every step: after_optimizer_step

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["dense_records"] = self.dense_records
        if self.slow_gradients is not None:
            checkpoint["slow_gradients"] = self.slow_gradients.state_dict()

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self.dense_records = list(checkpoint.get("dense_records", []))
        if self.slow_gradients is not None:
            self.slow_gradients.load_state_dict(checkpoint["slow_gradients"])
        adopt_automatic_checkpoint(checkpoint, self.eval_every)

    def on_train_start(self) -> None:
        if self.slow_gradients is not None:  # loaded on the CPU by a resume; the module may be on a GPU now
            self.slow_gradients.to(self.device)


def flat_parameters(model: torch.nn.Module) -> torch.Tensor:
    """All parameters of ``model`` in one detached vector (a copy)."""
    return torch.cat([parameter.detach().reshape(-1) for parameter in model.parameters()])
