"""Every training of every study, killed after its first checkpoint and rerun, ends as the uninterrupted run.

Each case (``CASES`` of every ``tests/<study>/training_cases.py``, collected by
``training_runs.training_cases``) trains a tiny run of one study into a fresh directory; the test
then trains it again, kills it at the start of the first epoch after a checkpoint was written (as a
killed job would stop), reruns it, and compares what both runs wrote: the history, ``meta.json``'s
step count, and the study's own files (snapshots, weights) tensor by tensor.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pytorch_lightning.callbacks import Callback

from phenomena.common.lightning import CHECKPOINT_DIR, LAST_CHECKPOINT
from training_runs import assert_same_run, extra_callbacks, training_cases

CASES = training_cases()


class Killed(RuntimeError):
    pass


class KillAfterFirstCheckpoint(Callback):
    def __init__(self, run_dir: Path):
        self.checkpoint = Path(run_dir) / CHECKPOINT_DIR / LAST_CHECKPOINT

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        if self.checkpoint.exists():
            raise Killed(f"killed at step {trainer.global_step}")


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_resumed_run_equals_uninterrupted_run(case, repo, tmp_path, monkeypatch, capsys):
    train, files = CASES[case](repo, tmp_path)
    whole = train(tmp_path / "whole")

    with extra_callbacks(monkeypatch, KillAfterFirstCheckpoint(tmp_path / "resumed")), pytest.raises(Killed):
        train(tmp_path / "resumed")
    assert not (tmp_path / "resumed" / "history.parquet").exists()
    capsys.readouterr()
    resumed = train(tmp_path / "resumed")
    assert "resuming from" in capsys.readouterr().out

    pd.testing.assert_frame_equal(whole, resumed)
    assert_same_run(tmp_path / "whole", tmp_path / "resumed", files)


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_finished_run_whose_files_were_removed_trains_them_again(case, repo, tmp_path, capsys):
    """Snakemake removes a job's outputs before rerunning it (after a code change): the run must
    write them all again, not resume its finished checkpoint and leave its snapshots missing."""
    train, files = CASES[case](repo, tmp_path)
    if not files:
        pytest.skip("the run writes no files of its own besides its history")
    run_dir = tmp_path / "run"
    first = train(run_dir)
    for name in [*files, "history.parquet", "meta.json"]:
        (run_dir / name).unlink()
    capsys.readouterr()
    again = train(run_dir)
    pd.testing.assert_frame_equal(first, again)
    assert all((run_dir / name).exists() for name in files)
