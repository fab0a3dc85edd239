"""Faults a training job meets on a cluster, and what each leaves: the same history as an uninterrupted run.

- checkpoints that cannot be read (``last.ckpt``, ``signal.ckpt``, both): moved aside with one warning
  line, the run resumes from the other one or from the beginning;
- ``SIGTERM`` (preemption, ``scancel``): a checkpoint at the end of the epoch, then a stop;
- five faults in a row at random points, any mix of ``SIGKILL``, ``SIGTERM`` and ``SIGUSR1``, for the
  training of every study (``CASES`` of every ``tests/<study>/training_cases.py``), in this process:
  signals are sent to it with ``os.kill``, and ``SIGKILL`` is emulated by an exception that stops the
  run with nothing more written (Lightning saves no checkpoint on an exception, ``fit_run`` no output);
- the same with real signals, to a training process of one study (slow).

The points are drawn from ``random.Random`` seeded with ``PHENOMENA_FAULT_SEED`` (default below) and
the case name: a failure names the seed, the faults and where they struck, and reproduces.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from pytorch_lightning.callbacks import Callback

from phenomena.common.checkpoints import resume_checkpoint
from phenomena.common.lightning import CHECKPOINT_DIR, LAST_CHECKPOINT, SIGNAL_CHECKPOINT, Interrupted
from training_runs import assert_same_run, extra_callbacks, training_cases
from workflow_copies import REPO

CASES = training_cases()
SEED = int(os.environ.get("PHENOMENA_FAULT_SEED", "16"))
FAULTS = 5
KINDS = {"SIGKILL": signal.SIGKILL, "SIGTERM": signal.SIGTERM, "SIGUSR1": signal.SIGUSR1}
Moment = tuple[int, int]  # (global step, rank of the hook): in the order training passes them
BATCH_END, VALIDATION_END, EPOCH_END, EPOCH_START = range(4)


class Killed(RuntimeError):
    """The emulated SIGKILL: the process is gone, nothing more is written."""


class Moments(Callback):
    """Each point where a job may die: an epoch's start, each batch's end, the end of validation
    (curves recorded, checkpoints not yet written: checkpoint callbacks run last), an epoch's end."""

    def __init__(self):
        self.seen: list[Moment] = []

    def at(self, moment: Moment) -> None:
        self.seen.append(moment)

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self.at((trainer.global_step, EPOCH_START))

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_index) -> None:
        self.at((trainer.global_step, BATCH_END))

    def on_validation_end(self, trainer, pl_module) -> None:
        if not trainer.sanity_checking:
            self.at((trainer.global_step, VALIDATION_END))

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        self.at((trainer.global_step, EPOCH_END))


class Fault(Moments):
    """Strike once, at the first moment at or after ``choose(first moment of this attempt)``."""

    def __init__(self, kind: str, choose: Callable[[Moment], Moment]):
        super().__init__()
        self.kind, self.choose = kind, choose
        self.target: Moment | None = None
        self.struck: Moment | None = None

    def at(self, moment: Moment) -> None:
        if self.struck is not None:
            return
        if self.target is None:
            self.target = self.choose(moment)
        if moment >= self.target:
            self.struck = moment
            if self.kind == "SIGKILL":
                raise Killed(f"killed at {moment}")
            os.kill(os.getpid(), KINDS[self.kind])


def assert_nothing_written(run_dir: Path, context: str) -> None:
    written = [name for name in ("history.parquet", "meta.json") if (run_dir / name).exists()]
    assert not written, f"an interrupted attempt wrote {written}; {context}"


def stopped_at(checkpoint: Path) -> int:
    return torch.load(checkpoint, map_location="cpu", weights_only=False)["global_step"]


