"""Bad config gives one clear line naming the key, the value and what is allowed."""

import copy

import pytest

from phenomena.common.config import ConfigError, load_config, load_schema, validate_config
from phenomena.double_descent.runs import check_study_config as check_double_descent
from phenomena.grokking.runs import check_study_config
from phenomena.studies import STUDY_NAMES
from phenomena.tree_search.runs import check_study_config as check_tree_search


@pytest.fixture(scope="module")
def schema(request):
    return load_schema(request.config.rootpath / "workflow/schemas", STUDY_NAMES)


@pytest.fixture(scope="module")
def default_config(request):
    return load_config(request.config.rootpath / "config/config.yaml")


@pytest.mark.parametrize("preset", ["config.yaml", "smoke.yaml", "paper.yaml"])
def test_every_preset_is_valid(request, schema, preset):
    root = request.config.rootpath
    config = load_config(root / "config/config.yaml", root / "config" / preset)
    validate_config(config, schema)
    check_study_config(config["grokking"])
    check_double_descent(config["double_descent"])
    check_tree_search(config["tree_search"])


def broken(config, path, value):
    config = copy.deepcopy(config)
    *parents, last = path
    target = config
    for key in parents:
        target = target[key]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return config


DELETE = object()
BAD_INPUTS = [
    (("grokking", "operatoin"), "add", "grokking.operatoin: unknown key"),
    (("grokking", "operation"), "mul", "grokking.operation: got 'mul'; allowed: 'add', 'sub', 'div', 'quad'"),
    (("grokking", "sweeps", 0, "train_fraction"), [1.5], "train_fraction[0]: got 1.5; must be < 1"),
    (("grokking", "sweeps", 0, "train_fraction"), [0.0], "train_fraction[0]: got 0.0; must be > 0"),
    (("grokking", "sweeps", 0, "seed"), [], "grokking.sweeps[0].seed"),
    (("grokking", "sweeps"), [], "grokking.sweeps"),
    (("grokking", "training", "max_steps"), "many", "max_steps: got 'many' (str); expected type integer"),
    (("grokking", "training", "eval_every"), 0, "eval_every: got 0; must be >= 1"),
    (("grokking", "model", "name"), "rnn", "grokking.model.name: got 'rnn'"),
    (("grokking", "optimizer", "lr"), DELETE, "'lr' is a required property"),
    (("studies",), ["grokkking"], "studies[0]: got 'grokkking'; allowed: 'grokking'"),
    (("studies",), [], "config key studies: got []; must be at least this many items: 1"),
    (("accelerator",), "tpu", "accelerator: got 'tpu'; allowed: 'auto', 'cpu', 'gpu', 'cuda', 'mps'"),
    (("precision",), "fp16", "config key precision: got 'fp16'; allowed: '32-true', '64-true', 'bf16-mixed'"),
    (("logger",), "wandb", "config key logger: got 'wandb'; allowed: null, 'csv', 'tensorboard'"),
    (("outputs",), "out", "config key outputs: unknown key"),
    (("grokking", "modulus"), 97.5, "grokking.modulus: got 97.5 (float); expected type integer"),
    (("grokking", "optimizer", "betas"), [0.9, 0.98, 0.9], "grokking.optimizer.betas"),
    (("grokking", "optimizer", "grokfast_alpha"), 1.0, "grokfast_alpha: got 1.0; must be < 1"),
    (("grokking", "sweeps", 0, "weight_decay"), [-1.0], "weight_decay[0]: got -1.0; must be >= 0"),
    (("grokking", "sweeps", 0, "optimizer"), ["sgd"], "optimizer[0]: got 'sgd'; allowed: 'adamw'"),
    (("grokking", "sweeps", 0, "seed"), [0, 0], "grokking.sweeps[0].seed"),
    (
        ("grokking", "training", "stop_after_generalizing"),
        {"val_accuracy": 1.5, "extra_ratio": 0.2},
        "stop_after_generalizing.val_accuracy: got 1.5; must be <= 1",
    ),
    (("grokking", "model", "mlp", "d_hidden"), 0, "grokking.model.mlp.d_hidden: got 0; must be >= 1"),
    (
        ("studies",),
        ["double-descent"],
        "studies[0]: got 'double-descent'; allowed: 'grokking', 'double_descent', 'tree_search'",
    ),
    (("double_descent", "model_wise", "widths"), [4, 0, 16], "model_wise.widths[1]: got 0; must be >= 1"),
    (("double_descent", "model_wise", "widths"), [-8], "model_wise.widths[0]: got -8; must be >= 1"),
    (("double_descent", "model_wise", "widths"), [], "double_descent.model_wise.widths"),
    (("double_descent", "model_wise", "widths"), [4.5], "widths[0]: got 4.5 (float); expected type integer"),
    (("double_descent", "model_wise", "label_noise"), [0.0, 1.0], "label_noise[1]: got 1.0; must be < 1"),
    (("double_descent", "model_wise", "label_noise"), [-0.1], "label_noise[0]: got -0.1; must be >= 0"),
    (("double_descent", "sample_wise", "widths"), [0], "double_descent.sample_wise.widths[0]: got 0; must be >= 1"),
    (("double_descent", "sample_wise", "record_every"), 0, "sample_wise.record_every: got 0; must be >= 1"),
    (("double_descent", "random_features", "label_noise"), 1.2, "random_features.label_noise: got 1.2; must be < 1"),
    (("double_descent", "data", "source"), "mnist", "data.source: got 'mnist'; allowed: 'mnist1d', 'cifar10'"),
    (("double_descent", "model", "name"), "resnet50", "double_descent.model.name: got 'resnet50'"),
    (("double_descent", "training", "batch_size"), 0, "double_descent.training.batch_size: got 0; must be >= 1"),
    (("double_descent", "training", "augment"), "yes", "augment: got 'yes' (str); expected type boolean"),
    (("double_descent", "data", "mnist1d", "train_split"), 1.0, "train_split: got 1.0; must be < 1"),
    (("double_descent", "model_wise", "widht"), 4, "double_descent.model_wise.widht: unknown key"),
    (("tree_search", "board", "columns"), 5.5, "tree_search.board.columns: got 5.5 (float); expected type integer"),
    (("tree_search", "board", "rows"), 0, "tree_search.board.rows: got 0; must be >= 1"),
    (("tree_search", "arena", "budgets"), [0, 16.5], "tree_search.arena.budgets[1]: got 16.5 (float)"),
    (("tree_search", "arena", "budgets"), [0, -4], "tree_search.arena.budgets[1]: got -4; must be >= 0"),
    (("tree_search", "arena", "schedule"), "swiss", "schedule: got 'swiss'; allowed: 'ladder', 'round_robin'"),
    (("tree_search", "selfplay", "simulations"), 0, "tree_search.selfplay.simulations: got 0; must be >= 1"),
    (("tree_search", "selfplay", "dirichlet_fraction"), 1.5, "dirichlet_fraction: got 1.5; must be <= 1"),
    (("tree_search", "solver", "backend"), "pons", "backend: got 'pons'; allowed: 'python', 'bitbully'"),
    (("tree_search", "training", "iterations"), "60", "iterations: got '60' (str); expected type integer"),
    (("tree_search", "seeds"), [], "config key tree_search.seeds"),
    (("grokking", "llc", "final", "optimiser"), ["adamw"], "grokking.llc.final.optimiser: unknown key"),
    (
        ("grokking", "llc", "final", "optimizer"),
        ["sgd"],
        "grokking.llc.final.optimizer[0]: got 'sgd'; allowed: 'adamw'",
    ),
    (("resources", "grokking_train", "mem"), 4000, "resources.grokking_train.mem: unknown key"),
    (("resources", "grokking_train", "runtime"), 0, "resources.grokking_train.runtime: got 0; must be >= 1"),
    (("gpu_model",), "a100 --x", "config key gpu_model: 'a100 --x' does not match '^[A-Za-z0-9_.]+$'"),
    (("requeue_before_limit",), 0, "requeue_before_limit: got 0; must be >= 1"),
    (("slt", "double_descent"), 5, "config key slt.double_descent: got 5 (int); expected null or a mapping {sampler"),
    (
        ("slt", "double_descent", "step_check"),
        0.5,
        "slt.double_descent.step_check: got 0.5 (float); expected null or a mapping {step, chains}",
    ),
    (("slt", "double_descent", "step_check"), {"step": 1.5, "chains": 1}, "step_check.step: got 1.5; must be < 1"),
    (("results",), "results/", "config key results: got 'results/'; must be a folder name of letters, digits"),
    (("results",), "my results", "config key results: got 'my results'; must be a folder name"),
    (
        ("studies",),
        ["tree-search"],
        "studies[0]: got 'tree-search'; allowed: 'grokking', 'double_descent', 'tree_search'",
    ),
]


