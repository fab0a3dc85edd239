"""``meta.json`` for every run: what was run, where, with which code, and how long it took."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import platform
import subprocess
from pathlib import Path

import torch

from phenomena.common.files import write_text_atomic
from phenomena.common.tables import write_parquet

PACKAGES = ("phenomena", "torch", "pytorch-lightning", "numpy", "pandas", "pyarrow")


def package_versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str | None]:
    """Installed version of each package, None where it is not installed."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in packages:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_commit(directory: str | Path = ".") -> str | None:
    """Commit of the checkout holding ``directory``, suffixed ``-dirty`` if it has changes."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=directory, capture_output=True, text=True, check=True).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        return commit + ("-dirty" if git("status", "--porcelain", "--untracked-files=no") else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def device_description() -> str:
    """'cuda: <name>' when a GPU is visible to torch, else 'cpu (<n> threads)'."""
    if torch.cuda.is_available():
        return f"cuda: {torch.cuda.get_device_name(0)}"
    return f"cpu ({torch.get_num_threads()} threads)"


def write_meta(
    path: str | Path,
    *,
    config: dict,
    seed: int,
    started: dt.datetime,
    finished: dt.datetime,
    extra: dict | None = None,
) -> dict:
    """Write the provenance record of one run to ``path`` (atomically) and return it."""
    meta = {
        "config": config,
        "seed": seed,
        "git_commit": git_commit(Path(__file__).parent),
        "packages": package_versions(),
        "device": device_description(),
        "hostname": platform.node(),
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "wall_time_s": round((finished - started).total_seconds(), 3),
        **(extra or {}),
    }
    write_text_atomic(path, json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return meta


def write_run_outputs(
    run_dir: str | Path, curves, *, settings: dict, seed: int, started: dt.datetime, extra: dict | None = None
) -> None:
    """The two outputs of every training run: ``history.parquet`` (its tidy curves), then
    ``meta.json`` (its provenance, finished now), each written atomically."""
    write_parquet(curves, Path(run_dir) / "history.parquet")
    write_meta(
        Path(run_dir) / "meta.json",
        config=settings,
        seed=seed,
        started=started,
        finished=dt.datetime.now(dt.timezone.utc),
        extra=extra,
    )
