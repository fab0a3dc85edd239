"""The smoke pipeline end to end, in a copy of the workflow (the repository's results/ stay
untouched): its tables and figures, rebuilds, resumes, the paper preset's plan, missing extras."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from phenomena.common.tables import check_tidy, read_parquet
from phenomena.double_descent.module import recorded_epochs
from tree_search.frontier_checks import check_frontier
from workflow_copies import FIGURES, SMOKE, SMOKE_STUDIES, copy_workflow, planned_jobs, snakemake

pytestmark = pytest.mark.slow


def test_smoke_pipeline_writes_tidy_parquet_and_figures(smoke):
    curves = read_parquet(smoke / "results/grokking/metrics/curves.parquet")
    check_tidy(curves)
    assert set(curves["study"]) == {"grokking"}
    assert {"train_fraction", "weight_decay", "optimizer", "operation", "modulus"} <= set(curves.columns)
    assert curves["run"].nunique() == 7  # with the Grokfast repository's comparison (adam_l2, grokfast_adam)
    summary = read_parquet(smoke / "results/grokking/metrics/summary.parquet")
    grokked = summary[(summary.weight_decay == 1) & (summary.optimizer == "adamw")]
    assert (grokked["final_val_accuracy"] >= 0.99).all()
    for figure in FIGURES["grokking"]:
        for extension in ("png", "pdf"):
            assert (smoke / f"results/grokking/figures/{figure}.{extension}").stat().st_size > 10_000
    for log in ("train", "figures"):  # no data jobs: each training job draws its split
        assert list((smoke / "results/grokking/logs" / log).glob("*.log"))
    assert (smoke / "results/grokking/runs").glob("*/meta.json")


def test_smoke_pipeline_measures_inside_grokking(smoke):
    metrics = smoke / "results/grokking/metrics"
    llc = read_parquet(metrics / "llc.parquet")
    check_tidy(llc)
    assert set(llc["metric"]) == {"llc", "llc_std", "llc_sampled_loss"} and llc["value"].notna().all()
    steps = llc[llc["metric"] == "llc"].groupby("run")["step"].nunique()
    trajectories = ["add_p47_frac0.5_wd1_adamw_seed0", "add_p47_frac0.5_wd0_adamw_steps600_seed0"]  # llc.trajectory
    assert (steps[trajectories] > 5).all() and (steps.drop(trajectories) == 1).all()
    assert sorted(steps.drop(trajectories).index) == ["add_p47_frac0.6_wd1_adamw_seed0"]  # llc.final: AdamW runs
    lead = read_parquet(metrics / "llc_lead.parquet").set_index("run")
    assert lead.loc[trajectories[0], "control_run"] == trajectories[1]  # the memorizer's crossing beside the run's
    progress = read_parquet(metrics / "progress.parquet")
    check_tidy(progress)
    measures = {"restricted_loss", "excluded_loss", "effective_frequencies", "key_frequency_share"}
    assert measures <= set(progress["metric"])
    measured_at = progress[progress["control"] != "permuted_residues"]  # a permutation measures every frequency
    assert progress["optimizer"].unique().tolist() == ["adamw"] and progress["run"].nunique() == 3  # AdamW runs
    assert measured_at["key_frequencies"].str.len().gt(0).all()
    controls = progress.groupby("run")["control"].agg(set)  # every run beside its random controls
    assert all({"random_frequencies", "permuted_residues"} <= found for found in controls)
    assert {"train", "val"} <= set(progress.loc[progress["metric"] == "restricted_loss", "split"])
    logs = smoke / "results/grokking/logs"
    assert list((logs / "llc").glob("*.log")) and (logs / "llc.log").exists()


def test_smoke_double_descent_writes_its_tables_and_figures(smoke):
    metrics = smoke / "results/double_descent/metrics"
    curves = read_parquet(metrics / "curves.parquet")
    check_tidy(curves)
    assert curves["run"].nunique() == 4 * 2  # smoke.yaml: 4 widths x 2 noise levels
    model_wise_epochs = sorted(recorded_epochs({"epochs": 30, "last": 10, "log_points": 40}))  # 27 of 30
    assert sorted(curves["step"].unique()) == model_wise_epochs
    assert {"width", "num_train", "label_noise", "parameters"} <= set(curves.columns)
    # the map (2 widths x 3 sizes): size-grid runs measure every 2nd epoch and the last 10; 1000 is model-wise
    grid = read_parquet(metrics / "sample_wise_curves.parquet")
    check_tidy(grid)
    cells = ["width", "num_train", "seed", "step", "split", "metric"]
    recorded = sorted(set(range(2, 31, 2)) | set(range(21, 31)))
    assert sorted(grid.loc[grid["num_train"] == 250, "step"].unique()) == recorded
    assert len(grid) == 2 * (2 * len(recorded) + len(model_wise_epochs)) * 4 and not grid.duplicated(cells).any()
    final = read_parquet(metrics / "final.parquet")
    assert final.groupby("sweep")["run"].nunique().to_dict() == {"model_wise": 8, "sample_wise": 6}
    summary = read_parquet(metrics / "summary.parquet")
    assert summary.groupby(["sweep", "metric"]).size().to_dict() == {
        ("model_wise", "error"): 2,
        ("model_wise", "loss"): 2,
        ("random_features", "mse"): 1,
    }
    assert {"interpolation_threshold", "peak_at", "peak_test_error", "largest_test_error"} <= set(summary.columns)
    assert summary.loc[summary["sweep"] == "random_features", "peak_at"].item() == 200  # features = samples
    size_grid = read_parquet(metrics / "sample_wise_summary.parquet")
    assert sorted(size_grid["width"]) == [4, 16] and {"interpolation_size", "qualifies"} <= set(size_grid.columns)
    check_tidy(read_parquet(metrics / "random_features.parquet"))
    control = read_parquet(metrics / "random_features_sample_wise_summary.parquet")  # smoke.yaml: P = 500
    assert control["features"].tolist() == [500] and control["peak_size"].tolist() == [500]
    findings = read_parquet(smoke / "results/double_descent/findings.parquet")
    assert findings.set_index("finding").loc["random_features_control", "verdict"] == "effect"
    for figure in FIGURES["double_descent"]:
        assert (smoke / f"results/double_descent/figures/{figure}.pdf").stat().st_size > 10_000
    # one job per width (its noise levels and seeds one stack), and one per map width (the map's
    # members at 1000 examples are model-wise members, trained once)
    assert len(list((smoke / "results/double_descent/logs/train").glob("*.log"))) == 4 + 2


def test_smoke_pipeline_builds_the_tree_search_study(smoke):
    results = smoke / "results/tree_search"
    curves = read_parquet(results / "metrics/curves.parquet")
    check_tidy(curves)
    assert set(curves["study"]) == {"tree_search"}
    assert {"elo", "optimal_move", "vs_policy_score", "policy_loss"} <= set(curves["metric"])
    summary = read_parquet(results / "metrics/summary.parquet")
    # random, pure MCTS and perfect; per run (2 widths, 1 seed) its PUCT ladder (3 snapshots x 3
    # budgets) and the 3 extra players of its Gumbel-vs-PUCT comparison snapshot
    assert len(summary) == 3 + 2 * (3 * 3 + 3)
    assert (summary.loc[summary["player"] == "random", "elo"] == 0).all()
    assert (summary["ci_low"] <= summary["elo"] + 1e-9).all() and (summary["elo"] <= summary["ci_high"] + 1e-9).all()
    games = read_parquet(results / "metrics/games.parquet")
    assert set(games["score_first"]) <= {0.0, 0.5, 1.0} and len(games) == summary["games"].sum() / 2
    for figure in FIGURES["tree_search"]:
        for extension in ("png", "pdf"):
            assert (results / f"figures/{figure}.{extension}").stat().st_size > 10_000
    for log in ("train", "data", "arena", "figures"):
        assert list((results / "logs" / log).glob("*.log"))
    check_frontier(read_parquet(results / "metrics/frontier.parquet"), summary)


def test_smoke_pipeline_builds_the_perturbation_study(smoke):
    results = smoke / "results/perturbation"
    for table in ("datasaurus_statistics", "diffusion_distances", "zero_init_curves"):
        check_tidy(read_parquet(results / f"metrics/{table}.parquet"))
    summary = read_parquet(results / "metrics/summary.parquet")
    kept = summary[(summary["part"] == "datasaurus") & (summary["quantity"] == "statistics_kept")]
    assert list(kept["run"]) == ["circle", "x"] and (kept["value"] == 1.0).all()
    zero_init = read_parquet(results / "metrics/zero_init_summary.parquet").set_index("init")
    assert zero_init.loc["zero", "max_unit_spread"] == 0 and zero_init.loc["constant", "max_unit_spread"] == 0
    frames = read_parquet(results / "metrics/datasaurus_frames.parquet")
    assert frames.groupby("target")["frame"].nunique().to_dict() == {"circle": 6, "x": 6}
    for figure in FIGURES["perturbation"]:
        for extension in ("png", "pdf"):
            assert (results / f"figures/{figure}.{extension}").stat().st_size > 10_000
    assert (results / "figures/datasaurus.gif").read_bytes()[:6] == b"GIF89a"
    assert "src='data:image/gif;base64,R0lGODlh" in (results / "figures/datasaurus_animation.html").read_text()


def test_paper_preset_plans_gpu_training_jobs(smoke):
    done = snakemake(smoke, "-n", "--configfile", "config/paper.yaml")
    jobs = planned_jobs(done.stdout)
    # ResNet-18 widths x noise levels, one GPU job each; one size-grid job per map width
    assert jobs["double_descent_train"] == 26 * 3 and jobs["double_descent_size_grid"] == 5
    assert "wildcards: dd_job=resnet18_w64_n50000_noise0.2_seed0" in done.stdout
    assert "gpu=1" in done.stdout


def test_missing_cifar10_stops_with_one_clear_line(tmp_path):
    # its own copy: Snakemake removes the old source.pt before the job that fails (the session's
    # smoke copy would lose its double-descent data, and the rerun tests would see it rebuilt)
    done = snakemake(
        copy_workflow(tmp_path / "workflow"),
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


def test_a_second_run_from_nothing_gives_byte_identical_metrics(smoke_pipeline, smoke_from_nothing):
    """Same config and seeds, every study built again from nothing in another folder (through
    SLURM where a cluster can start, conftest.smoke_from_nothing): the same bytes, table by table."""
    _, first = smoke_pipeline
    second = smoke_from_nothing.tables
    assert {Path(path).parts[1] for path in first} == set(SMOKE_STUDIES)  # every study has metric tables
    assert second.keys() == first.keys()
    assert [path for path in first if second[path] != first[path]] == []


LONG_GROKKING_RUN = """\
studies: [grokking]
grokking:
  training: {max_steps: 1500, eval_every: 25, checkpoint_every: 250, stop_after_generalizing: null}
  sweeps:
    - {train_fraction: [0.5], weight_decay: [1.0], optimizer: [adamw], seed: [0]}
