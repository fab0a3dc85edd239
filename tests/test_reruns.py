"""What a rerun of the smoke pipeline does: nothing when nothing changed, only what depends on
an edited figure, a deleted output or a changed setting; and a bad config that stops before any
job with one clear line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from workflow_copies import SMOKE, copy_workflow, planned_jobs, snakemake

pytestmark = pytest.mark.slow

SLT_READS_DOUBLE_DESCENT = {"slt_double_descent_metrics", "slt_findings"}
"""What reruns in the SLT study when the double-descent study's metric tables do."""


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


def test_changed_accelerator_reruns_training_not_data(smoke):
    jobs = planned_jobs(snakemake(smoke, "-n", *SMOKE, "--config", "accelerator=cpu").stdout)
    assert jobs.get("grokking_train") == 7 and "grokking_data" not in jobs


@pytest.mark.parametrize(
    ("overlay", "expected"),
    [
        (
            "grokking:\n  optimizer: {warmup_steps: 20}",
            {
                "grokking_train",
                "grokking_metrics",
                "grokking_progress",
                "grokking_llc_trajectory",
                "grokking_llc",
                "grokking_llc_lead",
                "grokking_findings",
            },
        ),
        (
            "grokking:\n  llc: {sampler: {draws: 50}}",  # and the calibration of every sampler the project uses
            {"grokking_llc_trajectory", "grokking_llc", "grokking_llc_lead", "grokking_findings"}
            | {"slt_calibration", "slt_findings"},
        ),
        (
            "double_descent:\n  optimizer: {lr: 0.002}",
            {"double_descent_train", "double_descent_size_grid", "double_descent_metrics", "double_descent_findings"}
            | {"slt_double_descent_llc", *SLT_READS_DOUBLE_DESCENT},
        ),
        (  # the map's size grid: its size-grid jobs only, not the model-wise jobs or the source
            "double_descent:\n  sample_wise: {num_train: [250, 750, 1000]}",
            {
                "double_descent_size_grid",
                "double_descent_random_features_sizes",
                "double_descent_metrics",
                "double_descent_findings",
                *SLT_READS_DOUBLE_DESCENT,
            },
        ),
        (  # the map's random-feature control: neither the networks nor the other random features
            "double_descent:\n  sample_wise: {random_features: [250]}",
            {"double_descent_random_features_sizes", "double_descent_metrics", "double_descent_findings"}
            | SLT_READS_DOUBLE_DESCENT,
        ),
        (
            "double_descent:\n  metrics: {min_peak_rise: 0.03}",
            {"double_descent_metrics", "double_descent_findings"} | SLT_READS_DOUBLE_DESCENT,
        ),
        (
            "double_descent:\n  random_features: {features: [50, 200, 800]}",
            {"double_descent_random_features", "double_descent_metrics", "double_descent_findings"}
            | SLT_READS_DOUBLE_DESCENT,
        ),
        (  # a new sampler: the LLC jobs and the calibration of every sampler, never the training
            "slt:\n  superposition: {sampler: {draws: 40}}",
            {"slt_superposition_llc", "slt_superposition_metrics", "slt_calibration", "slt_findings"},
        ),
        (
            "slt:\n  double_descent: {sampler: {draws: 40}}",
            {"slt_double_descent_llc", "slt_double_descent_metrics", "slt_calibration", "slt_findings"},
        ),
        (  # the step check: its own LLC job only, not the sampler's nor the calibration
            "slt:\n  double_descent: {step_check: {step: 0.25, chains: 1}}",
            {"slt_double_descent_llc", "slt_double_descent_metrics", "slt_findings"},
        ),
        ("slt:\n  superposition: {detector: {loss_drop: 0.3}}", {"slt_findings"}),
        ("tree_search:\n  arena: {bootstrap_samples: 30}", {"tree_search_metrics", "tree_search_findings"}),
        (
            "tree_search:\n  arena: {c_puct: 2.0}",
            {
                "tree_search_arena",
                "tree_search_baselines_arena",
                "tree_search_metrics",
                "tree_search_findings",
            },
        ),
        (
            "tree_search:\n  solver: {positions: 25}",
            {"tree_search_positions", "tree_search_arena", "tree_search_metrics", "tree_search_findings"},
        ),
        (
            "tree_search:\n  selfplay: {simulations: 12}",
            {
                "tree_search_train",
                "tree_search_arena",
                "tree_search_baselines_arena",
                "tree_search_metrics",
                "tree_search_findings",
            },
        ),
    ],
)
def test_changed_setting_reruns_only_what_depends_on_it(smoke, overlay, expected):
    """Results of an earlier config are never reused for a new one, and nothing else reruns."""
    (smoke / "overlay.yaml").write_text(overlay + "\n")
    jobs = planned_jobs(snakemake(smoke, "-n", *SMOKE, "overlay.yaml").stdout)
    study = overlay.split(":", 1)[0]
    readers = ("slt",) if study in ("double_descent", "grokking") else ()  # the SLT study reads them
    computed = {rule for rule in jobs if "_figure_" not in rule and rule not in ("all", study, *readers)}
    assert computed == expected
    assert all(rule.startswith((study, *readers)) for rule in jobs if rule != "all")


