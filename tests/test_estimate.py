"""``python -m phenomena.estimate``: runs for every preset, counts jobs as Snakemake does, grows with the
work, and reports a bad config in one line. No training: a Snakemake dry run per preset (~2 s)."""

from __future__ import annotations

import copy
import subprocess
import sys
from functools import cache

import pytest

from phenomena import estimate
from phenomena.common.config import load_config

PRESETS = {"default": [], "smoke": ["config/smoke.yaml"], "paper": ["config/paper.yaml"]}
SNAKEMAKE_DRY_RUN = estimate.snakemake_job_counts  # one dry run per preset for all tests (monkeypatched below)


@cache
def dry_run(preset: str) -> dict[str, int]:
    counts, _ = SNAKEMAKE_DRY_RUN([estimate.REPO / path for path in PRESETS[preset]])
    return counts


def preset_config(preset: str) -> dict:
    return load_config(estimate.DEFAULT_CONFIG, *(estimate.REPO / path for path in PRESETS[preset]))


@pytest.mark.parametrize("preset", PRESETS)
def test_each_preset_prints_a_total(preset, capsys, monkeypatch):
    monkeypatch.setattr(estimate, "snakemake_job_counts", lambda paths: (dry_run(preset), 2.0))
    paths = [str(estimate.REPO / path) for path in PRESETS[preset]]
    assert estimate.main(["--configfile", *paths] if paths else []) == 0
    printed = capsys.readouterr().out
    total = next(line for line in printed.splitlines() if line.startswith("Total:"))
    assert f"Total: {sum(dry_run(preset).values())} jobs" in total and "CPU-hours" in total
    assert "NOT measured" in printed or "measured rates" in printed  # the GPU figures say what they are


def test_the_command_runs_as_a_module():
    done = subprocess.run(
        [sys.executable, "-m", "phenomena.estimate", "--configfile", "config/smoke.yaml", "--cores", "4"],
        capture_output=True,
        text=True,
        cwd=estimate.REPO,
    )
    assert done.returncode == 0, done.stderr
    assert "Total:" in done.stdout and "on 4 cores" in done.stdout


@pytest.mark.parametrize("preset", ["default", "smoke"])
def test_the_modelled_jobs_are_snakemakes_jobs(preset):
    """Every rule whose work the estimate models lists exactly as many jobs as the dry run counts."""
    config, counts, rates = preset_config(preset), dry_run(preset), estimate.load_rates()
    modelled = {}
    for name, model in estimate.cost_models().items():
        modelled.update(estimate.study_jobs(model, name, config, rates))
    assert set(modelled) <= set(counts)
    assert {rule: len(jobs) for rule, jobs in modelled.items()} == {rule: counts[rule] for rule in modelled}
    assert sum(len(jobs) for jobs in estimate.all_jobs(config, counts, rates).values()) == sum(counts.values())


def test_the_slt_step_check_costs_what_its_chains_do():
    """The double-descent LLC at the sampler's step and at the check's: same networks and steps per
    chain, so the work scales with the chains (2 and 1 by default); the calibration reads the
    other studies' samplers."""
    config, rates = preset_config("default"), estimate.load_rates()
    listed = estimate.study_jobs(estimate.cost_model("slt"), "slt", config, rates)
    at_sampler, at_check = listed["slt_double_descent_llc"]
    part = config["slt"]["double_descent"]
    chains = part["sampler"]["chains"], part["step_check"]["chains"]
    assert at_check.units["dd_mlp_step"] * chains[0] == at_sampler.units["dd_mlp_step"] * chains[1]
    assert estimate.job_seconds(at_sampler, rates) > estimate.job_seconds(at_check, rates)
    without_grokking = copy.deepcopy(config)
    without_grokking["grokking"]["llc"] = None  # one sampler fewer to calibrate
    fewer = estimate.study_jobs(estimate.cost_model("slt"), "slt", without_grokking, rates)["slt_calibration"][0]
    assert fewer.units["dd_mlp_step"] < listed["slt_calibration"][0].units["dd_mlp_step"]


def test_doubling_grokking_steps_doubles_its_training_units():
    config, rates = preset_config("default"), estimate.load_rates()
    doubled = copy.deepcopy(config)
    doubled["grokking"]["training"]["max_steps"] *= 2
    for grid in doubled["grokking"]["sweeps"]:
        if "max_steps" in grid:
            grid["max_steps"] = [2 * steps for steps in grid["max_steps"]]

    def training(section):
        jobs = estimate.cost_model("grokking").jobs(section, rates)["grokking_train"]
        return sum(job.units["grokking_step"] for job in jobs), sum(estimate.job_seconds(job, rates) for job in jobs)

    (steps, seconds), (doubled_steps, doubled_seconds) = training(config["grokking"]), training(doubled["grokking"])
    assert doubled_steps == pytest.approx(2 * steps)
    assert doubled_seconds > 1.5 * seconds  # the start-up does not double


def test_more_cores_shorten_the_wall_time_not_the_cpu_time():
    config, counts, rates = preset_config("smoke"), dry_run("smoke"), estimate.load_rates()
    costs = estimate.study_costs(config, counts, rates)
    assert estimate.wall_seconds(costs, 8, 0) < estimate.wall_seconds(costs, 2, 0)
    assert estimate.wall_seconds(costs, 1, 0) == pytest.approx(sum(c.cpu_seconds for c in costs.values()))


def one_line_error(capsys, argv) -> str:
    assert estimate.main(argv) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and error.startswith("phenomena: ")
    return error


def test_a_missing_configfile_fails_in_one_line(capsys, tmp_path):
    assert "no such file" in one_line_error(capsys, ["--configfile", str(tmp_path / "nope.yaml")])


@pytest.mark.parametrize(
    "overlay, expected",
    [
        ("threads_per_job: 0\n", "threads_per_job"),  # the schema
        ("grokking: {modulus: 96}\n", "modulus"),  # the study's own checks
        ("grokking: [unclosed\n", "YAML"),
    ],
)
def test_a_bad_config_value_fails_in_one_line(capsys, tmp_path, overlay, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(overlay)
    assert expected in one_line_error(capsys, ["--configfile", str(path)])


def test_bad_cores_fail_in_one_line(capsys):
    assert "--cores" in one_line_error(capsys, ["--cores", "0"])


def test_job_stats_are_read_from_snakemakes_table():
    text = "Job stats:\njob      count\n-----  -------\nall          1\ntrain       30\ntotal       31\n\nReasons:"
    assert estimate.parse_job_stats(text) == {"all": 1, "train": 30}


def test_gpu_rates_use_the_cpu_unit_names():
    rates = estimate.load_rates()
    assert rates["gpu"] and set(rates["gpu"]) <= set(rates["cpu"])
    assert all("measured" in entry and "seconds_per_unit" in entry for entry in rates["gpu"].values())