"""


def wait_for_checkpoint(run_dirs: Path, timeout: float = 300) -> Path:
    """The first ``last.ckpt`` that a training job writes under ``run_dirs``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = list(run_dirs.glob("*/checkpoints/last.ckpt"))
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no checkpoint under {run_dirs} after {timeout} s")


def test_killed_training_resumes_from_its_checkpoint_and_ends_as_an_uninterrupted_run(tmp_path):
    """kill -9 on Snakemake and its training job, as a crashed node would; then unlock and rerun."""
    history = "results/grokking/runs/add_p47_frac0.5_wd1_adamw_seed0/history.parquet"
    args = [history, "--cores", "1", *SMOKE, "long.yaml"]  # the run alone: no figure of one run
    killed, clean = copy_workflow(tmp_path / "killed"), copy_workflow(tmp_path / "clean")
    for workdir in (killed, clean):
        (workdir / "long.yaml").write_text(LONG_GROKKING_RUN)
    command = [sys.executable, "-m", "snakemake", *args]
    job = subprocess.Popen(
        command, cwd=killed, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        checkpoint = wait_for_checkpoint(killed / "results/grokking/runs")
        time.sleep(0.5)  # let training go on past the checkpoint: the kill comes mid-run
    finally:
        os.killpg(job.pid, signal.SIGKILL)
        job.wait()
    run_dir = checkpoint.parents[1]
    killed_at = torch.load(checkpoint, weights_only=False)["global_step"]
    assert 0 < killed_at < 1500
    assert not (run_dir / "history.parquet").exists()  # nothing half-written

    assert run_dir.name in history
    snakemake(killed, "--unlock", *SMOKE, "long.yaml")
    snakemake(killed, *args)  # the default profile reruns incomplete jobs
    log = (killed / "results/grokking/logs/train" / f"{run_dir.name}.log").read_text()
    assert "resuming from" in log
    resumed_steps = [int(step) for step in re.findall(r"^step (\d+)/1500", log.split("resuming from", 1)[1], re.M)]
    assert resumed_steps and resumed_steps[0] > killed_at

    snakemake(clean, *args)
    resumed, uninterrupted = (
        read_parquet(workdir / "results/grokking/runs" / run_dir.name / "history.parquet")
        for workdir in (killed, clean)
    )
    assert resumed["step"].max() == 1500
    assert resumed.equals(uninterrupted)


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
