"""The LightningModule of the double-descent study: a stack of models, each on its own data.

One Lightning epoch is one pass over the training set (for every member at once); after
each epoch every member's train and test loss and error are recorded, which gives the
epoch-wise curves of Nakkiran et al. from the same runs as the model-wise ones.

The module optimizes manually, one whole epoch of minibatch steps per ``training_step``:
the models are so small that Lightning's per-step bookkeeping (~3 ms) would otherwise cost
more than the arithmetic. Lightning still counts every optimizer step, checkpoints, resumes
and moves the data to the accelerator.
"""

from __future__ import annotations

import math

import numpy as np
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from phenomena.common.lightning import StepTicks
from phenomena.double_descent.data import LabelledData
from phenomena.double_descent.models import build_stack

SPLITS = ("train", "test")
METRICS = ("loss", "error")
EVAL_CHUNK = 2048  # examples per forward pass when measuring a whole split


def recorded_epochs(recording: dict) -> set[int]:
    """The epochs (counted from 1) measured under ``recording``: each of the ``last`` of
    ``epochs``, and every ``every``-th epoch or ``log_points`` log-spaced epochs from the first
    (rounded, so fewer where they fall on the same epoch)."""
    epochs = recording["epochs"]
    chosen = set(range(max(1, epochs - recording["last"] + 1), epochs + 1))
    if recording.get("every"):
        chosen |= set(range(recording["every"], epochs + 1, recording["every"]))
    if recording.get("log_points"):
        chosen |= {int(round(epoch)) for epoch in np.geomspace(1, epochs, recording["log_points"])}
    return chosen


def order_seed(seed: int, epoch: int) -> int:
    """Seed of a member's example order in one epoch: stateless, so a resumed run repeats it."""
    return seed * 1_000_003 + epoch


