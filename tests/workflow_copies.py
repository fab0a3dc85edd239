"""Copies of the workflow in temporary directories, and Snakemake run in them.

Shared by the pipeline and SLURM tests (tests/conftest.py puts this folder on sys.path).
The copies keep the repository's own results/ and sources untouched, so tests may edit a
figure's code or delete outputs and watch what Snakemake plans.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from phenomena.common.config import load_config
from phenomena.studies import all_studies

REPO = Path(__file__).resolve().parents[1]
SMOKE = ["--configfile", "config/smoke.yaml"]
# Seconds the session's local smoke run took (conftest.smoke_pipeline): SLURM's figure is printed beside it.
LOCAL_SMOKE_SECONDS = pytest.StashKey[float]()


def copy_workflow(workdir: Path) -> Path:
    """The workflow's files, without results, copied to ``workdir``, with the default profile."""
    ignore = shutil.ignore_patterns("__pycache__", "results", ".snakemake")
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "Snakefile", workdir)
    for folder in ("workflow", "config", "src"):
        shutil.copytree(REPO / folder, workdir / folder, ignore=ignore)
    (workdir / "profiles").symlink_to("workflow/profiles")  # as in the repository
    return workdir


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``snakemake *args`` in ``workdir``; a failure shows the end of Snakemake's output."""
    done = subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=workdir, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
    return done


def metric_tables(workdir: Path) -> dict[str, bytes]:
    """Every study's metric Parquet files under ``workdir``, by path, as bytes."""
    return {
        str(path.relative_to(workdir)): path.read_bytes()
        for path in sorted(workdir.glob("results/*/metrics/*.parquet"))
    }


SMOKE_CONFIG = load_config(REPO / "config/config.yaml", REPO / "config/smoke.yaml")
SMOKE_STUDIES = SMOKE_CONFIG["studies"]
FIGURES = {  # each study's figures as its declaration gives them for the smoke config
    study.name: [figure.name for figure in study.figures(SMOKE_CONFIG[study.name])] for study in all_studies()
}


def planned_jobs(dry_run_output: str) -> dict[str, int]:
    """Rule -> job count from the 'Job stats' table of a dry run."""
    if "Nothing to be done" in dry_run_output:
        return {}
    table = dry_run_output.split("Job stats:", 1)[1]
    return {rule: int(count) for rule, count in re.findall(r"^(\w+)\s+(\d+)$", table, re.M) if rule != "total"}
