"""What a run costs before it is launched: ``python -m phenomena.estimate [--configfile X] [--cores N]``.

The model, per rule of the workflow:

    seconds per job = start-up of its kind (Python and imports, measured) + sum over its work units
                      of units x seconds per unit (measured by ``bench/rates.py`` on this CPU, 1 thread)

- **Jobs** come from Snakemake itself: a dry run (``snakemake -n --forceall --quiet rules``) in a
  scratch directory with the same ``--configfile`` overlays; its "Job stats" table gives the count
  of every rule (~2 s). The work of each job comes from the studies' own run-listing functions
  (``plan_runs``, ``plan_jobs``, ...), so one job here is one job there (``tests/test_estimate.py``).
- **Units** are stated per rule in the study's own terms (steps, epochs, games x simulations) and,
  for the cost, as example x parameter products: a training step of ``n`` examples through a
  network of ``P`` parameters costs ~``a + b x n x P`` seconds (``a``: per-step overhead,
  ``b``: per example-parameter), plus a fixed cost per Lightning fit. Rates measured at small
  sizes are scaled to other sizes by parameter counts: sound where FLOPs grow as the parameters
  do (MLPs; ResNet-18's width k, both ~k^2; the transformer measured at the paper's width), rough
  elsewhere, said where used (LLC, tree-search gradient steps, the solver's extrapolation).
- **Cost models**: each study's lives with it, ``phenomena.<study>.cost`` (found by the study's name;
  a study without one gets a light job per job), and lists its jobs and their units:
  ``jobs(section, rates, upper_bound)`` (``phenomena.common.cost``; a model that also reads other
  studies' sections names them in ``READS`` and gets them as ``others``). Grokking's runs that should grok
  (``stop_after_generalizing``, decoupled weight decay > 0) stop at a fraction of their budget
  measured once by the bench at the default settings: an assumption, so the upper bound (every run
  to ``max_steps``) is printed too.
- **Wall time** on ``--cores N``: the larger of CPU-seconds / N and a study's longest chain (the sum
  over its rules of each rule's longest job), plus Snakemake's own start-up (the dry run's time).
  Checked against the default pipeline on 2 cores (bench/README.md, "What a preset costs").
- **GPU-hours** on a reference card: the time the jobs that ask for a GPU (Placement GPU_TRAINING
  and GPU) hold it, their units at the rates file's ``gpu`` entries (others at the CPU's rate);
  assumed (``measured: false``) and printed so, but for those ``bench/gpu_check.py --write-rates``
  measured (``measured: true``): the studies and rules that use them are marked ``m``.
- **Disk**: checkpoints and snapshots from parameter counts (float32; Adam keeps two more copies),
  plus a fixed allowance per job for tables, logs and figures.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from phenomena.common.config import ConfigError, UserError, load_config
from phenomena.common.cost import Job
from phenomena.studies import STUDY_NAMES, all_studies, check_config

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = REPO / "config" / "config.yaml"
SCHEMAS = REPO / "workflow" / "schemas"
RATES_FILE = Path(__file__).with_name("rates.json")
BYTES_PER_JOB = 200_000  # tables, logs, figures: a rough allowance (the default run's results: ~0.1-1 MB a job)


# ---------------------------------------------------------------- jobs: Snakemake's dry run


def snakemake_job_counts(configfiles: list[Path]) -> tuple[dict[str, int], float]:
    """Per-rule job counts from a dry run of the whole workflow (``--forceall``), and its seconds."""
    with tempfile.TemporaryDirectory() as scratch:
        command = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", scratch]
        command += ["-n", "--forceall", "--quiet", "rules", "--cores", "1"]
        if configfiles:
            command += ["--configfile", *map(str, configfiles)]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=scratch)
        seconds = time.perf_counter() - started
    if done.returncode:
        lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        raise UserError(f"snakemake dry run failed: {lines[-1] if lines else 'no output'}")
    return parse_job_stats(done.stdout + done.stderr), seconds


def parse_job_stats(text: str) -> dict[str, int]:
    """The "Job stats" table of a Snakemake run: rule -> count (without the ``total`` row)."""
    table = text.split("Job stats:", 1)[-1]
    counts = {}
    for line in table.splitlines()[3:]:
        match = re.fullmatch(r"(\S+)\s+(\d+)", line.strip())
        if not match:
            break
        counts[match.group(1)] = int(match.group(2))
    counts.pop("total", None)
    return counts


# ---------------------------------------------------------------- work of each rule: the studies' cost models


def cost_model(name: str) -> ModuleType | None:
    """The study's cost model, ``phenomena.<name>.cost`` (``jobs``, ``STEP_UNIT``), or None if it has none."""
    module = f"phenomena.{name}.cost"
    return importlib.import_module(module) if importlib.util.find_spec(module) else None


