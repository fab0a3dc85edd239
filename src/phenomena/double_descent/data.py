"""Datasets of the double-descent study: MNIST-1D made offline, CIFAR-10 from disk, label noise.

A dataset file holds float inputs, the (possibly noisy) training labels, the clean training
labels, the indices of the flipped labels, and the clean test set.
"""

from __future__ import annotations

import pickle
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from phenomena.common import mnist1d
from phenomena.common.config import UserError
from phenomena.common.files import atomic_path, load_torch, read_input

NUM_CLASSES = 10
CIFAR10_TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR10_TEST_BATCH = "test_batch"
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)
CIFAR10_REDOWNLOAD = "download cifar-10-python.tar.gz again and unpack it (the data set is yours, not an output)"


@dataclass(frozen=True)
class LabelledData:
    """Train and test examples of one source, before or after label noise."""

    train_inputs: torch.Tensor  # (n_train, ...) float32
    train_labels: torch.Tensor  # (n_train,) int64, the labels trained on (noisy ones included)
    test_inputs: torch.Tensor
    test_labels: torch.Tensor
    clean_train_labels: torch.Tensor | None = None  # before label noise
    noisy_indices: torch.Tensor | None = None  # rows of the training set whose label was changed

    def save(self, path: str | Path) -> None:
        with atomic_path(path) as temporary:
            torch.save(asdict(self), temporary)

    @classmethod
    def load(cls, path: str | Path) -> LabelledData:
        return cls(**load_torch(path))


def make_mnist1d(num_samples: int, train_split: float, seed: int) -> LabelledData:
    """MNIST-1D from :func:`phenomena.common.mnist1d.make_mnist1d`, as :class:`LabelledData`."""
    return LabelledData(**mnist1d.make_mnist1d(num_samples, train_split, seed))


class MissingDataError(UserError, FileNotFoundError):
    """A dataset that must be provided on disk is not there."""


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    batch = read_input(path, _unpickle, kind="CIFAR-10 python batch", remedy=CIFAR10_REDOWNLOAD)
    images = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
    return images, np.asarray(batch[b"labels"], dtype=np.int64)


def _unpickle(path: Path) -> dict:
    with open(path, "rb") as handle:
        return pickle.load(handle, encoding="bytes")


def load_cifar10(directory: str | Path) -> LabelledData:
    """CIFAR-10 from the standard python-pickle batches (``cifar-10-batches-py``), normalised.

    Nothing is downloaded: a missing directory or batch file raises :class:`MissingDataError`
    naming what is missing.
    """
    directory = Path(directory)
    needed = [*CIFAR10_TRAIN_BATCHES, CIFAR10_TEST_BATCH]
    missing = [name for name in needed if not (directory / name).is_file()]
    if missing:
        raise MissingDataError(
            f"CIFAR-10 not found in {directory}: missing {', '.join(missing)}. Download the python "
            "version (cifar-10-python.tar.gz), unpack it, and set double_descent.data.cifar10_path "
            "to its cifar-10-batches-py directory"
        )
    train = [_read_cifar_batch(directory / name) for name in CIFAR10_TRAIN_BATCHES]
    test_images, test_labels = _read_cifar_batch(directory / CIFAR10_TEST_BATCH)
    mean = torch.tensor(CIFAR10_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CIFAR10_STD).view(1, 3, 1, 1)

    def normalise(images: np.ndarray) -> torch.Tensor:
        return (torch.from_numpy(images).float() / 255.0 - mean) / std

    return LabelledData(
        train_inputs=normalise(np.concatenate([images for images, _ in train])),
        train_labels=torch.from_numpy(np.concatenate([labels for _, labels in train])),
        test_inputs=normalise(test_images),
        test_labels=torch.from_numpy(test_labels),
    )


def flip_labels(
    labels: torch.Tensor, fraction: float, num_classes: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Replace ``round(fraction * n)`` labels, chosen at random, by a *different* random class.

    Returns the new labels and the sorted indices that were changed.
    """
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"label noise fraction must lie in [0, 1), got {fraction}")
    count = round(fraction * len(labels))
    indices = torch.randperm(len(labels), generator=generator)[:count].sort().values
    shift = torch.randint(1, num_classes, (count,), generator=generator)  # never 0: always another class
    noisy = labels.clone()
    noisy[indices] = (labels[indices] + shift) % num_classes
    return noisy, indices


def make_training_set(source: LabelledData, num_train: int, noise: float, seed: int) -> LabelledData:
    """The first-``num_train`` random training examples of ``source`` with label noise from ``seed``.

    The subset and the flipped labels depend only on ``(num_train, noise, seed)``; the test
    set is the source's, whole and clean.
    """
    if not 0 < num_train <= len(source.train_labels):
        raise ValueError(f"num_train must lie in [1, {len(source.train_labels)}], got {num_train}")
    generator = torch.Generator().manual_seed(seed)
    subset = torch.randperm(len(source.train_labels), generator=generator)[:num_train].sort().values
    clean = source.train_labels[subset]
    noisy, indices = flip_labels(clean, noise, NUM_CLASSES, generator)
    return LabelledData(
        train_inputs=source.train_inputs[subset],
        train_labels=noisy,
        test_inputs=source.test_inputs,
        test_labels=source.test_labels,
        clean_train_labels=clean,
        noisy_indices=indices,
    )


def training_sets(source: LabelledData, members) -> list[LabelledData]:
    """Each member's training set (a ``runs.Member``: its size, label noise and seed pick it from
    the source), as its training and the SLT study's LLC job make it."""
    return [make_training_set(source, m.num_train, m.label_noise, m.seed) for m in members]
