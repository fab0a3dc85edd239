"""Shared set-up of the tests: one torch thread per test process, the test helpers of
``workflow_copies`` on the import path, and fixtures for the repository root and for the smoke
pipeline (run once per session in a copy of the workflow)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # test helpers: workflow_copies

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
