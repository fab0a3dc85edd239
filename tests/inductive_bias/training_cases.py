"""Tiny inductive-bias trainings (a classifier with the explicit regularizer, a regression network
and its kernels) for the tests every study's training must pass (tests/common/test_training.py,
tests/common/test_faults_checkpoints.py: ``CASES`` of every ``tests/*/training_cases.py``).

Six evaluations at least: the fault test stops a run five times, each time possibly at an epoch's end.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from phenomena.common.trainer_options import TrainerOptions

CPU = TrainerOptions(accelerator="cpu")

Train = Callable[[Path], pd.DataFrame]


def regularized_sgd(repo: Path, tmp_path: Path) -> tuple[Train, list[str]]:
    from phenomena.inductive_bias.data import make_data
    from phenomena.inductive_bias.train import train_classifier

    data = tmp_path / "mnist1d.pt"
    make_data({"num_samples": 300, "train_split": 0.8, "seed": 42, "permutation_seed": 0}, data)
    training = {
        "optimizer": "sgd",
        "lr": 0.3,
        "batch_size": 20,
        "steps": 24,
        "evaluations": 6,
        "checkpoint_every": 4,
        "regularizer_batch": 10,
        "regularizer_form": "exact",
        "log_regularizer_batch": 10,
    }
    settings = {
        "run": "sgd_batch20_seed0",
        "job": "sgd_batch20",
        "seed": 0,
        "part": "sgd",
        "model": "mlp",
        "model_settings": {"width": 16, "hidden_layers": 2},
        "order": "permuted",
        "train_examples": 100,
        "batch_size": 20,
        "regularized": True,
        "training": training,
    }
    return lambda run_dir, options=CPU: train_classifier(settings, data, run_dir, options=options), []


def kernel(repo: Path, tmp_path: Path) -> tuple[Train, list[str]]:
    from phenomena.inductive_bias.train import train_kernel

    settings = {
        "run": "kernel_width32_alpha1_seed0",
        "job": "kernel_width32_alpha1",
        "seed": 0,
        "part": "kernel",
        "width": 32,
        "alpha": 1.0,
        "task": {"points": 6, "frequency": 3.0, "grid": 9, "grid_extent": 1.5},
        "training": {"lr": 0.5, "steps": 60, "evaluations": 6, "checkpoint_every": 10},
    }
    # its final kernel measures are in the history
    return lambda run_dir, options=CPU: train_kernel(settings, run_dir, options=options), []


CASES = {"inductive_bias_sgd": regularized_sgd, "inductive_bias_kernel": kernel}
