"""Rule inductive_bias_train_short_classifiers: the short classifier settings (the MLP without the
explicit regularizer) all in one job, each run in its own folder as if trained alone; the long
ones a job each. Its cost: one job with every short run's units."""

from __future__ import annotations

import copy

import pytest

from phenomena.common.config import load_config
from phenomena.common.tables import read_parquet
from phenomena.common.trainer_options import TrainerOptions
from phenomena.inductive_bias import cost, runs
from phenomena.inductive_bias.data import make_data
from phenomena.inductive_bias.train import train_classifier, train_classifiers

CPU = TrainerOptions(accelerator="cpu")


@pytest.fixture
def study(repo):
    return load_config(repo / "config/config.yaml")["inductive_bias"]


def tiny_study(study: dict) -> dict:
    """The default section shrunk to runs of a few steps on 300 examples."""
    tiny = copy.deepcopy(study)
    tiny["data"]["num_samples"] = 300
    tiny["architecture"]["mlp"] = tiny["sgd"]["model"] = {"width": 16, "hidden_layers": 2}
    tiny["architecture"]["training"].update({"steps": 12, "evaluations": 3, "checkpoint_every": 6})
    tiny["sgd"].update({"train_examples": 100, "batch_sizes": [50], "epochs": 2, "evaluations": 2})
    return tiny


def test_the_short_settings_are_the_mlps_without_the_regularizer(study):
    short, long = runs.short_classifier_jobs(study), runs.long_classifier_jobs(study)
    assert sorted(short) == [
        "architecture_mlp_original",
        "architecture_mlp_permuted",
        "sgd_batch1000_epochs40",
        "sgd_batch100_epochs40",
        "sgd_batch250_epochs40",
        "sgd_batch25_epochs40",
        "sgd_fullbatch_steps1600_plain",
    ]
    assert sorted(long) == [
        "architecture_cnn_original",
        "architecture_cnn_permuted",
        "sgd_fullbatch_steps1600_regularized_exact",
        "sgd_fullbatch_steps1600_regularized_paper",
    ]
    assert {**short, **long} == runs.classifier_jobs(study)


def test_the_cost_model_has_one_job_for_the_short_settings_and_one_per_long_setting(study):
    listed = cost.jobs(study, rates={})
    [job] = listed["inductive_bias_train_short_classifiers"]
    short, seeds = runs.short_classifier_jobs(study).values(), len(study["seeds"])
    assert job.units["ib_fit"] == seeds * len(short)
    assert job.units["ib_step"] == job.steps == sum(seeds * settings["training"]["steps"] for settings in short)
    assert len(listed["inductive_bias_train_classifiers"]) == len(runs.long_classifier_jobs(study))


def test_one_job_trains_each_run_in_its_folder_as_alone(study, tmp_path, capsys):
    """Every run in one process, each reseeded: each writes what it writes in a process of its own
    (the last one, trained alone afterwards, as the job's other runs came before it)."""
    tiny = tiny_study(study)
    data = tmp_path / "mnist1d.pt"
    make_data(tiny["data"], data)
    jobs = runs.short_classifier_jobs(tiny)
    chosen = ["architecture_mlp_permuted", "sgd_batch50_epochs2"]
    settings = [runs.run_settings(job, jobs[job], seed) for job in chosen for seed in (0, 1)]
    folders = [tmp_path / "job" / run["job"] / f"seed{run['seed']}" for run in settings]
    train_classifiers(settings, data, folders, options=CPU)
    assert "run 4/4: sgd_batch50_epochs2: seed 1" in capsys.readouterr().out

    alone = tmp_path / "alone"
    train_classifier(settings[-1], data, alone, options=CPU)
    assert read_parquet(folders[-1] / "history.parquet").equals(read_parquet(alone / "history.parquet"))
    for run, folder in zip(settings, folders):
        history = read_parquet(folder / "history.parquet")
        assert set(history["run"]) == {run["run"]} and set(history["seed"]) == {run["seed"]}


def test_a_run_is_never_trained_into_another_runs_folder(study, tmp_path):
    job, settings = next(iter(runs.short_classifier_jobs(study).items()))
    run = runs.run_settings(job, settings, 0)
    with pytest.raises(ValueError, match="another run's"):
        train_classifiers([run], tmp_path / "mnist1d.pt", [tmp_path / job / "seed1"])
    with pytest.raises(ValueError, match="1 classifier runs, 0 run folders"):
        train_classifiers([run], tmp_path / "mnist1d.pt", [])
    assert not any(tmp_path.iterdir())  # checked before anything is trained
