"""Shared set-up of the tests: one torch thread per test process, the test helpers of
``workflow_copies`` and ``slurm_cluster`` on the import path, and fixtures for the repository
root, the smoke pipeline (run once per session in a copy of the workflow), its second run from
nothing (through SLURM where a cluster can start) and the test SLURM cluster."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # test helpers: workflow_copies, slurm_cluster

import slurm_cluster  # noqa: E402
from workflow_copies import LOCAL_SMOKE_SECONDS, SMOKE, copy_workflow, metric_tables, snakemake  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def smoke_pipeline(tmp_path_factory, request) -> tuple[Path, dict[str, bytes]]:
    """The smoke pipeline, run once per test session in a copy of the workflow, and its
    metric tables as they were right after that run (later tests may change the copy)."""
    workdir = copy_workflow(tmp_path_factory.mktemp("smoke"))
    started = time.perf_counter()
    snakemake(workdir, "--cores", "2", *SMOKE)
    request.config.stash[LOCAL_SMOKE_SECONDS] = time.perf_counter() - started
    return workdir, metric_tables(workdir)


@pytest.fixture(scope="module")
def smoke(smoke_pipeline) -> Path:
    """The copy of the workflow in which the smoke pipeline has run (shared by the session)."""
    return smoke_pipeline[0]


@pytest.fixture(scope="session")
def cluster():
    """A running single-node SLURM; stopped at the end of the session."""
    missing = slurm_cluster.missing_requirements()
    if missing:
        if slurm_cluster.required():
            pytest.fail(f"PHENOMENA_REQUIRE_SLURM=1 but {missing}")
        pytest.skip(missing)
    subprocess.run([slurm_cluster.CLUSTER_SCRIPT, "up"], check=True)
    yield
    subprocess.run([slurm_cluster.CLUSTER_SCRIPT, "down"], check=True)


@dataclass(frozen=True)
class SecondRun:
    """The smoke pipeline run again from nothing: its copy of the workflow, its metric tables
    right after the run (by path, as bytes), Snakemake's output, and whether it went through SLURM."""

    workdir: Path
    tables: dict[str, bytes]
    output: str
    through_slurm: bool


@pytest.fixture(scope="session")
def smoke_from_nothing(smoke_pipeline, tmp_path_factory, request) -> SecondRun:
    """The smoke pipeline again, from nothing, in another copy of the workflow: through the test
    SLURM cluster where one can start (the run that tests/slurm examines: a cluster is slow to
    fill, so one run serves both), else locally with ``--cores 2``."""
    through_slurm = slurm_cluster.missing_requirements() is None or slurm_cluster.required()
    workdir = copy_workflow(tmp_path_factory.mktemp("second") / "workflow")
    started = time.perf_counter()
    if through_slurm:
        request.getfixturevalue("cluster")
        output = slurm_cluster.run_smoke_through_slurm(workdir)
    else:
        done = snakemake(workdir, "--cores", "2", *SMOKE)
        output = done.stdout + done.stderr
    seconds = time.perf_counter() - started
    plugins = request.config.pluginmanager
    with plugins.get_plugin("capturemanager").global_and_fixture_disabled():  # in CI's log, without -s
        local = request.config.stash.get(LOCAL_SMOKE_SECONDS, float("nan"))
        where = "through sbatch" if through_slurm else "again, locally"
        line = f"\nsmoke pipeline {where}: {seconds:.0f} s (the first run, locally, --cores 2: {local:.0f} s)"
        plugins.get_plugin("terminalreporter").write_line(line)
    return SecondRun(workdir, metric_tables(workdir), output, through_slurm)
