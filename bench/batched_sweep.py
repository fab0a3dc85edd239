"""Stacked vs one-at-a-time training of a double-descent sweep: seconds per width, side by side.

For each job of the default model-wise sweep (one width and noise level, its three seeds),
the members are trained for ``--epochs`` epochs twice through the study's own code
(``phenomena.double_descent.train.train_job``): once as one stack, and once member by
member, in the same process, one after the other, so drift in machine load hits both.
The one-at-a-time side still runs in one process: the ~3 s of Python start-up that one
Snakemake job per model would add is not counted, so the ratios are a lower bound.

    python bench/batched_sweep.py --epochs 10
"""

from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
import time
from pathlib import Path

from phenomena.common.config import load_config
from phenomena.common.runtime import set_threads
from phenomena.double_descent.data import LabelledData, make_mnist1d
from phenomena.double_descent.runs import Job, plan_jobs, resolved_settings
from phenomena.double_descent.train import train_job


def timed(settings: dict, source: LabelledData, run_dir: Path) -> float:
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        train_job(settings, source, run_dir)
    return time.perf_counter() - started


def compare(study: dict, job: Job, workdir: Path, source: LabelledData) -> tuple[float, float]:
    """Seconds for the job's members trained as one stack, and one after another."""
    settings = resolved_settings(study, job)
    stacked = timed(settings, source, workdir / f"{job.name}_stacked")
    alone = 0.0
    for index, member in enumerate(settings["members"]):
        alone += timed({**settings, "members": [member]}, source, workdir / f"{job.name}_alone{index}")
    return stacked, alone


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--widths", type=int, nargs="*", default=None, help="default: every width of the sweep")
    args = parser.parse_args()
    set_threads(1)
    study = load_config("config/config.yaml")["double_descent"]
    study["training"].update({"epochs": args.epochs, "checkpoint_every": args.epochs})
    study["sample_wise"] = None
    if args.widths:
        study["model_wise"]["widths"] = args.widths
    data = study["data"]["mnist1d"]
    source = make_mnist1d(data["num_samples"], data["train_split"], data["seed"])
    totals = [0.0, 0.0]
    print("| width | noise | members | stacked s | one at a time s | speed-up |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as workdir:
        for job in plan_jobs(study).values():
            stacked, alone = compare(study, job, Path(workdir), source)
            totals[0] += stacked
            totals[1] += alone
            row = f"| {job.width} | {job.label_noise} | {len(job.members)} | {stacked:.2f} | {alone:.2f} |"
            print(f"{row} {alone / stacked:.2f}x |", flush=True)
    print(f"| all | | | {totals[0]:.2f} | {totals[1]:.2f} | {totals[1] / totals[0]:.2f}x |")


if __name__ == "__main__":
    main()
