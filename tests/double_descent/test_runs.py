"""Planning the study: members, the jobs that stack them, settings."""

import copy

import pytest

from phenomena.common.config import load_config
from phenomena.double_descent.runs import plan_datasets, plan_jobs, random_feature_datasets, resolved_settings


@pytest.fixture
def study(repo):
    return copy.deepcopy(load_config(repo / "config/config.yaml")["double_descent"])


def test_mlp_seeds_of_one_setting_share_a_job(study):
    jobs = plan_jobs(study)
    model_wise = study["model_wise"]
    job = jobs["mlp_w47_n4000_noise0.15"]
    assert [m.seed for m in job.members] == model_wise["seeds"]
    assert {m.label_noise for m in job.members} == {0.15}
    sample_wise_jobs = [j for j in jobs.values() if j.width == study["sample_wise"]["width"]]
    assert {j.num_train for j in sample_wise_jobs} == set(study["sample_wise"]["num_train"])


def test_member_in_both_sweeps_is_trained_once(study):
    study["sample_wise"]["width"] = 47  # (47, 4000, 0.15, seed) is also a model-wise member
    members = [m.name for job in plan_jobs(study).values() for m in job.members]
    assert len(members) == len(set(members))
    assert "mlp_w47_n4000_noise0.15_seed0" in members


def test_resnet_members_train_one_per_job(study):
    study["model"]["name"] = "resnet18"
    study["model_wise"].update({"widths": [1, 2], "label_noise": [0.0, 0.2], "seeds": [0]})
    study["sample_wise"] = None
    jobs = plan_jobs(study)
    assert sorted(jobs) == sorted(f"resnet18_w{w}_n4000_noise{n}_seed0" for w in (1, 2) for n in ("0", "0.2"))
    assert all(len(job.members) == 1 for job in jobs.values())


def test_datasets_are_shared_across_widths(study):
    datasets = plan_datasets(plan_jobs(study))
    assert "n4000_noise0.15_seed2" in datasets
    assert list(random_feature_datasets(study)) == ["n1000_noise0_seed0", "n1000_noise0_seed1", "n1000_noise0_seed2"]


def test_settings_change_with_what_determines_the_result(study):
    job = plan_jobs(study)["mlp_w47_n4000_noise0.15"]
    before = resolved_settings(study, job)
    study["optimizer"]["lr"] = 0.001
    assert resolved_settings(study, job) != before
    assert before["model"] == {"name": "mlp", "hidden_layers": 2}