def test_a_changed_snapshot_reruns_its_llc_not_its_training(smoke):
    """A toy-model snapshot that changes reruns the LLC job and what reads it; the training that
    wrote it, the other studies and the calibration stay."""
    snapshots = smoke / "results/slt/runs/superposition_seed0/snapshots.pt"
    bundle = torch.load(snapshots, weights_only=True)
    last = max(bundle["snapshots"])
    bundle["snapshots"][last]["W"] = bundle["snapshots"][last]["W"] * 1.01  # a bare touch keeps the checksum
    torch.save(bundle, snapshots)
    jobs = planned_jobs(snakemake(smoke, "-n", *SMOKE).stdout)
    computed = {rule for rule in jobs if "_figure_" not in rule and rule not in ("all", "slt")}
    assert computed == {"slt_superposition_llc", "slt_superposition_metrics", "slt_findings"}
    snakemake(smoke, "--cores", "1", *SMOKE)  # the other tests start from a finished tree
    assert planned_jobs(snakemake(smoke, "-n", *SMOKE).stdout) == {}


@pytest.fixture(scope="module")
def workflow(tmp_path_factory) -> Path:
    """A fresh copy of the workflow, nothing run in it."""
    return copy_workflow(tmp_path_factory.mktemp("fresh"))


@pytest.mark.parametrize(
    ("overlay", "message"),
    [
        ("threads_per_job: 0", "phenomena: config key threads_per_job: got 0; must be >= 1"),
        ("studies: [grokkking]", "studies[0]: got 'grokkking'; allowed: 'grokking'"),
        ("grokking: {modulus: 96}", "phenomena: config key grokking.modulus: got 96; must be a prime number"),
        ("grokking: {operatoin: add}", "grokking.operatoin: unknown key"),
        ("double_descent: {model_wise: {widths: [4, 0]}}", "model_wise.widths[1]: got 0; must be >= 1"),
        ("tree_search: {board: {columns: 3, rows: 3}}", "tree_search.board: got 3x3; columns or rows must be >= 4"),
        ("tree_search: {training: {iterations: '60'}}", "iterations: got '60' (str); expected type integer"),
        ("grokking: {modulus: [97\n", "Config file is not valid JSON or YAML"),  # Snakemake's own check
    ],
)
def test_bad_config_stops_before_any_job_with_one_clear_line(workflow, overlay, message):
    (workflow / "bad.yaml").write_text(overlay + "\n")
    done = snakemake(workflow, "-n", "--configfile", "bad.yaml", check=False)
    assert done.returncode != 0
    said = done.stderr + done.stdout  # Snakemake prints its own errors to stdout
    assert message in said
    assert "Traceback" not in said
    assert not (workflow / "results").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
def test_a_device_this_machine_lacks_stops_the_run_before_anything_is_written(workflow):
    done = snakemake(workflow, "--cores", "1", *SMOKE, "--config", "accelerator=cuda", check=False)
    said = done.stderr + done.stdout
    assert done.returncode != 0
    assert "phenomena: config key accelerator: got 'cuda' but no CUDA GPU is visible on " in said
    assert "Traceback" not in said
    assert not (workflow / "results").exists()
