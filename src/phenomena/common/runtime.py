"""Per-job runtime set-up: threads, seeds, and sending a job's output to its log file."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import platform
import sys
import tempfile
import traceback
import warnings
from collections.abc import Iterator
from pathlib import Path

from phenomena.common.config import ConfigError, UserError
from phenomena.common.files import disk_full_error


def set_threads(threads: int) -> None:
    """Use exactly ``threads`` CPU threads in torch; on CPU many 1-thread jobs beat few wide ones."""
    import torch  # here: every job imports this module (output_to_log), figure and metric jobs need no torch

    torch.set_num_threads(max(1, int(threads)))


def check_accelerator(accelerator: str) -> None:
    """Stop in one line if config ``accelerator`` names a device this machine lacks.

    Lightning would raise later, with a traceback: ``gpu`` is CUDA or Apple's MPS, ``cuda`` and
    ``mps`` are each their own; ``auto`` and ``cpu`` always run.
    """
    import torch

    cuda, mps = torch.cuda.is_available(), torch.backends.mps.is_available()
    present = {"auto": True, "cpu": True, "gpu": cuda or mps, "cuda": cuda, "mps": mps}  # Lightning's names
    if accelerator not in present:
        raise ConfigError(f"config key accelerator: got {accelerator!r}; allowed: {', '.join(map(repr, present))}")
    if not present[accelerator]:
        device = {"mps": "Apple's MPS device", "cuda": "CUDA GPU", "gpu": "GPU (CUDA or MPS)"}[accelerator]
        raise ConfigError(
            f"config key accelerator: got {accelerator!r} but no {device} is visible on {platform.node()}; "
            "use auto or cpu here, or run on a machine (a SLURM GPU node: gpus_per_job) that has one"
        )


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (via Lightning, which also seeds dataloader workers)."""
    import pytorch_lightning as pl

    pl.seed_everything(seed, workers=True, verbose=False)


@contextlib.contextmanager
def imports_without_collection() -> Iterator[None]:
    """Python's cyclic garbage collector off while a rule's script imports what it needs.

    Importing torch and Lightning creates ~500k objects and no garbage, yet the collector,
    triggered by the allocations, traverses the growing heap again and again meanwhile: ~0.8 s
    of a training job's start, ~0.3 s of a figure job's. Every script under ``workflow/scripts``
    imports inside this. On the way out the imported objects are frozen (``gc.freeze``): they
    live as long as the process, so the collections during the job skip them.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.freeze()


@contextlib.contextmanager
def output_to_log(log_path: str | Path | None) -> Iterator[None]:
    """Send stdout, stderr (file descriptors included) and logging to ``log_path``.

    Snakemake scripts run in their own process; this puts progress bars and warnings of
    a job into the rule's ``log:`` file. With ``None`` nothing is redirected.

    A job that fails leaves its reason in the log (Snakemake prints a failed job's log): a
    mistake the user can fix as one ``phenomena: ...`` line, which also ends the process with
    that line and no traceback; any other exception with its traceback, then propagates.
    Fixable: a :class:`UserError`, and a full disk (ENOSPC, EDQUOT) wherever it is met, also
    in writers that do not go through :func:`~phenomena.common.files.atomic_path`
    (Lightning's default checkpoint writer, this log itself).

    The job's process ends soon after: on the way out every object is frozen (``gc.freeze``), so
    the interpreter's last garbage collections skip torch's and Lightning's modules, ~1.4 s of a
    training job's ~6 s of start and end. Objects in reference cycles then go without their
    finalizers; every output is written and closed before this point.
    """
    if log_path is None:
        yield
        return
    try:
        with redirected_output(log_path):
            try:
                yield
            except Exception as error:
                leave_reason_in_log(error)
                raise
    except Exception as error:
        line = one_line(error)
        if line is None:
            raise
        raise SystemExit(line) from None
    finally:
        gc.freeze()


def one_line(error: BaseException) -> str | None:
    """The line that ends a job for a mistake the user can fix; None for a bug (a traceback)."""
    if isinstance(error, UserError):
        return f"phenomena: {error}"
    full = disk_full_error(error)
    if full is None:
        return None
    target = full.filename2 or full.filename  # a copy's destination, else the file written
    where = (
        f"writing {target}"
        if target
        else f"(on the disk of results/ or of the temporary folder {tempfile.gettempdir()})"
    )
    return f"phenomena: {os.strerror(full.errno).lower()} {where}; free space and rerun snakemake"


def leave_reason_in_log(error: BaseException) -> None:
    """Its one line, or the traceback of a bug, on stderr (the log); a full disk may refuse it."""
    line = one_line(error)
    with contextlib.suppress(OSError):
        if line is None:
            traceback.print_exc()
        else:
            print(line, file=sys.stderr, flush=True)


@contextlib.contextmanager
def redirected_output(log_path: str | Path) -> Iterator[None]:
    """File descriptors 1 and 2, and logging, into ``log_path`` (appended); restored on exit."""
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log_path, "a", buffering=1) as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        logging.basicConfig(stream=sys.stderr, level=logging.INFO, force=True)
        warnings.simplefilter("default")
        try:
            yield
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
                os.close(saved[0])
                os.close(saved[1])


@contextlib.contextmanager
def isolated_global_rng() -> Iterator[None]:
    """Restore numpy's and Python's global random state on exit.

    Some generators reseed ``np.random`` themselves (``mnist1d.data.make_dataset`` does,
    with its own seed argument); without this, making data would silently change every
    later draw of the caller.
    """
    import random

    import numpy as np

    numpy_state, python_state = np.random.get_state(), random.getstate()
    try:
        yield
    finally:
        np.random.set_state(numpy_state)
        random.setstate(python_state)
