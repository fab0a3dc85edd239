"""The workflow on a real SLURM: a single-node cluster started by tests/slurm/cluster.sh.

The session's second run of the smoke pipeline goes through the SLURM profile (every job a
SLURM job, training jobs asking for the fake GPU; tests/conftest.py ``smoke_from_nothing``): its
tables must be byte-identical to the local run's (tests/test_pipeline.py); a training job
cancelled with scancel resumes from its checkpoint when the workflow is rerun and ends with the
same metrics as an uninterrupted run.

Needs root and the Debian packages slurmctld, slurmd, slurm-client and munge, plus
`pip install -e ".[slurm]"`. Without them the tests skip, unless PHENOMENA_REQUIRE_SLURM=1
(CI) makes the missing cluster a failure.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import torch

from phenomena.common.cluster import PROFILE_DEFAULT_RUNTIME
from phenomena.common.config import load_config
from phenomena.common.study import Placement
from phenomena.common.tables import read_parquet
from phenomena.studies import all_studies
from slurm_cluster import PROFILE
from workflow_copies import SMOKE, copy_workflow, snakemake

pytestmark = [pytest.mark.slurm, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
# Where each rule runs, from the studies' declarations (src/phenomena/<study>/study.py).
SMOKE_CONFIG = load_config(REPO / "config/config.yaml", REPO / "config/smoke.yaml")
GPU_RULES = {rule for study in all_studies() for rule in study.rules_placed(Placement.GPU, Placement.GPU_TRAINING)}
TRAINING_RULES = {
    rule for study in all_studies() for rule in study.rules_placed(Placement.TRAINING, Placement.GPU_TRAINING)
}
LOCAL_RULES = {"all"} | {rule for study in all_studies() for rule in study.local_rules(SMOKE_CONFIG[study.name])}
# One long grokking run for the kill test: slow enough to cancel after its first checkpoint.
LONG_RUN = """\
studies: [grokking]
grokking:
  training: {max_steps: 1500, eval_every: 25, checkpoint_every: 100, stop_after_generalizing: null}
  sweeps:
    - {train_fraction: [0.5], weight_decay: [1.0], optimizer: [adamw], seed: [0]}
"""
LONG_RUN_NAME = "add_p47_frac0.5_wd1_adamw_seed0"


def submitted_jobs(output: str) -> dict[int, Path]:
    """SLURM job id -> its log, from Snakemake's 'submitted with SLURM jobid' lines."""
    pattern = r"submitted with SLURM jobid (\d+) \(log: (\S+)\)"
    return {int(job): Path(log) for job, log in re.findall(pattern, output)}


def rules_run(log: Path) -> Counter:
    """The rules of the jobs one SLURM job ran, one count per job: Snakemake on the node prints
    'localrule <rule>:' for each (a bundle of short jobs runs several; the profile keeps the logs)."""
    return Counter(re.findall(r"^localrule (\w+):", log.read_text(), re.M))


def time_limit(minutes: int) -> str:
    """A time limit as `scontrol` shows it: [D-]HH:MM:SS."""
    days, minutes = divmod(minutes, 24 * 60)
    return f"{days}-" * bool(days) + f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def job_record(job: int) -> dict[str, str]:
    """The scheduler's record of a job (`scontrol show job`; kept MinJobAge seconds after it ends)."""
    text = subprocess.run(["scontrol", "-o", "show", "job", str(job)], capture_output=True, text=True).stdout
    return dict(re.findall(r"(\w+)=(\S*)", text))


@pytest.fixture(scope="module")
def smoke_runs(cluster, smoke_from_nothing):
    """The session's second run of the smoke pipeline (conftest), which went through SLURM:
    its copy of the workflow and Snakemake's output. That its metric tables are byte-identical
    to the local run's is tests/test_pipeline.py's test."""
    assert smoke_from_nothing.through_slurm
    return smoke_from_nothing.workdir, smoke_from_nothing.output


