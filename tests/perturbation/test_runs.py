"""Perturbation config: planned runs and the checks the schema cannot express."""

from __future__ import annotations

import copy

import pytest

from phenomena.common.config import ConfigError, load_config, load_schema, validate_config
from phenomena.perturbation import runs
from phenomena.studies import STUDY_NAMES


@pytest.fixture
def study(repo):
    return load_config(repo / "config/config.yaml")["perturbation"]


def test_one_run_per_target_per_seed_and_per_init(study):
    assert list(runs.datasaurus_runs(study)) == [f"datasaurus_{t}" for t in study["datasaurus"]["targets"]]
    assert list(runs.diffusion_runs(study)) == [f"diffusion_seed{s}" for s in study["diffusion"]["seeds"]]
    zero = runs.zero_init_runs(study)
    assert len(zero) == len(study["zero_init"]["inits"]) * len(study["zero_init"]["seeds"])
    assert "zero_init_constant_seed0" in zero


def test_sampling_settings_do_not_reach_training(study):
    settings = next(iter(runs.diffusion_runs(study).values()))
    assert "sampling" not in runs.diffusion_training_settings(settings)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("datasaurus", "temperature", "end"), 0.9, "perturbation.datasaurus.temperature.end: got 0.9"),
        (("diffusion", "sampling", "line", "end"), [-2.0, 0.0], "perturbation.diffusion.sampling.line.end"),
        (("diffusion", "model", "time_embedding"), 7, "time_embedding: got 7; must be even"),
    ],
)
def test_config_checks_name_the_key_and_the_value(study, path, value, message):
    bad = copy.deepcopy(study)
    node = bad
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace(".", r"\.")):
        runs.check_study_config(bad)
    runs.check_study_config(study)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("datasaurus", "targets"), ["heart"], "perturbation.datasaurus.targets[0]: got 'heart'; allowed: 'circle'"),
        (("zero_init", "inits"), ["ones"], "perturbation.zero_init.inits[0]: got 'ones'; allowed: 'default'"),
        (("diffusion", "sampling", "samplers"), ["euler"], "samplers[0]: got 'euler'; allowed: 'ddpm', 'ddim'"),
        (("datasaurus", "decimals"), 9, "perturbation.datasaurus.decimals: got 9; must be <= 6"),
    ],
)
def test_schema_refuses_bad_values_with_one_line(repo, path, value, message):
    config = load_config(repo / "config/config.yaml")
    node = config["perturbation"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    schema = load_schema(repo / "workflow/schemas", STUDY_NAMES)
    with pytest.raises(ConfigError) as error:
        validate_config(config, schema)
    assert message in str(error.value)
