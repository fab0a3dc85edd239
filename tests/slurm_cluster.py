"""The test SLURM cluster (a single node, started by tests/slurm/cluster.sh) and the smoke
pipeline run through it with the repository's SLURM profile.

Shared by the SLURM tests and by the session's second run of the smoke pipeline
(tests/conftest.py ``smoke_from_nothing``), which goes through SLURM where a cluster can start.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

from workflow_copies import SMOKE, snakemake

CLUSTER_SCRIPT = Path(__file__).resolve().parent / "slurm/cluster.sh"
PROFILE = ["--profile", "workflow/profiles/slurm"]
GPU = ["gpus_per_job=1", "gpu_model=fake"]  # the test cluster's GPUs are of type "fake"


def missing_requirements() -> str | None:
    """Why no cluster can start here (a missing command, root or the executor plugin), or None."""
    for command in ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel"):
        if shutil.which(command) is None and not Path("/usr/sbin", command).exists():
            return f"{command} not found (apt-get install slurmctld slurmd slurm-client munge)"
    if os.geteuid() != 0:
        return "starting a SLURM cluster needs root"
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        return 'the SLURM executor plugin is not installed (pip install -e ".[slurm]")'
    return None


def required() -> bool:
    """CI sets PHENOMENA_REQUIRE_SLURM=1: there a missing cluster is a failure, not a skip."""
    return os.environ.get("PHENOMENA_REQUIRE_SLURM") == "1"


def run_smoke_through_slurm(workdir: Path) -> str:
    """The smoke pipeline in ``workdir`` through the SLURM profile, every training job asking for
    the fake GPU; Snakemake's output."""
    # status checks every 2 s instead of the profile's 10 s: the smoke jobs take seconds each
    # with Lightning's CSV logs: the tables must not change (test_trainer_options.py, per study)
    config = [*GPU, "logger=csv"]
    done = snakemake(workdir, *PROFILE, "--slurm-init-seconds-before-status-checks", "2", *SMOKE, "--config", *config)
    return done.stdout + done.stderr