def cost_models() -> dict[str, ModuleType]:
    """Study name -> its cost model, in the order of ``STUDY_NAMES``, for the studies that have one."""
    return {name: model for name in STUDY_NAMES if (model := cost_model(name))}


def unmodelled_startups() -> dict[str, str]:
    """Rules a cost model does not list but whose jobs start up as another kind than a light job's."""
    return {
        rule: kind
        for model in cost_models().values()
        for rule, kind in getattr(model, "UNMODELLED_STARTUPS", {}).items()
    }


# ---------------------------------------------------------------- costs


def job_seconds(job: Job, rates: dict, device: str = "cpu") -> float:
    """Start-up plus work; on the GPU, units without a GPU rate stay at the CPU's."""
    seconds = rates["cpu"]["startup"][job.startup]
    for unit, count in job.units.items():
        rate = rates.get(device, {}).get(unit) if device != "cpu" else None
        cpu = rates["cpu"][unit]
        seconds += count * (rate["seconds_per_unit"] if rate else cpu["seconds_per_unit"])
    return seconds


def study_of(rule: str, names: list[str]) -> str | None:
    return next((name for name in sorted(names, key=len, reverse=True) if rule.startswith(name)), None)


def study_jobs(model: ModuleType, name: str, config: dict, rates: dict, upper_bound: bool = False) -> dict:
    """The jobs a study's cost model lists, given its section and the other sections it ``READS``."""
    others = {other: config[other] for other in getattr(model, "READS", ())}
    return model.jobs(config[name], rates, upper_bound, **({"others": others} if others else {}))


def all_jobs(config: dict, counts: dict[str, int], rates: dict, upper_bound: bool = False) -> dict[str, list[Job]]:
    """Every job of the dry run with its work: the modelled rules' jobs, and a light job for each other."""
    modelled: dict[str, list[Job]] = {}
    for name, model in cost_models().items():
        if name in config["studies"]:
            modelled.update(study_jobs(model, name, config, rates, upper_bound))
    startups = unmodelled_startups()
    jobs = {}
    for rule, count in counts.items():
        listed = modelled.get(rule, [])
        if len(listed) == count:
            jobs[rule] = listed
        elif listed:  # a mismatch would be a bug here: spread the listed work over Snakemake's count
            jobs[rule] = [scaled(job, len(listed) / count) for job in listed[:1] for _ in range(count)]
        else:
            startup = startups.get(rule, "light")
            units = {} if rule == "all" else {"light_job": 1}
            jobs[rule] = [Job(rule, startup if rule != "all" else "none", units) for _ in range(count)]
    return jobs


def scaled(job: Job, factor: float) -> Job:
    return Job(
        job.rule,
        job.startup,
        {u: c * factor for u, c in job.units.items()},
        job.steps * factor,
        job.disk_bytes * factor,
    )


@dataclass
class StudyCost:
    jobs: dict[str, int] = field(default_factory=dict)
    steps: float = 0.0
    cpu_seconds: float = 0.0
    longest_chain: float = 0.0
    gpu_seconds: float = 0.0
    disk_bytes: float = 0.0
    measured_gpu: dict[str, list[str]] = field(default_factory=dict)  # GPU rule -> its units at measured rates