@pytest.mark.parametrize(("path", "value", "message"), BAD_INPUTS)
def test_bad_value_names_key_and_allowed(schema, default_config, path, value, message):
    with pytest.raises(ConfigError) as error:
        validate_config(broken(default_config, path, value), schema)
    text = str(error.value)
    assert message in text
    assert "\n" not in text


def test_non_prime_modulus_is_refused(default_config):
    with pytest.raises(ConfigError, match=r"grokking.modulus: got 96; must be a prime number"):
        check_study_config(broken(default_config, ("grokking", "modulus"), 96)["grokking"])


def test_grokking_needs_a_run_that_can_grok(default_config):
    only_controls = [{"train_fraction": [0.3], "weight_decay": [0.0], "optimizer": ["adamw"], "seed": [0]}]
    with pytest.raises(ConfigError, match=r"grokking.sweeps: no run with optimizer adamw and weight_decay > 0"):
        check_study_config(broken(default_config, ("grokking", "sweeps"), only_controls)["grokking"])


DOUBLE_DESCENT_CHECKS = [
    (("data", "source"), "cifar10", "double_descent.data.cifar10_path: must be set when data.source is cifar10"),
    (("model", "name"), "resnet18", "double_descent.model.name: resnet18 needs image data"),
    (
        ("model_wise", "num_train"),
        4500,
        "double_descent.model_wise.num_train: got 4500; the mnist1d training set has 4000",
    ),
]


