"""Modular-arithmetic datasets: every pair (a, b) over Z_p, labelled with a op b mod p.

Each example is the token sequence ``[a, b, =]`` (the ``=`` token has id ``p``) and its
label ``c``. The train/validation split is a random subset of the pairs drawn from the seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from phenomena.common.files import atomic_path, load_torch
from phenomena.grokking.runs import is_prime  # with the config checks: the Snakefile imports no torch

OPERATIONS = ("add", "sub", "div", "quad")
"""Supported operations; ``quad`` is a^2 + ab + b^2, ``div`` is a * b^-1 (b != 0)."""


def apply_operation(operation: str, a: np.ndarray, b: np.ndarray, p: int) -> np.ndarray:
    """Return ``a op b mod p`` elementwise for integer arrays ``a`` and ``b``."""
    if operation == "add":
        return (a + b) % p
    if operation == "sub":
        return (a - b) % p
    if operation == "div":
        inverse = np.array([pow(int(x), -1, p) for x in b], dtype=np.int64)
        return (a * inverse) % p
    if operation == "quad":
        return (a * a + a * b + b * b) % p
    raise ValueError(f"unknown operation {operation!r}; allowed: {', '.join(OPERATIONS)}")


@dataclass(frozen=True)
class ModularDataset:
    """All examples of one operation, split into train and validation sets."""

    modulus: int
    operation: str
    train_inputs: torch.Tensor  # (n_train, 3) int64 tokens [a, b, =]
    train_labels: torch.Tensor  # (n_train,) int64
    val_inputs: torch.Tensor
    val_labels: torch.Tensor

    @property
    def vocab_size(self) -> int:
        """Tokens 0..p-1 for numbers plus one for ``=``."""
        return self.modulus + 1

    def save(self, path: str | Path) -> None:
        fields = ("modulus", "operation", "train_inputs", "train_labels", "val_inputs", "val_labels")
        with atomic_path(path) as temporary:
            torch.save({name: getattr(self, name) for name in fields}, temporary)

    @classmethod
    def load(cls, path: str | Path) -> ModularDataset:
        return cls(**load_torch(path))


def all_pairs(operation: str, p: int) -> tuple[np.ndarray, np.ndarray]:
    """Every valid pair as tokens ``[a, b, =]`` (shape (n, 3)) and its labels (n,)."""
    a, b = np.meshgrid(np.arange(p), np.arange(p), indexing="ij")
    a, b = a.ravel(), b.ravel()
    if operation == "div":
        keep = b != 0
        a, b = a[keep], b[keep]
    labels = apply_operation(operation, a, b, p)
    equals = np.full_like(a, p)
    return np.stack([a, b, equals], axis=1).astype(np.int64), labels.astype(np.int64)


def make_dataset(operation: str, p: int, train_fraction: float, seed: int) -> ModularDataset:
    """All pairs of ``operation`` over Z_p, a random ``train_fraction`` of them for training."""
    if not is_prime(p):
        raise ValueError(f"modulus must be prime, got {p}")
    if not 0.0 < train_fraction < 1.0:
        raise ValueError(f"train_fraction must lie in (0, 1), got {train_fraction}")
    inputs, labels = all_pairs(operation, p)
    order = np.random.default_rng(seed).permutation(len(labels))
    n_train = round(train_fraction * len(labels))
    train, val = order[:n_train], order[n_train:]
    return ModularDataset(
        modulus=p,
        operation=operation,
        train_inputs=torch.from_numpy(inputs[train]),
        train_labels=torch.from_numpy(labels[train]),
        val_inputs=torch.from_numpy(inputs[val]),
        val_labels=torch.from_numpy(labels[val]),
    )
