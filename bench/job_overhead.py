"""What one Snakemake job costs besides its own work, run locally and through SLURM.

Side by side in one run, in rounds (every case once per round, so load drift hits all):
Python importing torch, then pytorch_lightning, then a training script's imports; one
smoke double-descent training job run by Snakemake on this machine (`--cores 1`); and the
same job through the SLURM profile when a cluster answers `sinfo` (tests/slurm/cluster.sh
up starts one here). CPU is counted machine-wide from /proc/stat, because a SLURM job runs
under slurmd, not as our child: run it on an otherwise quiet machine.

    python bench/job_overhead.py --repeats 3
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from workflow_copies import SMOKE, copy_workflow  # noqa: E402  (the tests' own workflow copies)

JOB = "results/double_descent/runs/mlp_w16_n1000_noise0/history.parquet"  # ~1 s of training
SNAKEMAKE = [sys.executable, "-m", "snakemake", JOB, "--forcerun", "double_descent_train"]
SLURM = ["--profile", "workflow/profiles/slurm", "--slurm-init-seconds-before-status-checks", "2"]
SLURM_GPU = ["--config", "gpus_per_job=1", "gpu_model=fake"]  # the test cluster's fake GPUs


def busy_cpu_seconds() -> float:
    """CPU seconds this machine has spent busy since boot (all processes)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle, iowait = fields[3], fields[4]
    return (sum(fields) - idle - iowait) / 100  # USER_HZ


def measure(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and machine-wide CPU seconds of one command, which must succeed."""
    cpu, wall = busy_cpu_seconds(), time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return time.perf_counter() - wall, busy_cpu_seconds() - cpu


def cases(with_slurm: bool) -> dict[str, list[str]]:
    python = [sys.executable, "-c"]
    found = {
        "import torch": [*python, "import torch"],
        "import pytorch_lightning": [*python, "import pytorch_lightning"],
        "imports of a training script": [*python, "import phenomena.double_descent.train"],
        "one job, local (snakemake --cores 1)": [*SNAKEMAKE, "--cores", "1", *SMOKE],
    }
    if with_slurm:
        found["one job, through SLURM (profile)"] = [*SNAKEMAKE, *SLURM, *SMOKE, *SLURM_GPU]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with_slurm = shutil.which("sinfo") is not None and subprocess.run(["sinfo"], capture_output=True).returncode == 0
    with tempfile.TemporaryDirectory() as tmp:
        workdir = copy_workflow(Path(tmp) / "workflow")
        measure([sys.executable, "-m", "snakemake", JOB, "--cores", "2", *SMOKE], workdir)  # the job's inputs
        commands = cases(with_slurm)
        timings: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for round_ in range(args.repeats):
            for name, command in commands.items():
                timings[name].append(measure(command, workdir))
            print(f"round {round_ + 1}/{args.repeats} done", file=sys.stderr)
    print("| case | wall s | CPU s |\n|---|---|---|")
    for name, runs in timings.items():
        wall = statistics.median(run[0] for run in runs)
        cpu = statistics.median(run[1] for run in runs)
        print(f"| {name} | {wall:.1f} | {cpu:.1f} |")
    if not with_slurm:
        print("\n(no SLURM row: sinfo found no cluster; tests/slurm/cluster.sh up starts one)")


if __name__ == "__main__":
    main()
