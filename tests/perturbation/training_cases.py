"""Tiny perturbation trainings (the diffusion model, the zero-initialized network) for the tests every
study's training must pass (tests/common/test_training.py, tests/common/test_faults_checkpoints.py: ``CASES`` of
every ``tests/*/training_cases.py``).

Each case builds its inputs in ``tmp_path`` and returns ``train(run_dir)``, which trains the run into
``run_dir`` and returns its curves, and the files of ``run_dir`` besides the history to compare.
Six epochs at least: the fault test stops a run five times, each time possibly at an epoch's end.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from phenomena.common.config import load_config
from phenomena.common.trainer_options import TrainerOptions

CPU = TrainerOptions(accelerator="cpu")

Train = Callable[[Path], pd.DataFrame]


def diffusion(repo: Path, tmp_path: Path) -> tuple[Train, list[str]]:
    from phenomena.perturbation import diffusion
    from phenomena.perturbation.runs import diffusion_runs, diffusion_training_settings

    study = load_config(repo / "config/config.yaml", repo / "config/smoke.yaml")["perturbation"]
    settings = diffusion_training_settings(next(iter(diffusion_runs(study).values())))
    settings["training"].update({"steps": 300, "log_every": 50, "batch_size": 32, "checkpoint_every": 100})
    return lambda run_dir, options=CPU: diffusion.train_diffusion(settings, run_dir, options=options), ["model.pt"]


def zero_init(repo: Path, tmp_path: Path) -> tuple[Train, list[str]]:
    from phenomena.perturbation.digits import make_digits
    from phenomena.perturbation.zero_init import train_zero_init

    data = tmp_path / "digits.pt"
    make_digits({"num_samples": 600, "train_split": 0.8, "seed": 42}, data)
    settings = {
        "run": "zero_init_default_seed0",
        "init": "default",
        "seed": 0,
        "model": {"width": 16, "hidden_layers": 2, "constant": 0.05},
        "training": {"epochs": 6, "batch_size": 50, "lr": 0.01, "checkpoint_every": 1},
    }
    return lambda run_dir, options=CPU: train_zero_init(settings, data, run_dir, options=options), []


CASES = {"diffusion": diffusion, "zero_init": zero_init}
