"""The checkpoints a training run resumes from: where they are, how they are written, which one is used.

- :func:`resume_checkpoint` picks the checkpoint a run resumes from: the newest *readable* one of
  ``last.ckpt`` and ``signal.ckpt``, after discarding those made with other settings. An
  unreadable one (cut short by a full disk, a crashed node, a kill while it was copied) is moved
  aside, never deleted, and never stops the run: training is deterministic and checkpoints carry
  the random state, so resuming from an older checkpoint, or from the beginning, ends with the
  same history as an uninterrupted run, only later.
- :class:`AtomicCheckpointIO` writes checkpoints by renaming a complete file onto the old one.

Why no older "good" checkpoint is kept beside ``last.ckpt``: checkpoints are replaced atomically,
so an attempt killed while saving leaves the previous checkpoint whole; only a file damaged after
it was written is lost, and then the run costs time, not correctness.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import torch
from lightning_fabric.plugins import TorchCheckpointIO

from phenomena.common.files import atomic_path, first_sentence, write_text_atomic

CHECKPOINT_DIR = "checkpoints"
LAST_CHECKPOINT = "last.ckpt"
SIGNAL_CHECKPOINT = "signal.ckpt"  # saved on a signal: SLURM's before the time limit, or SIGTERM
UNREADABLE = ".unreadable"  # suffix of a checkpoint moved aside
STEP_BUDGET_KEYS = ("max_steps", "epochs")  # raising these continues a run instead of restarting it


class AtomicCheckpointIO(TorchCheckpointIO):
    """Save a checkpoint to a temporary file beside it, then rename it onto the checkpoint.

    Lightning's own save goes through a temporary file in ``$TMPDIR`` and ``shutil.move``: when
    ``$TMPDIR`` is on another filesystem (node-local ``/tmp``, results on a shared disk), the move
    copies onto ``last.ckpt`` in place, and a job killed during the copy leaves it cut short,
    with the previous checkpoint already gone.
    """

    def save_checkpoint(self, checkpoint: dict[str, Any], path, storage_options: Any | None = None) -> None:
        if storage_options is not None:
            raise TypeError("AtomicCheckpointIO takes no storage_options")
        with atomic_path(path) as temporary:
            torch.save(checkpoint, temporary)


def resume_checkpoint(run_dir: str | Path, settings: dict) -> Path | None:
    """The checkpoint to resume from, or None for a fresh start: the newest readable of ``last.ckpt``
    and ``signal.ckpt`` (the one saved on a signal, :class:`phenomena.common.lightning.CheckpointOnSignal`).

    A checkpoint is reused only if it was made with the same ``settings`` (compared as JSON, the
    budget ``training.max_steps`` or ``training.epochs`` excepted: raising it continues a run). A
    checkpoint left by other settings is deleted, so a changed config never silently continues an
    old run. An unreadable checkpoint is moved aside (:func:`move_aside`); one line says so.
    """
    directory = Path(run_dir) / CHECKPOINT_DIR
    stamp = directory / "settings.json"
    identity = json.dumps(_without_step_budget(settings), sort_keys=True)
    if directory.exists() and (not stamp.exists() or stamp.read_text() != identity):
        print(f"discarding checkpoints in {directory}: they were made with other settings", flush=True)
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    write_text_atomic(stamp, identity)
    for leftover in directory.glob(".*.ckpt"):  # temporaries of a save that was killed (atomic_path)
        leftover.unlink()
    candidates = [path for path in (directory / LAST_CHECKPOINT, directory / SIGNAL_CHECKPOINT) if path.exists()]
    moved = []
    for candidate in sorted(candidates, key=lambda path: path.stat().st_mtime, reverse=True):
        problem = unreadable(candidate)
        if problem is None:
            _report(moved, f"resuming from {candidate}")
            return candidate
        moved.append(f"unreadable checkpoint {candidate} ({problem}) moved to {move_aside(candidate)}")
    _report(moved, "starting from the beginning")
    return None


def _report(moved: list[str], outcome: str) -> None:
    """One line: the outcome, led by the checkpoints moved aside (a warning) if any."""
    if moved:
        print(f"warning: {'; '.join(moved)}; {outcome}", flush=True)
    elif outcome.startswith("resuming"):
        print(outcome, flush=True)


def unreadable(path: Path) -> str | None:
    """Why the checkpoint at ``path`` cannot be resumed from, or None if it can.

    It is loaded whole, as Lightning will load it: a file cut short fails in ``torch.load``
    (our own files, so unpickling them is safe).
    """
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as error:  # any failure to read it means: do not resume from it
        return f"{type(error).__name__}: {first_sentence(error, limit=200)}"  # torch adds advice after
    if not isinstance(loaded, dict) or "state_dict" not in loaded:
        return "not a Lightning checkpoint"
    return None


def callback_state(path: Path, state_key: str) -> dict:
    """What the callback of ``state_key`` saved in the checkpoint at ``path`` (empty if nothing); for a
    checkpoint :func:`resume_checkpoint` found readable."""
    return torch.load(path, map_location="cpu", weights_only=False).get("callbacks", {}).get(state_key, {})


def move_aside(path: Path) -> Path:
    """Rename ``path`` to ``<name>.unreadable`` (``.unreadable.2``, ... if taken): kept for inspection,
    out of the way of the next checkpoint, and never over one moved aside before."""
    target = path.with_name(path.name + UNREADABLE)
    number = 1
    while target.exists():
        number += 1
        target = path.with_name(f"{path.name}{UNREADABLE}.{number}")
    path.rename(target)
    return target


def _without_step_budget(settings: dict) -> dict:
    trimmed = dict(settings)
    if isinstance(trimmed.get("training"), dict):
        trimmed["training"] = {k: v for k, v in trimmed["training"].items() if k not in STEP_BUDGET_KEYS}
    return trimmed