def test_every_job_of_the_smoke_pipeline_went_through_sbatch(smoke_runs):
    on_slurm, output = smoke_runs
    jobs = submitted_jobs(output)
    planned = Counter(re.findall(r"^rule (\w+):", snakemake(on_slurm, *SMOKE, "-n", "--forceall").stdout, re.M))
    ran = sum((rules_run(log) for log in jobs.values()), Counter())
    for rule, count in ran.items():  # each job of a rule run on SLURM ran there once
        assert planned[rule] == count, (rule, planned[rule], count)
    # every rule but the local ones (target, data, metrics, figures: seconds of work) ran on SLURM
    assert set(planned) - set(ran) == set(planned) & LOCAL_RULES
    assert {"grokking_train", "double_descent_train", "tree_search_train", "tree_search_arena"} <= set(ran)
    assert len(jobs) < sum(ran.values()) / 2  # short jobs share submissions (config bundle_minutes)
    for job in jobs:
        record = job_record(job)
        assert record["JobState"] == "COMPLETED", (job, record.get("JobState"))
    log = Path(os.environ.get("PHENOMENA_SLURM_DIR", "/tmp/phenomena-slurm"), "log/slurmctld.log").read_text()
    for job in jobs:
        assert f"JobId={job} " in log or f"JobId={job}\n" in log


def test_jobs_asked_for_a_gpu_where_one_of_their_rules_does_and_for_their_rules_time(smoke_runs):
    _, output = smoke_runs
    for job, log in submitted_jobs(output).items():
        rules, record = rules_run(log), job_record(job)
        tres = record.get("TresPerJob", "") + record.get("TresPerNode", "")
        assert ("gpu:fake:1" in tres) == bool(set(rules) & GPU_RULES), (rules, tres)
        assert record["NumCPUs"] == "1", (rules, record["NumCPUs"])  # a bundle's jobs run one after another
        # a bundle's time limit is its jobs' (config/smoke.yaml, else the profile's default)
        limits = {rule: SMOKE_CONFIG["resources"].get(rule, {}) for rule in rules}
        minutes = sum(count * limits[rule].get("runtime", PROFILE_DEFAULT_RUNTIME) for rule, count in rules.items())
        assert record["TimeLimit"] == time_limit(minutes), (rules, record["TimeLimit"])


def test_every_training_run_on_slurm_wrote_lightnings_logs_and_its_device(smoke_runs):
    on_slurm, _ = smoke_runs
    metas = [path for path in on_slurm.glob("results/*/runs/**/meta.json") if "precision" in path.read_text()]
    assert {path.relative_to(on_slurm).parts[1] for path in metas} == set(SMOKE_CONFIG["studies"])
    for meta in metas:
        assert (meta.parent / "logs/metrics.csv").exists(), meta
        recorded = json.loads(meta.read_text())
        assert recorded["device"].startswith("cpu") and recorded["precision"] == "32-true", meta  # fake GPUs


def test_every_study_drew_its_figures_on_slurm(smoke_runs):
    on_slurm, _ = smoke_runs
    for study in SMOKE_CONFIG["studies"]:
        assert list((on_slurm / f"results/{study}/figures").glob("*.png")), study


def test_paper_preset_asks_for_a_gpu_for_every_gpu_training_job(cluster, tmp_path, request):
    workdir = copy_workflow(tmp_path / "workflow")
    done = snakemake(workdir, *PROFILE, "--configfile", "config/paper.yaml", "-n")
    # a job alone, or indented in a bundle of short jobs ("Group job bundle2 ...")
    jobs = re.findall(r"^ *rule (\w+):\n(?: +.*\n)*? +resources: (.*)$", done.stdout, re.M)
    by_rule: dict[str, list[str]] = {}
    for rule, resources in jobs:
        by_rule.setdefault(rule, []).append(resources)
    assert {"grokking_train", "double_descent_train", "tree_search_train", "tree_search_arena"} <= set(by_rule)
    for rule, requests in by_rule.items():
        for resources in requests:
            assert ("gpu=1" in resources.split(", ")) == (rule in GPU_RULES), (rule, resources)
    assert all("runtime=1440" in resources for resources in by_rule["double_descent_train"])
    for rule, requests in by_rule.items():  # Lightning training is signalled before its time limit
        signalled = {"slurm_extra=--signal=USR1@300" in resources for resources in requests}
        assert signalled == {rule in TRAINING_RULES}, rule  # every training rule uses Lightning
    assert {rule for rule in by_rule if rule.endswith("_train")} <= TRAINING_RULES


def read_history(run_dir: Path) -> pd.DataFrame:
    return read_parquet(run_dir / "history.parquet")