def study_costs(config: dict, counts: dict[str, int], rates: dict, upper_bound: bool = False) -> dict[str, StudyCost]:
    studies = all_studies()
    names = [study.name for study in studies]
    gpu_rules = {rule for study in studies for rule, place in study.rules.items() if place.asks_for_gpus}
    costs: dict[str, StudyCost] = defaultdict(StudyCost)
    for rule, jobs in all_jobs(config, counts, rates, upper_bound).items():
        cost = costs[study_of(rule, names) or "workflow"]
        cost.jobs[rule] = len(jobs)
        seconds = [job_seconds(job, rates) for job in jobs]
        cost.cpu_seconds += sum(seconds)
        cost.longest_chain += max(seconds, default=0.0)  # rough: every rule of a study in one chain
        cost.steps += sum(job.steps for job in jobs)
        cost.disk_bytes += sum(job.disk_bytes for job in jobs) + BYTES_PER_JOB * len(jobs)
        if rule in gpu_rules:
            cost.gpu_seconds += sum(job_seconds(job, rates, "gpu") for job in jobs)
            units = sorted({unit for job in jobs for unit in job.units if unit in measured_gpu_units(rates)})
            cost.measured_gpu.update({rule: units} if units else {})
    return dict(costs)


def measured_gpu_units(rates: dict) -> dict[str, dict]:
    """The GPU entries measured by bench/gpu_check.py (``measured: true``)."""
    return {unit: entry for unit, entry in rates.get("gpu", {}).items() if entry.get("measured")}


def rule_predictions(config: dict, counts: dict[str, int], rates: dict) -> dict[str, tuple[int, float]]:
    """Rule -> (jobs, predicted CPU-seconds of all its jobs): the validation table."""
    return {
        rule: (len(jobs), sum(job_seconds(j, rates) for j in jobs))
        for rule, jobs in all_jobs(config, counts, rates).items()
    }


def wall_seconds(costs: dict[str, StudyCost], cores: int, overhead: float) -> float:
    cpu = sum(c.cpu_seconds for c in costs.values())
    return max(cpu / cores, max(c.longest_chain for c in costs.values())) + overhead


# ---------------------------------------------------------------- command line


def load_rates(path: Path = RATES_FILE) -> dict:
    if not path.exists():
        raise UserError(f"no rates file {path}: run python bench/rates.py --write")
    return json.loads(path.read_text())


def resolve_config(configfiles: list[str]) -> tuple[dict, list[Path]]:
    paths = [Path(p) for p in configfiles]
    for path in paths:
        if not path.is_file():
            raise ConfigError(f"--configfile {path}: no such file")
    try:
        config = load_config(DEFAULT_CONFIG, *paths)
    except Exception as error:  # YAML syntax: one line
        raise ConfigError(f"--configfile: cannot read YAML: {str(error).splitlines()[0]}") from error
    check_config(config, SCHEMAS)
    return config, [p.resolve() for p in paths]


def hours(seconds: float) -> str:
    return f"{seconds / 3600:,.2f}" if seconds < 360_000 else f"{seconds / 3600:,.0f}"


