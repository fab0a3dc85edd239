"""What a lock in requirements/ was made for: the digest of pyproject.toml's specs it covers.

``python3 requirements/lockfile.py stamp LOCK EXTRA...`` (requirements/refresh.sh) writes, at the
top of LOCK, which extras it covers and the sha256 of the specs of ``[project.dependencies]`` and
of those extras; tests/common/test_lock.py recomputes it, so any change of a range without a
refresh fails. Standard library only (Python >= 3.11): refresh.sh runs it with the system python3.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import tomllib

REPO = Path(__file__).resolve().parents[1]
REFRESH = "requirements/refresh.sh"
STAMP = re.compile(r"^# pyproject\.toml specs sha256: (?P<digest>[0-9a-f]{64}) \(extras: (?P<extras>[\w,-]*)\)$", re.M)


def project_specs(pyproject: Path, extras: tuple[str, ...]) -> dict:
    """The specs a lock covers: ``[project.dependencies]`` and the named extras, each sorted,
    without whitespace (so that only a change of what they say changes the digest)."""
    project = tomllib.loads(pyproject.read_text())["project"]
    optional = project.get("optional-dependencies", {})
    missing = [extra for extra in extras if extra not in optional]
    if missing:
        raise KeyError(f"{pyproject} declares no extra {', '.join(missing)}")

    def normal(specs: list[str]) -> list[str]:
        return sorted("".join(spec.split()) for spec in specs)

    return {
        "dependencies": normal(project.get("dependencies", [])),
        "extras": {extra: normal(optional[extra]) for extra in sorted(extras)},
    }


def specs_digest(pyproject: Path, extras: tuple[str, ...]) -> str:
    """sha256 of :func:`project_specs`."""
    specs = json.dumps(project_specs(pyproject, extras), sort_keys=True)
    return hashlib.sha256(specs.encode()).hexdigest()


def read_stamp(lock: Path) -> tuple[tuple[str, ...], str] | None:
    """(extras, digest) the lock was stamped with, None for a lock without a stamp."""
    match = STAMP.search(lock.read_text())
    if match is None:
        return None
    return tuple(filter(None, match["extras"].split(","))), match["digest"]


def stamp(lock: Path, extras: tuple[str, ...], pyproject: Path = REPO / "pyproject.toml") -> None:
    """Put the stamp (replacing any) at the top of ``lock``."""
    digest = specs_digest(pyproject, extras)
    body = "".join(line for line in lock.read_text().splitlines(keepends=True) if not line.startswith("# phenomena["))
    body = STAMP.sub("", body).lstrip("\n")
    header = (
        f"# phenomena[{','.join(extras)}] for the CPU set-up (Linux x86_64, Python 3.11), without torch:"
        f" install torch first (README.md, 'The lock'), then pip install --require-hashes -r requirements/{lock.name}\n"
        f"# pyproject.toml specs sha256: {digest} (extras: {','.join(extras)})\n"
    )
    lock.write_text(header + body)


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] != "stamp":
        sys.exit(f"usage: python3 {Path(__file__).name} stamp LOCK [EXTRA...]  ({REFRESH} runs it)")
    stamp(Path(sys.argv[2]), tuple(sys.argv[3:]))
