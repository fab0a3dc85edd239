"""A tiny AlphaZero training (tree search) for the tests every study's training must pass
(tests/common/test_training.py, tests/common/test_faults_checkpoints.py:
``CASES`` of every ``tests/*/training_cases.py``).

Each case builds its inputs in ``tmp_path`` and returns ``train(run_dir)``, which trains the run into
``run_dir`` and returns its curves, and the files of ``run_dir`` besides the history to compare.
Six iterations (Lightning epochs): the fault test stops a run five times, each time possibly at an epoch's end.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from phenomena.common.config import load_config
from phenomena.common.trainer_options import TrainerOptions

CPU = TrainerOptions(accelerator="cpu")
Train = Callable[[Path], pd.DataFrame]


def tree_search(repo: Path, tmp_path: Path) -> tuple[Train, list[str]]:
    from phenomena.tree_search.runs import plan_runs, resolved_settings
    from phenomena.tree_search.train import train_run

    study = load_config(repo / "config/config.yaml", repo / "config/smoke.yaml")["tree_search"]
    study["training"].update({"iterations": 6, "checkpoint_every": 1, "snapshot_every": 1})
    settings = resolved_settings(study, next(iter(plan_runs(study).values())))
    return lambda run_dir, options=CPU: train_run(settings, run_dir, options=options), [
        f"snapshots/iter{i:04d}.pt" for i in settings["snapshots"]
    ]


CASES = {"tree_search": tree_search}
