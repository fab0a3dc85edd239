"""The smoke pipeline end to end, in a copy of the workflow in a temporary directory.

The copy keeps the repository's own results/ and sources untouched, so these tests may
edit a figure's code or delete outputs and watch what Snakemake plans.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from phenomena.common.tables import check_tidy, read_parquet

pytestmark = pytest.mark.slow

SMOKE = ["--configfile", "config/smoke.yaml"]
FIGURES = {
    "grokking": ["accuracy", "steps_to_generalize", "weight_norm", "optimizers", "progress", "llc", "llc_final"],
    "double_descent": ["model_wise", "epoch_wise", "sample_wise", "random_features"],
    "tree_search": ["elo_vs_step", "search_gain", "compute_frontier", "solver_accuracy"],
}


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "snakemake", *args]
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def planned_jobs(dry_run_output: str) -> dict[str, int]:
    """Rule -> job count from the 'Job stats' table of a dry run."""
    if "Nothing to be done" in dry_run_output:
        return {}
    table = dry_run_output.split("Job stats:", 1)[1]
    return {rule: int(count) for rule, count in re.findall(r"^(\w+)\s+(\d+)$", table, re.M) if rule != "total"}


@pytest.fixture(scope="module")
def smoke(tmp_path_factory, request) -> Path:
    """A copy of the workflow, with the smoke pipeline already run in it."""
    repo = request.config.rootpath
    workdir = tmp_path_factory.mktemp("workflow")
    ignore = shutil.ignore_patterns("__pycache__", "results", ".snakemake")
    shutil.copy(repo / "Snakefile", workdir)
    for folder in ("workflow", "config", "src"):
        shutil.copytree(repo / folder, workdir / folder, ignore=ignore)
    snakemake(workdir, "--cores", "2", *SMOKE)
    return workdir


def test_smoke_pipeline_writes_tidy_parquet_and_figures(smoke):
    curves = read_parquet(smoke / "results/grokking/metrics/curves.parquet")
    check_tidy(curves)
    assert set(curves["study"]) == {"grokking"}
    assert {"train_fraction", "weight_decay", "optimizer", "operation", "modulus"} <= set(curves.columns)
    assert curves["run"].nunique() == 5
    summary = read_parquet(smoke / "results/grokking/metrics/summary.parquet")
    grokked = summary[(summary.weight_decay == 1) & (summary.optimizer == "adamw")]
    assert (grokked["final_val_accuracy"] >= 0.99).all()
    for figure in FIGURES["grokking"]:
        for extension in ("png", "pdf"):
            assert (smoke / f"results/grokking/figures/{figure}.{extension}").stat().st_size > 10_000
    for log in ("train", "data", "figures"):
        assert list((smoke / "results/grokking/logs" / log).glob("*.log"))
    assert (smoke / "results/grokking/runs").glob("*/meta.json")


def test_smoke_pipeline_measures_inside_grokking(smoke):
    metrics = smoke / "results/grokking/metrics"
    llc = read_parquet(metrics / "llc.parquet")
    check_tidy(llc)
    assert set(llc["metric"]) == {"llc", "llc_std"} and llc["value"].notna().all()
    steps = llc[llc["metric"] == "llc"].groupby("run")["step"].nunique()
    trajectory = "add_p47_frac0.5_wd1_adamw_seed0"  # smoke.yaml: llc.trajectory
    assert steps[trajectory] > 5 and (steps.drop(trajectory) == 1).all() and len(steps) == 5
    progress = read_parquet(metrics / "progress.parquet")
    check_tidy(progress)
    measures = {"restricted_loss", "excluded_loss", "effective_frequencies", "key_frequency_share"}
    assert measures <= set(progress["metric"])
    assert progress["run"].nunique() == 5 and progress["key_frequencies"].str.len().gt(0).all()
    logs = smoke / "results/grokking/logs"
    assert list((logs / "llc").glob("*.log")) and (logs / "llc.log").exists()


def test_smoke_double_descent_writes_its_tables_and_figures(smoke):
    metrics = smoke / "results/double_descent/metrics"
    curves = read_parquet(metrics / "curves.parquet")
    check_tidy(curves)
    # smoke.yaml: 4 widths x 2 noise levels + 3 sizes x 1 noise level (the width-16 member
    # at 1000 examples and 15% noise belongs to both sweeps and is trained once)
    assert curves["run"].nunique() == 4 * 2 + 3 - 1
    assert sorted(curves["step"].unique()) == list(range(1, 31))
    assert {"width", "num_train", "label_noise", "parameters"} <= set(curves.columns)
    final = read_parquet(metrics / "final.parquet")
    assert final.groupby("sweep")["run"].nunique().to_dict() == {"model_wise": 8, "sample_wise": 3}
    summary = read_parquet(metrics / "summary.parquet")
    assert summary.groupby("sweep").size().to_dict() == {"model_wise": 2, "sample_wise": 1, "random_features": 1}
    assert {"interpolation_threshold", "peak_at", "peak_test_error", "largest_test_error"} <= set(summary.columns)
    assert summary.loc[summary["sweep"] == "random_features", "peak_at"].item() == 200  # features = samples
    check_tidy(read_parquet(metrics / "random_features.parquet"))
    for figure in FIGURES["double_descent"]:
        assert (smoke / f"results/double_descent/figures/{figure}.pdf").stat().st_size > 10_000
    # one job per width, size and noise level: its seeds train together as one stack
    assert len(list((smoke / "results/double_descent/logs/train").glob("*.log"))) == 4 * 2 + 2


def test_smoke_pipeline_builds_the_tree_search_study(smoke):
    results = smoke / "results/tree_search"
    curves = read_parquet(results / "metrics/curves.parquet")
    check_tidy(curves)
    assert set(curves["study"]) == {"tree_search"}
    assert {"elo", "optimal_move", "vs_policy_score", "policy_loss"} <= set(curves["metric"])
    summary = read_parquet(results / "metrics/summary.parquet")
    assert len(summary) == 2 + 3 * 3  # random, pure MCTS, 3 snapshots x 3 budgets
    assert (summary.loc[summary["player"] == "random", "elo"] == 0).all()
    assert (summary["ci_low"] <= summary["elo"] + 1e-9).all() and (summary["elo"] <= summary["ci_high"] + 1e-9).all()
    games = read_parquet(results / "metrics/games.parquet")
    assert set(games["score_first"]) <= {0.0, 0.5, 1.0} and len(games) == summary["games"].sum() / 2
    for figure in FIGURES["tree_search"]:
        for extension in ("png", "pdf"):
            assert (results / f"figures/{figure}.{extension}").stat().st_size > 10_000
    for log in ("train", "data", "arena", "solver_accuracy", "figures"):
        assert list((results / "logs" / log).glob("*.log"))


def test_rerun_does_nothing(smoke):
    assert planned_jobs(snakemake(smoke, "-n", *SMOKE).stdout) == {}


def test_editing_one_figure_reruns_that_figure_only(smoke):
    code = smoke / "src/phenomena/grokking/figures/weight_norm.py"
    code.write_text(code.read_text() + "\n# a style change\n")  # content: a bare touch keeps its checksum
    assert planned_jobs(snakemake(smoke, "-n", *SMOKE).stdout) == {"grokking_figure_weight_norm": 1, "all": 1}
    snakemake(smoke, "--cores", "1", *SMOKE)
    assert planned_jobs(snakemake(smoke, "-n", *SMOKE).stdout) == {}


def test_deleted_figure_is_rebuilt_without_training(smoke):
    figure = smoke / "results/grokking/figures/accuracy.png"
    figure.unlink()
    done = snakemake(smoke, "results/grokking/figures/accuracy.png", "--cores", "1", *SMOKE)  # target first:
    # --configfile takes every argument after it
    assert figure.exists()
    ran = set(re.findall(r"^(?:local)?rule (\w+):", done.stderr + done.stdout, re.M))
    assert ran == {"grokking_figure_accuracy"}


def test_changed_setting_reruns_what_depends_on_it(smoke):
    jobs = planned_jobs(snakemake(smoke, "-n", *SMOKE, "--config", "accelerator=cpu").stdout)
    assert jobs.get("grokking_train") == 5 and "grokking_data" not in jobs


@pytest.mark.parametrize(
    ("overlay", "expected"),
    [
        ("arena: {bootstrap_samples: 30}", {"tree_search_metrics"}),
        ("arena: {c_puct: 2.0}", {"tree_search_arena", "tree_search_solver_accuracy", "tree_search_metrics"}),
        ("solver: {positions: 25}", {"tree_search_positions", "tree_search_solver_accuracy", "tree_search_metrics"}),
        ("selfplay: {simulations: 12}", {"tree_search_train", "tree_search_arena", "tree_search_solver_accuracy"}),
    ],
)
def test_tree_search_setting_reruns_only_what_depends_on_it(smoke, overlay, expected):
    (smoke / "overlay.yaml").write_text(f"tree_search:\n  {overlay}\n")
    jobs = planned_jobs(snakemake(smoke, "-n", *SMOKE, "overlay.yaml").stdout)
    studied = {rule for rule in jobs if rule.startswith("tree_search") and "figure" not in rule}
    assert studied == expected | ({"tree_search_metrics"} if "tree_search_train" in expected else set())
    assert not any(rule.startswith("grokking") for rule in jobs)


def test_bad_config_stops_before_any_job_with_one_clear_line(smoke):
    done = snakemake(smoke, "-n", *SMOKE, "--config", "threads_per_job=0", check=False)
    assert done.returncode != 0
    assert "config key threads_per_job: got 0; must be >= 1" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_report_holds_every_figure_with_its_caption(smoke):
    snakemake(smoke, "--report", "report.html", *SMOKE)
    html = (smoke / "report.html").read_text()
    for study, figures in FIGURES.items():
        for figure in figures:
            assert f"{figure}.png" in html, (study, figure)
    assert "What to look for" in html
    assert "add mod 47" in html  # captions render the config that made the figure
    assert re.search(r"Connect Four 5 columns x(\\n|\s)+4 rows", html)  # newlines escaped in the html


def test_paper_preset_plans_gpu_training_jobs(smoke):
    done = snakemake(smoke, "-n", "--configfile", "config/paper.yaml")
    jobs = planned_jobs(done.stdout)
    # ResNet-18 widths x noise levels + sample-wise sizes, one GPU job each (one member shared)
    assert jobs["double_descent_train"] == 26 * 3 + 6 - 1
    assert "wildcards: dd_job=resnet18_w64_n50000_noise0.2_seed0" in done.stdout
    assert "gpu=1" in done.stdout


def test_missing_cifar10_stops_with_one_clear_line(smoke):
    done = snakemake(
        smoke,
        "results/double_descent/data/source.pt",
        "--cores",
        "1",
        "--configfile",
        "config/paper.yaml",
        check=False,
    )
    assert done.returncode != 0
    assert "phenomena: CIFAR-10 not found in data/cifar-10-batches-py: missing data_batch_1" in done.stderr
    assert "Traceback" not in done.stderr


def test_llc_without_the_extra_stops_with_one_line_naming_it(smoke, tmp_path):
    """Simulate a missing devinterp: a package of that name that fails to import, first on the path."""
    (tmp_path / "devinterp").mkdir()
    (tmp_path / "devinterp" / "__init__.py").write_text("raise ImportError('not installed')\n")
    environment = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    target = "results/grokking/metrics/llc.parquet"
    command = [sys.executable, "-m", "snakemake", target, "--forcerun", "grokking_llc", "--cores", "1", *SMOKE]
    done = subprocess.run(command, cwd=smoke, capture_output=True, text=True, env=environment)
    assert done.returncode != 0
    assert "phenomena: the LLC rules need the optional extra 'slt' (devinterp)" in done.stderr
    assert "Traceback" not in done.stderr
    snakemake(smoke, target, "--cores", "1", *SMOKE)  # with the extra: rebuilt, later tests see a full results/