def resume_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(("resuming from", "warning:"))]


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_five_random_faults_in_a_row_end_as_an_uninterrupted_run(case, repo, tmp_path, monkeypatch, capsys):
    train, files = CASES[case](repo, tmp_path)
    reference = Moments()
    with extra_callbacks(monkeypatch, reference):
        train(tmp_path / "whole")
    validations = [moment for moment in reference.seen if moment[1] == VALIDATION_END]
    assert len(validations) > FAULTS, f"{case}: {len(validations)} epochs; {FAULTS} faults need {FAULTS + 1}"
    rng = random.Random(f"{SEED}-{case}")
    kinds = [rng.choice(sorted(KINDS)) for _ in range(FAULTS)]

    def choose(remaining: int) -> Callable[[Moment], Moment]:
        # a signal stops at the next validation: leave one for each later fault, and the last
        last = validations[-(remaining + 1)]
        return lambda first: rng.choice([moment for moment in reference.seen if first <= moment <= last])

    run_dir, story = tmp_path / "faulted", []
    for number, kind in enumerate(kinds):
        fault = Fault(kind, choose(FAULTS - number))
        with extra_callbacks(monkeypatch, fault), pytest.raises((Killed, Interrupted)):
            train(run_dir)
        story.append(f"{kind} drawn {fault.target} struck {fault.struck} {resume_lines(capsys.readouterr().out)}")
        context = f"seed {SEED}, {case}: {story}"
        assert_nothing_written(run_dir, context)
        if kind != "SIGKILL":  # a checkpoint at the end of the epoch the signal came in
            expected = min(moment for moment in validations if moment >= fault.struck)[0]
            assert stopped_at(run_dir / CHECKPOINT_DIR / SIGNAL_CHECKPOINT) == expected, context
    train(run_dir)
    assert_same_run(tmp_path / "whole", run_dir, files, f"seed {SEED}, {case}: {story}")


class SignalAfterFirstCheckpoint(Callback):
    """Send ``signum`` at the start of the first epoch after ``last.ckpt`` was written."""

    def __init__(self, run_dir: Path, signum: int):
        self.checkpoint, self.signum, self.sent = Path(run_dir) / CHECKPOINT_DIR / LAST_CHECKPOINT, signum, False

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        if self.checkpoint.exists() and not self.sent:
            self.sent = True
            os.kill(os.getpid(), self.signum)


@pytest.fixture(scope="module")
def grokking_run(tmp_path_factory) -> tuple[Callable, list[str], Path]:
    """The tiny grokking training (it checkpoints every 3 epochs and keeps snapshots), and its
    uninterrupted run."""
    work = tmp_path_factory.mktemp("grokking")
    train, files = CASES["grokking"](REPO, work)
    train(work / "whole")
    return train, files, work / "whole"


def truncate(path: Path, newer_than: Path | None = None) -> bytes:
    """Cut ``path`` to 1,000 bytes (a copy killed midway); make it the newer checkpoint if asked."""
    path.write_bytes(path.read_bytes()[:1000])
    if newer_than is not None:
        later = newer_than.stat().st_mtime + 10
        os.utime(path, (later, later))
    return path.read_bytes()


