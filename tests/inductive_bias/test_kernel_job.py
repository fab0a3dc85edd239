"""The kernel runs' one job (rule inductive_bias_train_kernels): its cost and its run folders."""

from __future__ import annotations

import pytest

from phenomena.common.config import load_config
from phenomena.inductive_bias import cost, runs
from phenomena.inductive_bias.train import train_kernels


@pytest.fixture
def study(repo):
    return load_config(repo / "config/config.yaml")["inductive_bias"]


def test_the_cost_model_has_one_kernel_job_with_every_run(study):
    listed = cost.jobs(study, rates={})
    [job] = listed["inductive_bias_train_kernels"]
    settings = runs.kernel_jobs(study).values()
    seeds = len(study["seeds"])
    assert job.units["ib_kernel_fit"] == seeds * len(settings)
    assert job.units["ib_kernel_step"] == job.steps == sum(seeds * s["training"]["steps"] for s in settings)
    assert len(listed["inductive_bias_train_classifiers"]) == len(runs.long_classifier_jobs(study))


def test_a_run_is_never_trained_into_another_runs_folder(study, tmp_path):
    job, settings = next(iter(runs.kernel_jobs(study).items()))
    run = runs.run_settings(job, settings, 0)
    with pytest.raises(ValueError, match="another run's"):
        train_kernels([run], [tmp_path / job / "seed1"])
    with pytest.raises(ValueError, match="1 kernel runs, 0 run folders"):
        train_kernels([run], [])
    assert not any(tmp_path.iterdir())  # checked before anything is trained
