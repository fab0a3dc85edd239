"""Tiny grokking trainings for the tests every study's training must pass (tests/common/test_training.py,
tests/common/test_faults_checkpoints.py, which collect ``CASES`` from every ``tests/*/training_cases.py``).

Each case builds its inputs in ``tmp_path`` and returns ``train(run_dir)``, which trains the run into
``run_dir`` and returns its curves, and the files of ``run_dir`` besides the history to compare.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from phenomena.common.config import load_config
from phenomena.common.trainer_options import TrainerOptions

CPU = TrainerOptions(accelerator="cpu")
Train = Callable[[Path], pd.DataFrame]


def grokking(repo: Path, tmp_path: Path, max_steps: int = 200) -> tuple[Train, list[str]]:
    """Checkpoints every 3 epochs of 20 steps; ``max_steps`` longer for the test with real signals."""
    from phenomena.grokking.data import make_dataset
    from phenomena.grokking.runs import GrokkingRun, resolved_settings
    from phenomena.grokking.train import train_run

    run = GrokkingRun("add", 13, 0.5, 1.0, "grokfast", 1)  # grokfast: its slow gradients are state too
    study = load_config(repo / "config/config.yaml")["grokking"]
    study["modulus"] = run.modulus
    study["model"]["mlp"] = {"d_embed": 32, "d_hidden": 128}
    study["training"].update({"max_steps": max_steps, "eval_every": 20, "checkpoint_every": 60})
    settings = resolved_settings(study, run)
    data = tmp_path / "data.pt"
    make_dataset(run.operation, run.modulus, run.train_fraction, run.seed).save(data)
    return lambda run_dir, options=CPU: train_run(settings, data, run_dir, options=options), ["snapshots.pt"]


CASES = {"grokking": grokking}