def duration(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"
    return f"{seconds / 3600:,.1f} h" if seconds < 172_800 else f"{seconds / 86_400:,.1f} days"


def size(nbytes: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if nbytes < 1000 or unit == "TB":
            return f"{nbytes:,.0f} {unit}" if unit == "B" else f"{nbytes:,.1f} {unit}"
        nbytes /= 1000
    return ""


def study_rows(costs: dict[str, StudyCost], cores: int) -> list[str]:
    """One row per study, and under it its rules with more than one job."""
    header = f"{'study':<16}{'jobs':>6}  {'steps (unit)':<36}{'CPU-h':>10}{'wall on ' + str(cores):>14}"
    lines, models = [header + f"{'GPU-h*':>10}{'disk':>11}"], cost_models()
    marked = any(cost.measured_gpu for cost in costs.values())  # "m": some of its GPU-hours at measured rates
    for name, cost in costs.items():
        unit = f"{cost.steps:,.0f} {getattr(models.get(name), 'STEP_UNIT', '')}" if cost.steps else "-"
        wall = wall_seconds({name: cost}, cores, 0)
        lines.append(
            f"{name:<16}{sum(cost.jobs.values()):>6}  {unit:<36}{hours(cost.cpu_seconds):>10}{duration(wall):>14}"
            f"{hours(cost.gpu_seconds) + ('m' if cost.measured_gpu else ' ' if marked else ''):>10}"
            f"{size(cost.disk_bytes):>11}"
        )
        kinds = ", ".join(f"{rule.removeprefix(name + '_')} {n}" for rule, n in cost.jobs.items() if n > 1)
        if kinds:
            lines.append(f"{'':<18}{kinds}")
    return lines


def total_rows(costs: dict, bound: dict, jobs: int, cores: int, overhead: float) -> list[str]:
    """The totals, and the upper bound where grokking runs may stop early."""
    cpu, wall = sum(c.cpu_seconds for c in costs.values()), wall_seconds(costs, cores, overhead)
    gpu, disk = sum(c.gpu_seconds for c in costs.values()), sum(c.disk_bytes for c in costs.values())
    gpu_column = hours(gpu) + (" " if any(c.measured_gpu for c in costs.values()) else "")  # as study_rows
    lines = [f"{'total':<16}{jobs:>6}  {'':<36}{hours(cpu):>10}{duration(wall):>14}{gpu_column:>10}{size(disk):>11}"]
    upper = sum(c.cpu_seconds for c in bound.values())
    if upper > cpu * 1.01:
        lines.append(
            f"upper bound (every grokking run to its max_steps): {hours(upper)} CPU-h, "
            f"{duration(wall_seconds(bound, cores, overhead))} on {cores} cores"
        )
    lines.append(
        f"Total: {jobs} jobs, {hours(cpu)} CPU-hours, {duration(wall)} on {cores} cores of this CPU "
        f"(1 thread a job), {hours(gpu)} GPU-hours*, {size(disk)} of results."
    )
    return lines


def footnotes(rates: dict, overhead: float, costs: dict[str, StudyCost]) -> list[str]:
    gpu = rates.get("gpu", {})
    measured = bool(gpu) and all(entry.get("measured") for entry in gpu.values())
    how = "measured rates" if measured else f"NOT measured, {rates.get('gpu_assumption', 'an assumed speed-up')}"
    card = rates.get("gpu_reference", "a reference GPU")
    return [
        "Wall: max(CPU-seconds / cores, a study's longest chain of jobs) + Snakemake's start-up.",
        f"* GPU-hours: time the jobs that ask for a GPU hold one ({card}), work without a GPU rate (search) at the "
        f"CPU's; {how}.",
        *measured_footnote(rates, costs),
        f"Rates: {RATES_FILE.name} of {rates['date']} ({rates['machine']}, torch {rates['torch']}, load average "
        f"{rates['load_average']}); jobs: Snakemake's dry run ({overhead:.1f} s).",
    ]


def measured_footnote(rates: dict, costs: dict[str, StudyCost]) -> list[str]:
    """The line that says which GPU rules' figures (marked m) use measured rates, and whose, if any do."""
    rules = {rule: units for cost in costs.values() for rule, units in cost.measured_gpu.items()}
    if not rules:
        return []
    where = sorted({f"{entry['device_name']}, {entry['date']}" for entry in measured_gpu_units(rates).values()})
    used = "; ".join(f"{rule} ({', '.join(units)})" for rule, units in rules.items())
    return [f"m: GPU-hours partly at rates measured by bench/gpu_check.py ({'; '.join(where)}): {used}."]


def report(config: dict, counts: dict[str, int], rates: dict, cores: int, dry_run_seconds: float) -> str:
    costs = study_costs(config, counts, rates)
    bound = study_costs(config, counts, rates, upper_bound=True)
    rows = study_rows(costs, cores) + total_rows(costs, bound, sum(counts.values()), cores, dry_run_seconds)
    return "\n".join(rows + footnotes(rates, dry_run_seconds, costs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m phenomena.estimate", description=__doc__.splitlines()[0])
    parser.add_argument("--configfile", nargs="*", default=[], help="overlays on config/config.yaml, as for snakemake")
    parser.add_argument("--cores", type=int, default=2, help="cores of this kind of CPU for the wall time (default 2)")
    args = parser.parse_args(argv)
    try:
        if args.cores < 1:
            raise UserError(f"--cores: got {args.cores}; must be >= 1")
        config, paths = resolve_config(args.configfile)
        counts, dry_run_seconds = snakemake_job_counts(paths)
        print(report(config, counts, load_rates(), args.cores, dry_run_seconds))
    except UserError as error:
        print(f"phenomena: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
