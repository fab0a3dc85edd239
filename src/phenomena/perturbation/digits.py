"""The data of the zero-initialization runs (MNIST-1D), made by the perturbation_digits job.

Apart from :mod:`phenomena.perturbation.zero_init` so that the job does not import Lightning.
"""

from __future__ import annotations

from pathlib import Path

import torch

from phenomena.common.files import atomic_path
from phenomena.common.mnist1d import make_mnist1d


def make_digits(settings: dict, path: str | Path) -> None:
    """MNIST-1D for the zero-init runs, saved with torch."""
    data = make_mnist1d(settings["num_samples"], settings["train_split"], settings["seed"])
    with atomic_path(path) as temporary:
        torch.save(data, temporary)
    print({name: tuple(tensor.shape) for name, tensor in data.items()}, flush=True)