@pytest.mark.parametrize(("path", "value", "message"), DOUBLE_DESCENT_CHECKS)
def test_double_descent_checks_beyond_the_schema(default_config, path, value, message):
    study = broken(default_config, ("double_descent", *path), value)["double_descent"]
    with pytest.raises(ConfigError) as error:
        check_double_descent(study)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_double_descent_needs_one_network_sweep(default_config):
    study = broken(default_config, ("double_descent", "model_wise"), None)["double_descent"]
    study["sample_wise"] = None
    with pytest.raises(ConfigError, match="both are null; enable at least one"):
        check_double_descent(study)


TREE_SEARCH_CHECKS = [
    (("board",), {"columns": 3, "rows": 3}, "tree_search.board: got 3x3; columns or rows must be >= 4"),
    (("board",), {"columns": 9, "rows": 7}, "tree_search.board: got 9x7; columns * (rows + 1) must be <= 63"),
    (("board",), {"columns": 7, "rows": 6}, "tree_search.solver.backend: got 'python' for a 7x6 board"),
    (("solver", "backend"), "bitbully", "tree_search.solver.backend: got 'bitbully' for a 5x5 board"),
    (("solver", "max_ply"), 25, "tree_search.solver.max_ply: got 25; must lie in [min_ply (4), 24]"),
    (("solver", "max_ply"), 2, "tree_search.solver.max_ply: got 2; must lie in [min_ply (4), 24]"),
    (("arena", "budgets"), [4, 16], "tree_search.arena.budgets: got [4, 16]; must include 0"),
    (("arena", "opening_plies"), 25, "tree_search.arena.opening_plies: got 25; must be < 25 cells"),
    (("training", "snapshot_every"), 100, "tree_search.training.snapshot_every: got 100; must be <= training"),
]


@pytest.mark.parametrize(("path", "value", "message"), TREE_SEARCH_CHECKS)
def test_tree_search_checks_beyond_the_schema(schema, default_config, path, value, message):
    config = broken(default_config, ("tree_search", *path), value)
    validate_config(config, schema)  # the schema lets these through ...
    with pytest.raises(ConfigError) as error:  # ... the study's check does not
        check_tree_search(config["tree_search"])
    assert message in str(error.value)
    assert "\n" not in str(error.value)