class StackModule(pl.LightningModule):
    """Trains ``len(datasets)`` members of one shape with Adam on summed per-member losses.

    Each member sees its own training set, in its own order (drawn from its seed and the
    epoch), so its trajectory is the one it would have alone.
    """

    def __init__(
        self,
        datasets: list[LabelledData],
        seeds: list[int],
        model: dict,
        width: int,
        optimizer: dict,
        batch_size: int,
        augment: bool = False,
        recording: dict | None = None,
    ):
        super().__init__()
        self.recorded_epochs = None if recording is None else recorded_epochs(recording)
        self.seeds = list(seeds)
        self.optimizer_settings = optimizer
        self.batch_size = batch_size
        self.augment = augment
        sizes = {len(d.train_labels) for d in datasets}
        if len(sizes) != 1:
            raise ValueError(f"members of a stack need training sets of one size, got {sorted(sizes)}")
        self.num_train = sizes.pop()
        first = datasets[0]
        self.stack = build_stack(model["name"], width, self.seeds, tuple(first.train_inputs.shape[1:]), model)
        self.register_buffer("train_inputs", torch.stack([d.train_inputs for d in datasets]), persistent=False)
        self.register_buffer("train_labels", torch.stack([d.train_labels for d in datasets]), persistent=False)
        self.register_buffer("test_inputs", first.test_inputs, persistent=False)
        self.register_buffer("test_labels", first.test_labels, persistent=False)
        self.records: list[dict] = []
        self.automatic_optimization = False

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.num_train / self.batch_size)

    def train_dataloader(self) -> DataLoader:
        return DataLoader(StepTicks(1), batch_size=None)  # one training_step = one epoch

    def val_dataloader(self) -> DataLoader:
        return DataLoader(StepTicks(1), batch_size=None)

    def epoch_orders(self) -> torch.Tensor:
        """Each member's example order in this epoch, ``(M, num_train)``."""
        orders = []
        for seed in self.seeds:
            generator = torch.Generator().manual_seed(order_seed(seed, self.current_epoch))
            orders.append(torch.randperm(self.num_train, generator=generator))
        return torch.stack(orders).to(self.device)

    def training_step(self, batch, batch_index: int) -> None:
        optimizer = self.optimizers()
        orders = self.epoch_orders()
        members = torch.arange(len(self.seeds), device=self.device).unsqueeze(1)
        for step in range(self.steps_per_epoch):
            rows = orders[:, step * self.batch_size : (step + 1) * self.batch_size]
            inputs, labels = self.train_inputs[members, rows], self.train_labels[members, rows]
            if self.augment:
                inputs = augment_images(inputs, order_seed(self.seeds[0], self.current_epoch) * 10_007 + step)
            logits = self.stack(inputs)
            losses = F.cross_entropy(logits.flatten(0, 1), labels.flatten(), reduction="none").view(labels.shape)
            optimizer.zero_grad(set_to_none=True)
            self.manual_backward(losses.mean(dim=1).sum())  # each member's gradient is its own mean loss's
            optimizer.step()

    def records_epoch(self, epoch: int) -> bool:
        """Whether the losses and errors after ``epoch`` (counted from 1) are measured: every
        epoch, or with ``recording`` those of :func:`recorded_epochs`. Measuring the whole test
        set costs more than a small training set's epoch of steps, and about 40% of a wide
        network's training."""
        return self.recorded_epochs is None or epoch in self.recorded_epochs

    @torch.no_grad()
    def validation_step(self, batch, batch_index: int) -> None:
        if not self.records_epoch(self.current_epoch + 1):
            return
        members = len(self.seeds)
        test_inputs = self.test_inputs.unsqueeze(0).expand(members, *self.test_inputs.shape)
        test_labels = self.test_labels.unsqueeze(0).expand(members, -1)
        measured = {
            "train": self._loss_and_error(self.train_inputs, self.train_labels),
            "test": self._loss_and_error(test_inputs, test_labels),
        }
        epoch = self.current_epoch + 1
        for index in range(len(self.seeds)):
            record = {"member": index, "epoch": epoch}
            for split, (loss, error) in measured.items():
                record[f"{split}_loss"], record[f"{split}_error"] = float(loss[index]), float(error[index])
            self.records.append(record)
        for split, (loss, error) in measured.items():
            self.log(f"{split}_error", error.mean(), batch_size=1, prog_bar=True)
            self.log(f"{split}_loss", loss.mean(), batch_size=1)

    def _loss_and_error(self, inputs: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean loss and error per member over a whole split, in chunks to bound memory."""
        loss_sum = torch.zeros(inputs.shape[0], device=self.device)
        wrong = torch.zeros(inputs.shape[0], device=self.device)
        for start in range(0, inputs.shape[1], EVAL_CHUNK):
            chunk_labels = labels[:, start : start + EVAL_CHUNK]
            logits = self.stack(inputs[:, start : start + EVAL_CHUNK])
            loss = F.cross_entropy(logits.flatten(0, 1), chunk_labels.flatten(), reduction="none")
            loss_sum += loss.view(chunk_labels.shape).sum(dim=1)
            wrong += (logits.argmax(-1) != chunk_labels).sum(dim=1)
        return loss_sum / inputs.shape[1], wrong / inputs.shape[1]

    def configure_optimizers(self):
        return torch.optim.Adam(self.stack.parameters(), lr=self.optimizer_settings["lr"], foreach=True)

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["double_descent_records"] = self.records

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self.records = list(checkpoint["double_descent_records"])


def augment_images(images: torch.Tensor, seed: int, padding: int = 4) -> torch.Tensor:
    """Random crop (zero padding) and horizontal flip of ``(M, B, C, H, W)`` images, from ``seed``.

    The standard CIFAR-10 augmentation of Nakkiran et al.; drawn from a seed, not the global
    generator, so a resumed run sees the same crops.
    """
    generator = torch.Generator().manual_seed(seed)
    members, batch, channels, height, width = images.shape
    flat = images.reshape(members * batch, channels, height, width)
    padded = F.pad(flat, (padding,) * 4)
    dy = torch.randint(0, 2 * padding + 1, (len(flat),), generator=generator).tolist()
    dx = torch.randint(0, 2 * padding + 1, (len(flat),), generator=generator).tolist()
    flip = torch.rand(len(flat), generator=generator) < 0.5
    crops = torch.stack([padded[i, :, y : y + height, x : x + width] for i, (y, x) in enumerate(zip(dy, dx))])
    crops[flip.to(crops.device)] = crops[flip.to(crops.device)].flip(-1)
    return crops.view(members, batch, channels, height, width)
