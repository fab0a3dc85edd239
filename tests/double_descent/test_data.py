"""Data of the double-descent study: MNIST-1D offline, label noise, CIFAR-10 from a local directory."""

import pickle
import random

import numpy as np
import pytest
import torch

from phenomena.double_descent.data import (
    CIFAR10_TEST_BATCH,
    CIFAR10_TRAIN_BATCHES,
    LabelledData,
    MissingDataError,
    flip_labels,
    load_cifar10,
    make_mnist1d,
    make_training_set,
)


@pytest.fixture(scope="module")
def mnist1d():
    return make_mnist1d(num_samples=600, train_split=0.8, seed=42)


def test_mnist1d_has_the_requested_split(mnist1d):
    assert mnist1d.train_inputs.shape == (480, 40) and mnist1d.test_inputs.shape == (120, 40)
    assert mnist1d.train_inputs.dtype == torch.float32
    assert set(mnist1d.train_labels.tolist()) == set(range(10))


def test_mnist1d_leaves_the_global_random_state_alone():
    np.random.seed(7)
    random.seed(7)
    expected_numpy, expected_python = np.random.rand(), random.random()
    np.random.seed(7)
    random.seed(7)
    make_mnist1d(num_samples=100, train_split=0.8, seed=42)  # mnist1d reseeds np.random inside
    assert np.random.rand() == expected_numpy and random.random() == expected_python


def test_mnist1d_is_deterministic(mnist1d):
    again = make_mnist1d(num_samples=600, train_split=0.8, seed=42)
    assert torch.equal(again.train_inputs, mnist1d.train_inputs)


@pytest.mark.parametrize(("fraction", "flipped"), [(0.0, 0), (0.15, 150), (0.2, 200), (0.5, 500)])
def test_label_noise_flips_exactly_the_fraction_to_other_classes(fraction, flipped):
    labels = torch.arange(1000) % 10
    noisy, indices = flip_labels(labels, fraction, 10, torch.Generator().manual_seed(0))
    changed = torch.nonzero(noisy != labels).flatten()
    assert len(indices) == flipped and torch.equal(changed, indices)  # every chosen label changed class
    assert noisy.min() >= 0 and noisy.max() <= 9


def test_label_noise_depends_on_the_seed_only():
    labels = torch.arange(500) % 10
    first = flip_labels(labels, 0.2, 10, torch.Generator().manual_seed(3))
    again = flip_labels(labels, 0.2, 10, torch.Generator().manual_seed(3))
    other = flip_labels(labels, 0.2, 10, torch.Generator().manual_seed(4))
    assert torch.equal(first[0], again[0]) and not torch.equal(first[1], other[1])


def test_training_set_keeps_noisy_indices_and_clean_labels(mnist1d, tmp_path):
    data = make_training_set(mnist1d, num_train=400, noise=0.15, seed=1)
    assert len(data.train_labels) == 400 and len(data.noisy_indices) == 60
    assert torch.equal(torch.nonzero(data.train_labels != data.clean_train_labels).flatten(), data.noisy_indices)
    assert torch.equal(data.test_labels, mnist1d.test_labels)
    data.save(tmp_path / "data.pt")
    assert torch.equal(LabelledData.load(tmp_path / "data.pt").noisy_indices, data.noisy_indices)


def test_training_set_larger_than_the_source_is_refused(mnist1d):
    with pytest.raises(ValueError, match=r"num_train must lie in \[1, 480\], got 481"):
        make_training_set(mnist1d, num_train=481, noise=0.0, seed=0)


def write_fake_cifar(directory, per_batch=4):
    """A CIFAR-10 directory in the real format (python pickles), with a few random images each."""
    rng = np.random.default_rng(0)
    directory.mkdir()
    for name in (*CIFAR10_TRAIN_BATCHES, CIFAR10_TEST_BATCH):
        batch = {
            b"data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
            b"labels": [int(x) for x in rng.integers(0, 10, per_batch)],
        }
        with open(directory / name, "wb") as handle:
            pickle.dump(batch, handle)


def test_cifar10_is_read_from_the_python_batches(tmp_path):
    write_fake_cifar(tmp_path / "cifar-10-batches-py")
    data = load_cifar10(tmp_path / "cifar-10-batches-py")
    assert data.train_inputs.shape == (20, 3, 32, 32) and data.test_inputs.shape == (4, 3, 32, 32)
    assert data.train_labels.dtype == torch.int64
    assert -3 < float(data.train_inputs.min()) and float(data.train_inputs.max()) < 3  # normalised


def test_missing_cifar10_names_what_is_missing(tmp_path):
    write_fake_cifar(tmp_path / "cifar")
    (tmp_path / "cifar" / "data_batch_3").unlink()
    with pytest.raises(MissingDataError, match="missing data_batch_3.*double_descent.data.cifar10_path"):
        load_cifar10(tmp_path / "cifar")
    with pytest.raises(MissingDataError, match="nowhere"):
        load_cifar10(tmp_path / "nowhere")
