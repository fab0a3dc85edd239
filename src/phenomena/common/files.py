"""Writing outputs atomically, and reading inputs, with one clear line when the disk fails us.

An output is either complete or absent, never half-written: it is written to a temporary
beside its final name and renamed on success. A full disk (or quota) while writing leaves
nothing under the final name and ends the job with one line (:class:`DiskFullError`).

An input that Snakemake takes as up to date may still be unreadable: cut short by a full
disk or a killed copy, damaged on a shared file system. Every loader reads through
:func:`read_input`, which names the file, what is wrong and how to rebuild it
(:class:`UnreadableInputError`) instead of dumping the reader's traceback.
"""

from __future__ import annotations

import contextlib
import errno
import os
import pickle
import shlex
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from phenomena.common.config import UserError

T = TypeVar("T")

DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
LOW_SPACE_BYTES = 1 << 20
"""Below this much free space, a writer's error without an errno is taken for a full disk."""

KINDS = {".parquet": "Parquet", ".pt": "torch"}
"""The format named in the message about an unreadable file, by suffix."""

REBUILD = "delete it and rerun snakemake, which rebuilds missing files: rm {path}"
"""How to rebuild a damaged upstream output; Snakemake reruns the job of a missing output."""


class DiskFullError(UserError, OSError):
    """The disk (or the quota) filled up while writing an output; nothing was left under its name."""


class UnreadableInputError(UserError):
    """An input exists, or should, but cannot be read; the message says how to rebuild it."""


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    The temporary file keeps the final suffix so writers that infer the format from it
    (matplotlib, pyarrow) behave as they would on the real path. It is removed on any
    failure; a full disk becomes a :class:`DiskFullError` naming ``path``, so the job ends
    with that line and not with the writer's traceback (torch's reads "unexpected pos").
    """
    path = Path(path)
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
        os.close(handle)
        os.chmod(temporary, 0o666 & ~current_umask())  # mkstemp makes 0600; outputs follow the umask
        yield Path(temporary)
        os.replace(temporary, path)
    except Exception as error:
        if isinstance(error, UserError) or not filled_the_disk(error, path.parent):
            raise
        raise DiskFullError(
            f"{disk_full_reason(error)} writing {path}; nothing was written under that name; "
            "free space and rerun snakemake"
        ) from error
    finally:
        if temporary is not None:
            with contextlib.suppress(FileNotFoundError):
                os.remove(temporary)


def disk_full_error(error: BaseException | None) -> OSError | None:
    """The OSError of a full disk or quota that ``error`` is, or was raised from or during."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS:
            return error
        error = error.__cause__ or error.__context__
    return None


def disk_full_reason(error: BaseException) -> str:
    """'no space left on device' or 'disk quota exceeded', as the system words it."""
    found = disk_full_error(error)
    return os.strerror(found.errno if found is not None else errno.ENOSPC).lower()


def filled_the_disk(error: BaseException, directory: Path) -> bool:
    """Whether writing in ``directory`` failed for want of space.

    Most writers raise OSError(ENOSPC); torch's C++ writer raises a RuntimeError without an
    errno, so for that one the free space left in ``directory`` decides.
    """
    if disk_full_error(error) is not None:
        return True
    if not isinstance(error, RuntimeError):
        return False
    try:
        return shutil.disk_usage(directory).free < LOW_SPACE_BYTES
    except OSError:
        return False


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(text)


def unreadable_errors() -> tuple[type[BaseException], ...]:
    """What the readers raise on a damaged file: OS errors (torch's zip reader seeks past the
    end: EINVAL), torch's zip reader (RuntimeError), pickle, zipfile, and pyarrow when loaded."""
    errors: list[type[BaseException]] = [OSError, EOFError, RuntimeError, pickle.UnpicklingError, zipfile.BadZipFile]
    arrow = sys.modules.get("pyarrow.lib")
    if arrow is not None:
        errors.append(arrow.ArrowException)
    return tuple(errors)


def read_input(path: str | Path, load: Callable[[str | Path], T], *, kind: str = "", remedy: str = REBUILD) -> T:
    """``load(path)``, with a reader's error on a damaged file turned into an
    :class:`UnreadableInputError` naming ``path``, what is wrong (not a ``kind`` file; by
    default the format its suffix says) and ``remedy`` (formatted with the quoted path).
    ``load`` should only deserialize: any error it raises is taken for the file's fault."""
    try:
        return load(path)
    except UserError:
        raise
    except FileNotFoundError as error:
        raise UnreadableInputError(f"cannot read {path}: no such file; rerun snakemake to rebuild it") from error
    except PermissionError as error:
        raise UnreadableInputError(f"cannot read {path}: permission denied; make it readable and rerun") from error
    except unreadable_errors() as error:
        advice = remedy.format(path=shlex.quote(str(path)))
        raise UnreadableInputError(f"cannot read {path}: {what_is_wrong(Path(path), error, kind)}; {advice}") from error


def what_is_wrong(path: Path, error: BaseException, kind: str = "") -> str:
    """'not a Parquet file: truncated? (ArrowInvalid: Parquet magic bytes not found in footer)'
    and the like."""
    kind = kind or KINDS.get(path.suffix, "readable")
    with contextlib.suppress(OSError):
        if path.stat().st_size == 0:
            return f"empty file, not a {kind} file: truncated?"
    return f"not a {kind} file: truncated? ({type(error).__name__}: {first_sentence(error)})"


def first_sentence(error: BaseException, limit: int = 120) -> str:
    """The first sentence of an error's message, without the path that we name anyway."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else "no message"
    if ": " in text and text.startswith("Could not open Parquet input source"):
        text = text.split(": ", 1)[1]
    text = text.split(". ", 1)[0].rstrip(".")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def load_torch(path: str | Path) -> Any:
    """A file written by ``torch.save`` (tensors, dicts and plain values only), read through
    :func:`read_input`. Where no CUDA GPU is visible, tensors saved on one come to the CPU: a file
    written by a GPU job reads on a CPU-only node (torch would refuse it otherwise)."""
    import torch  # here: the Snakefile imports modules of this package that must stay torch-free

    map_location = None if torch.cuda.is_available() else "cpu"
    return read_input(path, lambda file: torch.load(file, weights_only=True, map_location=map_location))
