"""What one Snakemake job costs besides its own work, run locally and through SLURM.

Side by side in one run, in rounds (every case once per round, so load drift hits all):
Python importing torch, then pytorch_lightning, then a training script's and a figure job's
imports; Snakemake's own start-up; one smoke double-descent training job run by Snakemake on
this machine (`--cores 1`); and the same job through the SLURM profile when a cluster answers
`sinfo` (tests/slurm/cluster.sh up starts one here). The fixed cost of a job is its wall time
minus its own work: the `wall_time_s` its run wrote to meta.json (building the model and the
Trainer, the fit, writing the outputs). CPU of local cases is that of the command and its
children (getrusage), so other load on the machine does not count; a SLURM job runs under
slurmd, not as our child, so its CPU is machine-wide (/proc/stat): run that on a quiet machine.

    python bench/job_overhead.py --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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

RUN = "results/double_descent/runs/mlp_w16_n1000_noise0"
JOB = f"{RUN}/history.parquet"  # ~1-2 s of training, from scratch each time
SNAKEMAKE = [sys.executable, "-m", "snakemake", JOB, "--forcerun", "double_descent_train"]
SLURM = ["--profile", "workflow/profiles/slurm", "--slurm-init-seconds-before-status-checks", "2"]
SLURM_GPU = ["--config", "gpus_per_job=1", "gpu_model=fake"]  # the test cluster's fake GPUs
LOCAL_JOB = "one job, local (snakemake --cores 1)"
SLURM_JOB = "one job, through SLURM (profile)"
FIXED_COST = {  # row of a job -> row of its fixed cost
    LOCAL_JOB: "fixed cost of one job, local (the job minus its own work)",
    SLURM_JOB: "fixed cost of one job, through SLURM",
}
FIGURE_IMPORTS = (  # workflow/scripts/figure.py's imports and one figure's module
    "import phenomena.common.plotting, phenomena.common.runtime, phenomena.common.tables,"
    " phenomena.grokking.figures.accuracy"
)


def busy_cpu_seconds() -> float:
    """CPU seconds this machine has spent busy since boot (all processes)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle, iowait = fields[3], fields[4]
    return (sum(fields) - idle - iowait) / 100  # USER_HZ


def children_cpu_seconds() -> float:
    """CPU seconds of this process's finished children (and theirs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(command: list[str], cwd: Path, machine_wide: bool = False) -> tuple[float, float]:
    """Wall and CPU seconds of one command, which must succeed."""
    cpu_seconds = busy_cpu_seconds if machine_wide else children_cpu_seconds
    cpu, wall = cpu_seconds(), time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return time.perf_counter() - wall, cpu_seconds() - cpu


def own_work_seconds(workdir: Path) -> float:
    """Seconds the last run of the job spent on its own work (meta.json's wall_time_s)."""
    return json.loads((workdir / RUN / "meta.json").read_text())["wall_time_s"]


def cases(with_slurm: bool) -> dict[str, list[str]]:
    python = [sys.executable, "-c"]
    found = {
        "import torch": [*python, "import torch"],
        "import pytorch_lightning": [*python, "import pytorch_lightning"],
        "imports of a training script": [*python, "import phenomena.double_descent.train"],
        "imports of a figure job": [*python, FIGURE_IMPORTS],
        "Snakemake's start-up (import snakemake.api)": [*python, "import snakemake.api"],
        LOCAL_JOB: [*SNAKEMAKE, "--cores", "1", *SMOKE],
    }
    if with_slurm:
        found[SLURM_JOB] = [*SNAKEMAKE, *SLURM, *SMOKE, *SLURM_GPU]
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
        fixed: dict[str, list[tuple[float, float]]] = {row: [] for row in FIXED_COST.values()}
        for round_ in range(args.repeats):
            for name, command in commands.items():
                # --forcerun keeps checkpoints/ (not an output): without this the job would resume
                # its finished run from last.ckpt and train nothing
                shutil.rmtree(workdir / RUN / "checkpoints", ignore_errors=True)
                wall, cpu = measure(command, workdir, machine_wide=name == SLURM_JOB)
                timings[name].append((wall, cpu))
                if name in FIXED_COST:  # the job's own work ran on one torch thread: its CPU ~ its wall time
                    work = own_work_seconds(workdir)
                    fixed[FIXED_COST[name]].append((wall - work, cpu - work))
            print(f"round {round_ + 1}/{args.repeats} done", file=sys.stderr)
    print(f"load average at the end: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    print("| case | wall s | CPU s |\n|---|---|---|")
    for name, runs in {**timings, **{name: runs for name, runs in fixed.items() if runs}}.items():
        wall = statistics.median(run[0] for run in runs)
        cpu = statistics.median(run[1] for run in runs)
        print(f"| {name} | {wall:.1f} | {cpu:.1f} |")
    if not with_slurm:
        print("\n(no SLURM row: sinfo found no cluster; tests/slurm/cluster.sh up starts one)")


if __name__ == "__main__":
    main()
