"""The tiny training cases of every study, and helpers to interrupt and compare them.

Each study's test folder has a ``training_cases.py`` whose ``CASES`` maps a name to
``make_case(repo, tmp_path) -> (train, files)``: ``train(run_dir, options=<cpu>)`` trains one tiny
run into ``run_dir`` with the Trainer options ``options`` and returns its curves; ``files`` are the
run's own files (snapshots, weights) to compare besides the history. The resume and fault tests
(tests/common/test_training.py, tests/common/test_faults_checkpoints.py) collect them all here, so a
new study's training is covered by adding its ``training_cases.py``, with no edit to those tests.
(tests/conftest.py puts this folder on sys.path.)
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import torch
from pytorch_lightning.callbacks import Callback

from phenomena.common import training

TESTS = Path(__file__).resolve().parent
Train = Callable[[Path], pd.DataFrame]
MakeCase = Callable[[Path, Path], tuple[Train, list[str]]]


def training_cases() -> dict[str, MakeCase]:
    """Every ``CASES`` of ``tests/*/training_cases.py``, by case name (names must not repeat)."""
    cases: dict[str, MakeCase] = {}
    for path in sorted(TESTS.glob("*/training_cases.py")):
        spec = importlib.util.spec_from_file_location(f"training_cases_{path.parent.name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        repeated = set(cases) & set(module.CASES)
        assert not repeated, f"{path}: case names already used: {sorted(repeated)}"
        cases.update(module.CASES)
    assert cases, f"no CASES in {TESTS}/*/training_cases.py"
    return cases


@contextlib.contextmanager
def extra_callbacks(monkeypatch, *extra: Callback) -> Iterator[None]:
    """Within the block, every Trainer that fit_run makes gets the ``extra`` callbacks too (after the study's)."""
    make_trainer = training.make_trainer

    def with_extra(run_dir, callbacks=(), **kwargs):
        return make_trainer(run_dir, callbacks=[*callbacks, *extra], **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(training, "make_trainer", with_extra)
        yield


def assert_same_run(whole: Path, resumed: Path, files: list[str], context: str = "") -> None:
    """Both run directories hold the same finished run: history byte for byte, steps, own files."""
    assert (whole / "history.parquet").read_bytes() == (resumed / "history.parquet").read_bytes(), context
    steps = [json.loads((run / "meta.json").read_text())["steps"] for run in (whole, resumed)]
    assert steps[0] == steps[1] > 0, context
    for file in files:
        assert_same_tensors(torch.load(whole / file), torch.load(resumed / file), f"{file} {context}")


def assert_same_tensors(a, b, where: str) -> None:
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b), where
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            assert_same_tensors(a[key], b[key], f"{where}[{key!r}]")
    else:
        assert a == b, where


# Real signals: `python tests/training_runs.py <case> <work> <case options> <faults>` (the last two
# as JSON; tests/common/test_faults_checkpoints.py).
# One fresh interpreter imports torch and Lightning once, then forks a process per attempt (seconds
# each saved on CI) that has touched neither CUDA nor a thread pool; the parent signals it for real.


def storm(case: str, options: dict, work: Path, faults: list[tuple[float, str, float]]) -> list[dict]:
    """Train ``case`` (made with ``options``) uninterrupted into ``work/whole``, then into ``work/run``
    once per fault and once more: fault ``(fraction, kind, delay)`` strikes its attempt with the real
    signal ``kind`` (SIGKILL, SIGTERM, SIGUSR1) ``delay`` seconds after the attempt's log shows a step
    at ``fraction`` of the uninterrupted run's steps or later. One record per attempt: what struck
    when, how it ended, what it wrote."""
    torch.set_num_threads(1)
    train, _ = training_cases()[case](TESTS.parent, work, **options)
    records = [attempt(train, work / "whole", work / "whole.log")]
    total = json.loads((work / "whole" / "meta.json").read_text())["steps"]
    for number, (fraction, kind, delay) in enumerate(faults):
        fault = (max(1, round(fraction * total)), kind, delay)
        records.append(attempt(train, work / "run", work / f"attempt{number}.log", fault))
    records.append(attempt(train, work / "run", work / "final.log"))
    return records


def attempt(train: Train, run_dir: Path, log: Path, fault: tuple[int, str, float] | None = None) -> dict:
    """One attempt in a child process, struck by ``fault`` (step, signal name, delay) if given."""
    from phenomena.common.runtime import output_to_log

    child = os.fork()
    if child == 0:
        status = 1
        try:
            with output_to_log(log):
                train(run_dir)
            status = 0
        finally:
            os._exit(status)
    record, status = {"log": str(log)}, None
    if fault is not None:
        step, kind, delay = fault
        seen, status = wait_for_step(child, log, step)
        record.update(kind=kind, step=step, seen=seen)
        if status is None:
            time.sleep(delay)
            os.kill(child, getattr(signal, kind))
    if status is None:
        _, status = os.waitpid(child, 0)
    ended = f"killed by {signal.Signals(os.WTERMSIG(status)).name}" if os.WIFSIGNALED(status) else None
    record["ended"] = ended or f"exit {os.WEXITSTATUS(status)}"
    record["wrote"] = [name for name in ("history.parquet", "meta.json") if (run_dir / name).exists()]
    return record


def wait_for_step(child: int, log: Path, step: int) -> tuple[int | None, int | None]:
    """The first step at or after ``step`` that the child's log shows (LineProgress's lines), or the
    child's wait status if it ended first."""
    while True:
        ended, status = os.waitpid(child, os.WNOHANG)
        if ended:
            return None, status
        steps = re.findall(r"^step (\d+)/", log.read_text() if log.exists() else "", re.M)
        if steps and int(steps[-1]) >= step:
            return int(steps[-1]), None
        time.sleep(0.002)


if __name__ == "__main__":
    case, work, options, faults = sys.argv[1], Path(sys.argv[2]), *map(json.loads, sys.argv[3:5])
    (work / "records.json").write_text(json.dumps(storm(case, options, work, faults)))
