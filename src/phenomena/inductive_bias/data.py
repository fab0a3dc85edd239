"""The study's MNIST-1D, generated offline, and the one fixed permutation of its 40 positions."""

from __future__ import annotations

from pathlib import Path

import torch

from phenomena.common.files import atomic_path
from phenomena.common.mnist1d import make_mnist1d

INPUT_LENGTH = 40  # positions of an MNIST-1D example


def input_permutation(seed: int, length: int = INPUT_LENGTH) -> torch.Tensor:
    """The permutation applied to every input of the ``permuted`` order: one draw, from ``seed``."""
    return torch.randperm(length, generator=torch.Generator().manual_seed(seed))


def make_data(settings: dict, path: str | Path) -> None:
    """MNIST-1D (train and test splits) and the input permutation, saved with torch."""
    data = make_mnist1d(settings["num_samples"], settings["train_split"], settings["seed"])
    data["permutation"] = input_permutation(settings["permutation_seed"], data["train_inputs"].shape[1])
    with atomic_path(path) as temporary:
        torch.save(data, temporary)
    print({name: tuple(tensor.shape) for name, tensor in data.items()}, flush=True)


def inputs_in_order(data: dict[str, torch.Tensor], order: str, train_examples: int | None = None) -> dict:
    """Train and test splits with inputs in ``order`` (``original`` or ``permuted``), the training
    set cut to its first ``train_examples`` examples when given."""
    columns = data["permutation"] if order == "permuted" else torch.arange(data["train_inputs"].shape[1])
    keep = slice(None) if train_examples is None else slice(0, train_examples)
    return {
        "train_inputs": data["train_inputs"][keep][:, columns],
        "train_labels": data["train_labels"][keep],
        "test_inputs": data["test_inputs"][:, columns],
        "test_labels": data["test_labels"],
    }
