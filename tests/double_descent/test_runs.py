"""Planning the study: members, the jobs that stack them, settings."""

import copy

import pytest

from phenomena.common.config import load_config
from phenomena.double_descent.runs import (
    plan_jobs,
    plan_size_grid_jobs,
    resolved_settings,
    sweep_members,
)


@pytest.fixture
def study(repo):
    return copy.deepcopy(load_config(repo / "config/config.yaml")["double_descent"])


def test_mlp_seeds_and_noise_levels_of_one_width_share_a_job(study):
    jobs = plan_jobs(study)
    job = jobs["mlp_w47_n4000"]
    seeds, noise = study["model_wise"]["seeds"], study["model_wise"]["label_noise"]
    assert [(m.label_noise, m.seed) for m in job.members] == [(n, s) for n in noise for s in seeds]
    assert len(jobs) == len(study["model_wise"]["widths"])
    assert {j.num_train for j in jobs.values()} == {study["model_wise"]["num_train"]}


def test_size_grid_has_one_job_per_width_and_noise_with_one_stack_per_size(study):
    study["sample_wise"].update({"widths": [12, 20], "num_train": [250, 500, 1000], "label_noise": [0.15]})
    jobs = plan_size_grid_jobs(study)
    assert sorted(jobs) == ["mlp_w12_noise0.15_sizes", "mlp_w20_noise0.15_sizes"]
    stacks = jobs["mlp_w20_noise0.15_sizes"].stacks()
    assert [[m.num_train for m in stack] for stack in stacks] == [[250] * 3, [500] * 3, [1000] * 3]
    assert [m.seed for m in stacks[0]] == study["sample_wise"]["seeds"]
    settings = resolved_settings(study, jobs["mlp_w20_noise0.15_sizes"])
    assert "members" not in settings and len(settings["stacks"]) == 3


def test_map_member_of_the_model_wise_sweep_is_trained_once(study):
    study["sample_wise"].update({"widths": [47], "num_train": [1000, 4000]})  # (47, 4000, 0.15) is model-wise
    (job,) = plan_size_grid_jobs(study).values()
    assert {m.num_train for m in job.members} == {1000}
    trained = [m.name for j in [*plan_jobs(study).values(), job] for m in j.members]
    assert len(trained) == len(set(trained))
    assert set(m.name for m in sweep_members(study, "sample_wise")) <= set(trained)


def test_changing_the_size_grid_changes_only_the_size_grid_jobs(study):
    model_wise = {name: resolved_settings(study, job) for name, job in plan_jobs(study).items()}
    before = {name: resolved_settings(study, job) for name, job in plan_size_grid_jobs(study).items()}
    study["sample_wise"]["num_train"] = [300, 600, 1200]
    assert {name: resolved_settings(study, job) for name, job in plan_jobs(study).items()} == model_wise
    after = {name: resolved_settings(study, job) for name, job in plan_size_grid_jobs(study).items()}
    assert after.keys() == before.keys() and all(after[name] != before[name] for name in after)


def test_resnet_members_train_one_per_job(study):
    study["model"]["name"] = "resnet18"
    study["model_wise"].update({"widths": [1, 2], "label_noise": [0.0, 0.2], "seeds": [0]})
    study["sample_wise"].update({"widths": [2], "num_train": [1000, 2000], "seeds": [0, 1]})
    jobs = plan_jobs(study)
    assert sorted(jobs) == sorted(f"resnet18_w{w}_n4000_noise{n}_seed0" for w in (1, 2) for n in ("0", "0.2"))
    assert all(len(job.members) == 1 for job in jobs.values())
    (grid,) = plan_size_grid_jobs(study).values()
    assert all(len(stack) == 1 for stack in grid.stacks()) and len(grid.stacks()) == 4


def test_settings_change_with_what_determines_the_result(study):
    job = plan_jobs(study)["mlp_w47_n4000"]
    before = resolved_settings(study, job)
    study["optimizer"]["lr"] = 0.001
    assert resolved_settings(study, job) != before
    assert before["model"] == {"name": "mlp", "hidden_layers": 2}
