"""MNIST-1D (Greydanus 2020), generated offline from its templates; shared by the studies that train on it."""

from __future__ import annotations

import torch

from phenomena.common.runtime import isolated_global_rng


def make_mnist1d(num_samples: int, train_split: float, seed: int) -> dict[str, torch.Tensor]:
    """Float32 ``train_inputs``/``test_inputs`` and int64 ``train_labels``/``test_labels``.

    Nothing is downloaded, and the caller's global random state is left as it was (the
    generator reseeds ``np.random`` with ``seed``).
    """
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.num_samples, args.train_split, args.seed = num_samples, train_split, seed
    with isolated_global_rng():
        data = make_dataset(args)
    return {
        "train_inputs": torch.as_tensor(data["x"], dtype=torch.float32),
        "train_labels": torch.as_tensor(data["y"], dtype=torch.int64),
        "test_inputs": torch.as_tensor(data["x_test"], dtype=torch.float32),
        "test_labels": torch.as_tensor(data["y_test"], dtype=torch.int64),
    }