@pytest.mark.parametrize("unreadable", ["last", "signal", "both"])
def test_unreadable_checkpoint_is_moved_aside_and_the_run_resumes_from_another(
    unreadable, grokking_run, tmp_path, monkeypatch, capsys
):
    """A run stopped on SIGUSR1 after its first last.ckpt leaves last.ckpt (step 60) and signal.ckpt
    (step 80); either or both are then cut short. The rerun moves each unreadable one aside (never over
    one moved aside before), says so in one line, resumes from the other or starts over, and ends
    as the uninterrupted run."""
    train, files, whole = grokking_run
    run_dir = tmp_path / "run"
    with extra_callbacks(monkeypatch, SignalAfterFirstCheckpoint(run_dir, signal.SIGUSR1)):
        with pytest.raises(Interrupted):
            train(run_dir)
    assert_nothing_written(run_dir, "SIGUSR1")
    last, signalled = (run_dir / CHECKPOINT_DIR / name for name in (LAST_CHECKPOINT, SIGNAL_CHECKPOINT))
    assert stopped_at(last) < stopped_at(signalled)
    earlier = last.with_name("last.ckpt.unreadable")  # moved aside by an earlier attempt: kept
    earlier.write_bytes(b"moved aside before")
    cut = {}
    if unreadable in ("last", "both"):
        cut[last] = truncate(last, newer_than=signalled)  # the newer one: tried first
    if unreadable in ("signal", "both"):
        cut[signalled] = truncate(signalled, newer_than=last)
    capsys.readouterr()

    train(run_dir)
    output = capsys.readouterr().out
    warnings = [line for line in output.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, output
    moved = {last: last.with_name("last.ckpt.unreadable.2"), signalled: signalled.with_name("signal.ckpt.unreadable")}
    for path, content in cut.items():
        assert f"unreadable checkpoint {path} (" in warnings[0] and f"moved to {moved[path]}" in warnings[0]
        assert moved[path].read_bytes() == content
    assert earlier.read_bytes() == b"moved aside before"
    readable = {"last": signalled, "signal": last}.get(unreadable)
    outcome = f"; resuming from {readable}" if readable else "; starting from the beginning"
    assert warnings[0].endswith(outcome), warnings[0]
    assert_same_run(whole, run_dir, files, warnings[0])


def test_temporaries_of_a_save_killed_midway_are_removed_and_never_resumed_from(tmp_path, capsys):
    """A checkpoint is written to a temporary beside it and renamed (AtomicCheckpointIO): a kill during
    the save leaves the temporary, which the next attempt removes, and the old checkpoint whole."""
    resume_checkpoint(tmp_path, {"training": {}})  # the settings stamp
    leftover = tmp_path / CHECKPOINT_DIR / ".last.k1ll3d.ckpt"
    leftover.write_bytes(b"cut short")
    assert resume_checkpoint(tmp_path, {"training": {}}) is None
    assert not leftover.exists() and capsys.readouterr().out == ""


def test_sigterm_checkpoints_at_the_end_of_the_epoch_and_stops(grokking_run, tmp_path, monkeypatch, capsys):
    """SIGTERM (preemption, scancel; SIGKILL follows after SLURM's KillWait): signal.ckpt at the end
    of the epoch, Interrupted, no output; the process gets its own SIGTERM handler back; the rerun
    resumes from signal.ckpt and ends as the uninterrupted run."""
    train, files, whole = grokking_run
    run_dir = tmp_path / "run"
    before = signal.getsignal(signal.SIGTERM)
    with extra_callbacks(monkeypatch, SignalAfterFirstCheckpoint(run_dir, signal.SIGTERM)):
        with pytest.raises(Interrupted):
            train(run_dir)
    assert signal.getsignal(signal.SIGTERM) is before
    assert "received SIGTERM: checkpointing at the end of this epoch" in capsys.readouterr().out
    checkpoints = run_dir / CHECKPOINT_DIR
    assert (stopped_at(checkpoints / LAST_CHECKPOINT), stopped_at(checkpoints / SIGNAL_CHECKPOINT)) == (60, 80)
    assert_nothing_written(run_dir, "SIGTERM")

    train(run_dir)
    assert f"resuming from {checkpoints / SIGNAL_CHECKPOINT}\n" in capsys.readouterr().out
    assert_same_run(whole, run_dir, files)


@pytest.mark.slow
def test_real_signals_five_in_a_row_end_as_an_uninterrupted_run(tmp_path):
    """Real SIGKILL, SIGTERM and SIGUSR1 to a training process of one study (grokking, 600 steps: room
    for five stops), five attempts in a row, each a new process resuming from what the last one left;
    then a last attempt to the end. (One interpreter forks the attempts: ``training_runs.storm``.)"""
    rng = random.Random(f"{SEED}-real")
    fractions = sorted(rng.uniform(0.05, 0.6) for _ in range(FAULTS))  # of the run's steps
    faults = [(fraction, rng.choice(sorted(KINDS)), rng.uniform(0, 0.03)) for fraction in fractions]
    helper = Path(__file__).resolve().parents[1] / "training_runs.py"
    command = [sys.executable, helper, "grokking", tmp_path, json.dumps({"max_steps": 600}), json.dumps(faults)]
    done = subprocess.run(command, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    whole, *attempts, final = json.loads((tmp_path / "records.json").read_text())
    story = f"seed {SEED}: {[{key: record[key] for key in ('kind', 'step', 'seen', 'ended')} for record in attempts]}"
    assert whole["ended"] == final["ended"] == "exit 0", story
    for record in attempts:
        assert record["seen"] is not None, f"the attempt ended before its fault; {story}"
        log = Path(record["log"]).read_text()
        if record["kind"] == "SIGKILL":
            assert record["ended"] == "killed by SIGKILL", story
        else:
            assert record["ended"] == "exit 1", story
            assert f"received {record['kind']}" in log and "Interrupted: stopped on a signal" in log, story
        assert record["wrote"] == [], f"an interrupted attempt wrote {record['wrote']}; {story}"
    assert_same_run(tmp_path / "whole", tmp_path / "run", ["snapshots.pt"], story)
