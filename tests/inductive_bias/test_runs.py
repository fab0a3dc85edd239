"""Inductive-bias config: the planned jobs and the checks the schema cannot express."""

from __future__ import annotations

import copy

import pytest

from phenomena.common.config import ConfigError, load_config, load_schema, validate_config
from phenomena.inductive_bias import runs
from phenomena.studies import STUDY_NAMES


@pytest.fixture
def study(repo):
    return load_config(repo / "config/config.yaml")["inductive_bias"]


def test_jobs_cover_every_model_order_batch_size_width_and_alpha(study):
    architecture = runs.architecture_jobs(study)
    assert len(architecture) == len(study["architecture"]["models"]) * len(study["architecture"]["orders"])
    sgd = runs.sgd_jobs(study)
    assert len(sgd) == len(study["sgd"]["batch_sizes"]) + 1 + len(study["sgd"]["regularizers"])
    regularized = [job for job in sgd.values() if job["regularized"]]
    forms = {runs.regularizer_form(name): job["training"].get("regularizer_form") for name, job in sgd.items()}
    forms.pop(None)
    assert list(forms) == list(forms.values()) == study["sgd"]["regularizers"] == ["paper", "exact"]
    smallest = min(study["sgd"]["batch_sizes"])
    steps = {job["batch_size"]: job["training"]["steps"] for job in sgd.values() if not job["regularized"]}
    assert regularized[0]["training"]["steps"] == study["sgd"]["epochs"] * study["sgd"]["train_examples"] // smallest
    assert regularized[0]["training"]["batch_size"] == study["sgd"]["train_examples"]  # full batch
    assert steps[smallest] == regularized[0]["training"]["steps"]  # the full-batch runs take the smallest batch's steps
    kernel = runs.kernel_jobs(study)
    assert len(kernel) == len(study["kernel"]["widths"]) + len(study["kernel"]["alphas"])


def test_only_the_regularized_run_trains_on_the_regularizer_but_every_sgd_run_logs_it(study):
    for job in runs.sgd_jobs(study).values():
        assert (job["training"]["regularizer_batch"] is not None) == job["regularized"]
        assert job["training"]["log_regularizer_batch"] == study["sgd"]["regularizer_batch"]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("sgd", "train_examples"), 9000, "inductive_bias.sgd.train_examples: got 9000; the data has 4000"),
        (("sgd", "batch_sizes"), [25, 2000], "inductive_bias.sgd.batch_sizes: got 2000; must be at most"),
        (("sgd", "regularizer_batch"), 5000, "inductive_bias.sgd.regularizer_batch: got 5000"),
        (("sgd", "regularizer_batch"), 30, "regularizer_batch: got 30; the exact regularizer needs minibatches that"),
        (("kernel", "reference_width"), 100, "inductive_bias.kernel.reference_width: got 100; must be one of"),
    ],
)
def test_config_checks_name_the_key_and_the_value(study, path, value, message):
    bad = copy.deepcopy(study)
    node = bad
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ConfigError) as error:
        runs.check_study_config(bad)
    assert message in str(error.value)
    runs.check_study_config(study)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            ("architecture", "models"),
            ["transformer"],
            "inductive_bias.architecture.models[0]: got 'transformer'; allowed: 'mlp', 'cnn'",
        ),
        (("architecture", "orders"), ["reversed"], "orders[0]: got 'reversed'; allowed: 'original', 'permuted'"),
        (("kernel", "widths"), [0, 16], "inductive_bias.kernel.widths[0]: got 0"),
        (("sgd", "lr"), 0, "inductive_bias.sgd.lr: got 0"),
    ],
)
def test_schema_refuses_bad_values_with_one_line(repo, path, value, message):
    config = load_config(repo / "config/config.yaml")
    node = config["inductive_bias"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ConfigError) as error:
        validate_config(config, load_schema(repo / "workflow/schemas", STUDY_NAMES))
    assert message in str(error.value)