LONG_TARGET = f"results/grokking/runs/{LONG_RUN_NAME}/history.parquet"


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, request) -> Path:
    """The long run's directory after an uninterrupted local run."""
    workdir = copy_workflow(tmp_path_factory.mktemp("uninterrupted") / "workflow")
    (workdir / "long.yaml").write_text(LONG_RUN)
    snakemake(workdir, "--cores", "1", LONG_TARGET, *SMOKE, "long.yaml")
    return workdir / Path(LONG_TARGET).parent


def start_long_run(workdir: Path, retries: int) -> tuple[subprocess.Popen, Path, str]:
    """Start the long run through SLURM; return the Snakemake process, the run directory and
    the SLURM job id of the training job, once it has written its first checkpoint."""
    (workdir / "long.yaml").write_text(LONG_RUN)
    command = [sys.executable, "-m", "snakemake", *PROFILE, "--retries", str(retries), LONG_TARGET, *SMOKE, "long.yaml"]
    process = subprocess.Popen(command, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    run_dir = workdir / Path(LONG_TARGET).parent
    deadline = time.monotonic() + 300
    while not (run_dir / "checkpoints/last.ckpt").exists():
        assert process.poll() is None, process.stdout.read()
        assert time.monotonic() < deadline, "no checkpoint within 5 minutes"
        time.sleep(0.2)
    queue = subprocess.run(["squeue", "-h", "-o", "%i %k"], capture_output=True, text=True).stdout.splitlines()
    (job,) = [line.split()[0] for line in queue]  # the run's job (alone, or in a bundle of one)
    return process, run_dir, job


def test_cancelled_training_job_resumes_from_its_checkpoint(cluster, uninterrupted, tmp_path, request):
    killed = copy_workflow(tmp_path / "killed")
    # --retries 0: the cancelled job fails the workflow (the profile would resubmit it itself)
    first, run_dir, job = start_long_run(killed, retries=0)
    subprocess.run(["scancel", job], check=True)
    output, _ = first.communicate(timeout=300)
    assert first.returncode != 0, output
    assert job_record(int(job))["JobState"] == "CANCELLED"
    assert not (run_dir / "history.parquet").exists()
    # scancel sends SIGTERM: the run saves signal.ckpt at the end of its epoch if SLURM's
    # KillWait allows, else last.ckpt is the newest; it resumes from the newer
    checkpoints = [run_dir / "checkpoints" / name for name in ("last.ckpt", "signal.ckpt")]
    saved_step = max(
        torch.load(path, map_location="cpu", weights_only=False)["global_step"] for path in checkpoints if path.exists()
    )
    assert 0 < saved_step < 1500

    rerun = snakemake(killed, *PROFILE, LONG_TARGET, *SMOKE, "long.yaml")
    assert len(submitted_jobs(rerun.stdout + rerun.stderr)) == 1
    log = (killed / f"results/grokking/logs/train/{LONG_RUN_NAME}.log").read_text()
    resumed_from = re.search(r"^resuming from (\S+)$", log, re.M)
    assert resumed_from and Path(resumed_from.group(1)).name in ("last.ckpt", "signal.ckpt"), log[-2000:]
    after = log.split(resumed_from.group(0), 1)[1]
    resumed_steps = [int(step) for step in re.findall(r"^step (\d+)/", after, re.M)]
    assert resumed_steps[0] > saved_step  # the rerun went on from the checkpoint, not from step 0
    pd.testing.assert_frame_equal(read_history(run_dir), read_history(uninterrupted))


def test_training_signalled_before_its_time_limit_checkpoints_and_resumes(cluster, uninterrupted, tmp_path, request):
    """SLURM sends SIGUSR1 before the time limit (--signal=USR1@<requeue_before_limit>); here
    scancel sends it at once. The run saves signal.ckpt and fails; Snakemake resubmits it."""
    workdir = copy_workflow(tmp_path / "signalled")
    process, run_dir, job = start_long_run(workdir, retries=1)
    subprocess.run(["scancel", "--signal=USR1", job], check=True)
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, output
    jobs = submitted_jobs(output)
    assert len(jobs) == 2, output  # the first attempt, then the resubmission
    assert job_record(int(job))["JobState"] == "FAILED"  # stopped on the signal (its log is replaced by the retry's)
    assert (run_dir / "checkpoints/signal.ckpt").exists()
    log = (workdir / f"results/grokking/logs/train/{LONG_RUN_NAME}.log").read_text()
    assert f"resuming from {(run_dir / 'checkpoints/signal.ckpt').relative_to(workdir)}" in log
    pd.testing.assert_frame_equal(read_history(run_dir), read_history(uninterrupted))
