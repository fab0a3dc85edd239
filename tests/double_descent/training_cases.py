"""A tiny double-descent training (stacked members) for the tests every study's training must pass
(tests/common/test_training.py, tests/common/test_faults_checkpoints.py:
``CASES`` of every ``tests/*/training_cases.py``).

Each case builds its inputs in ``tmp_path`` and returns ``train(run_dir)``, which trains the run into
``run_dir`` and returns its curves, and the files of ``run_dir`` besides the history to compare.
Six epochs at least: the fault test stops a run five times, each time possibly at an epoch's end.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from phenomena.common.trainer_options import TrainerOptions

CPU = TrainerOptions(accelerator="cpu")
Train = Callable[[Path], pd.DataFrame]


def double_descent(repo: Path, tmp_path: Path) -> tuple[Train, list[str]]:
    from phenomena.double_descent.data import make_mnist1d
    from phenomena.double_descent.train import train_job

    source = tmp_path / "source.pt"
    make_mnist1d(num_samples=600, train_split=0.8, seed=42).save(source)
    members = [{"model": "mlp", "width": 16, "num_train": 300, "label_noise": 0.2, "seed": seed} for seed in (0, 1)]
    settings = {
        "members": members,
        "model": {"name": "mlp", "hidden_layers": 2},
        "optimizer": {"lr": 3e-3},
        "training": {"epochs": 6, "batch_size": 50, "checkpoint_every": 2, "augment": False},
    }

    def train(run_dir: Path, options: TrainerOptions = CPU) -> pd.DataFrame:
        return train_job(settings, source, run_dir, options=options, keep_weights=True)

    return train, ["weights.pt"]  # the trained stack the SLT study reads


CASES = {"double_descent": double_descent}
