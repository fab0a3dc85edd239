"""``meta.json`` for every run: what was run, where, with which code and environment, and how long it took.

The environment is named by its lock (docs/lock.md): the sha256 of the lock file in
requirements/ beside the installed package, and whether every package it pins is installed at
its pinned version. The workflow imports this module when it parses (studies.smk: the figures'
``lock`` param, shown in the report), so torch and pandas are imported only where needed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import platform
import re
import subprocess
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from phenomena.common.files import write_text_atomic

PACKAGES = ("phenomena", "torch", "pytorch-lightning", "numpy", "pandas", "pyarrow")
REPO = Path(__file__).resolve().parents[2].parent
"""The checkout of an editable install (this file is its src/phenomena/common/provenance.py)."""
LOCKS = ("requirements/tests.txt", "requirements/pipeline.txt")
"""The locks an environment may be installed from (requirements/refresh.sh makes them)."""
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;\\]+)", re.M)


def package_versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str | None]:
    """Installed version of each package, None where it is not installed."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in packages:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def lock_pins(lock: str | Path) -> dict[str, str]:
    """Pinned version of each package of a lock (``name==version`` lines), by canonical name."""
    return {canonicalize_name(name): version for name, version in PIN.findall(Path(lock).read_text())}


def installed_versions() -> dict[str, str]:
    """Version of every installed distribution, by canonical name (the first on sys.path wins)."""
    versions: dict[str, str] = {}
    for distribution in importlib.metadata.distributions():
        name = distribution.metadata["Name"]
        if name:
            versions.setdefault(canonicalize_name(name), distribution.version)
    return versions


def same_version(installed: str, pinned: str) -> bool:
    try:
        return Version(installed) == Version(pinned)
    except InvalidVersion:
        return installed == pinned


def lock_mismatches(pins: dict[str, str], installed: dict[str, str]) -> list[str]:
    """Each pinned package not installed at its pin: 'numpy 2.4.5 (lock 2.4.6)', 'pytest not installed (lock 9.2.0)'."""
    mismatches = []
    for name, pinned in sorted(pins.items()):
        version = installed.get(name)
        if version is None:
            mismatches.append(f"{name} not installed (lock {pinned})")
        elif not same_version(version, pinned):
            mismatches.append(f"{name} {version} (lock {pinned})")
    return mismatches


def lock_status(repo: str | Path | None = REPO) -> dict:
    """The lock of the installed environment: of the locks in ``repo`` (the checkout of the
    installed package), the one the environment departs from least (the larger on a tie: the
    tests' lock holds the pipeline's); its path, sha256, whether every package it pins is
    installed at its pin, and those that are not. All None where no lock is found (a package
    installed from a wheel has no checkout)."""
    found = [relative for relative in LOCKS if repo is not None and (Path(repo) / relative).is_file()]
    if not found:
        return {"file": None, "sha256": None, "matches": None, "mismatches": None}
    installed = installed_versions()
    candidates = []
    for relative in found:
        pins = lock_pins(Path(repo) / relative)
        candidates.append((len(lock_mismatches(pins, installed)), -len(pins), relative))
    relative = min(candidates)[2]
    path = Path(repo) / relative
    mismatches = lock_mismatches(lock_pins(path), installed)
    return {
        "file": relative,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "matches": not mismatches,
        "mismatches": mismatches,
    }


def lock_summary(status: dict | None = None) -> str:
    """:func:`lock_status` in one line (the report shows it with each figure)."""
    status = lock_status() if status is None else status
    if status["file"] is None:
        return "no lock found (requirements/ beside the installed package)"
    count = len(status["mismatches"])
    agreement = (
        "the installed environment matches it"
        if status["matches"]
        else f"{count} installed package{'s' * (count != 1)} differ{'s' * (count == 1)} from it"
    )
    return f"{status['file']} sha256 {status['sha256']}; {agreement}"


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
    """What torch can see: the first CUDA GPU when one is visible, else the CPU (:func:`describe_device`).
    A training run records the device it used instead (``fit_run``)."""
    import torch

    return describe_device("cuda" if torch.cuda.is_available() else "cpu")


def describe_device(device) -> str:
    """The device a run trained on: 'cuda:0 (<name>)', 'mps', or 'cpu (<n> threads)'."""
    import torch

    device = torch.device(device)
    if device.type == "cuda":
        return f"{device.type}:{device.index or 0} ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return str(device)


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
        "lock": lock_status(),
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
    from phenomena.common.tables import write_parquet

    write_parquet(curves, Path(run_dir) / "history.parquet")
    write_meta(
        Path(run_dir) / "meta.json",
        config=settings,
        seed=seed,
        started=started,
        finished=dt.datetime.now(dt.timezone.utc),
        extra=extra,
    )
