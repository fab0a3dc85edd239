"""A tiny toy-model training (the SLT study's only training) for the tests every study's training
must pass (tests/common/test_training.py, tests/common/test_faults_checkpoints.py: ``CASES`` of
every ``tests/*/training_cases.py``): 400 steps, a checkpoint every 60 (six at least, for the fault
test's five stops), the snapshots and the training set compared besides the history."""

from __future__ import annotations

import copy
from pathlib import Path

from phenomena.common.trainer_options import TrainerOptions

CPU = TrainerOptions(accelerator="cpu")


def superposition(repo: Path, tmp_path: Path):
    from phenomena.slt.superposition import DEFAULT_SETTINGS, train_superposition

    settings = copy.deepcopy(DEFAULT_SETTINGS)
    settings.update({"examples": 200, "snapshots": 10, "seed": 1})
    settings["training"].update({"steps": 400, "lr": 0.2, "checkpoint_every": 60})
    files = ["snapshots.pt", "dataset.pt"]
    return lambda run_dir, options=CPU: train_superposition(settings, run_dir, options=options), files


CASES = {"superposition": superposition}
