"""Zero initialization: the symmetry argument, checked on a short real training run."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from phenomena.common.tables import read_parquet
from phenomena.common.trainer_options import TrainerOptions
from phenomena.perturbation.digits import make_digits
from phenomena.perturbation.metrics import class_shares, majority_rate, zero_init_summary
from phenomena.perturbation.zero_init import (
    activation_rank,
    build_mlp,
    initialize,
    train_zero_init,
    train_zero_init_runs,
    unit_spread,
)

CPU = TrainerOptions(accelerator="cpu")

SETTINGS = {
    "model": {"width": 24, "hidden_layers": 2, "constant": 0.05},
    "training": {"epochs": 6, "batch_size": 50, "lr": 0.01, "checkpoint_every": 2},
}


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "mnist1d.pt"
    make_digits({"num_samples": 1000, "train_split": 0.8, "seed": 42}, path)
    return path


@pytest.fixture(scope="module")
def trained(digits, tmp_path_factory):
    """One short run per initialization: the summary row of each."""
    curves = []
    for init in ("default", "zero", "constant"):
        settings = {"run": f"zero_init_{init}_seed0", "init": init, "seed": 0, **SETTINGS}
        curves.append(train_zero_init(settings, digits, tmp_path_factory.mktemp(init), options=CPU))
    data = torch.load(digits, weights_only=True)
    summary = zero_init_summary(pd.concat(curves), data["train_labels"], data["test_labels"])
    return summary.set_index("init"), pd.concat(curves)


def test_the_initializations_set_what_they_say():
    model = build_mlp(40, 8, 2)
    initialize(model, "zero", 0.05)
    assert all(float(p.abs().max()) == 0.0 for p in model.parameters())
    initialize(model, "constant", 0.05)
    first = model[0]
    assert unit_spread(first) == 0.0 and torch.all(first.weight == 0.05) and torch.all(first.bias == 0)
    with pytest.raises(ValueError, match="unknown init"):
        initialize(model, "ones", 1.0)


def test_activation_rank_counts_distinct_directions():
    assert activation_rank(torch.zeros(10, 4)) == 0
    assert activation_rank(torch.ones(10, 1) @ torch.rand(1, 4)) == 1
    assert activation_rank(torch.eye(4)) == 4


def test_all_zero_init_learns_only_the_output_bias_and_answers_one_class(trained, digits):
    summary, curves = trained
    zero = summary.loc["zero"]
    assert zero["max_unit_spread"] == 0.0
    assert zero["layer1_activation_rank"] == 0 and zero["layer2_activation_rank"] == 0
    # the symmetry argument's prediction: one answer for every input, so the accuracy is one class's
    # share of the test set; the output bias heads for the most frequent training class (Adam may
    # still hop between classes of nearly equal frequency)
    assert zero["final_predicted_classes"] == 1
    shares = class_shares(torch.load(digits, weights_only=True)["test_labels"])
    assert min(abs(zero["final_test_accuracy"] - share) for share in shares) < 1e-6
    assert zero["final_test_accuracy"] <= max(shares)


def test_constant_init_keeps_the_hidden_units_identical(trained):
    summary, curves = trained
    constant = summary.loc["constant"]
    spread = curves[(curves["init"] == "constant") & (curves["metric"] == "unit_spread")]
    assert (spread["value"] == 0.0).all()  # every layer, every evaluation
    assert constant["layer1_activation_rank"] == 1 and constant["layer2_activation_rank"] == 1
    # one feature per layer: it may still learn, but stays far below the default network
    assert constant["final_test_accuracy"] < summary.loc["default", "final_test_accuracy"]


def test_default_init_breaks_the_symmetry_and_learns(trained):
    summary, _ = trained
    default = summary.loc["default"]
    assert default["max_unit_spread"] > 0.1
    assert default["layer1_activation_rank"] > 1
    assert default["final_test_accuracy"] > default["majority_rate"] + 0.1
    assert default["final_test_accuracy"] > summary.loc["zero", "final_test_accuracy"]


def test_majority_rate_is_the_test_share_of_the_most_frequent_training_class():
    train = torch.tensor([0, 1, 1, 2])
    test = torch.tensor([1, 1, 0, 2, 2])
    assert majority_rate(train, test) == pytest.approx(0.4)


def test_one_job_trains_each_run_in_its_folder_as_alone_and_reads_finished_ones(digits, tmp_path, capsys):
    """Rule perturbation_zero_init_train: every run in one process, each reseeded, so each writes what it
    writes in a process of its own; a second call (a restarted job) reads the finished runs."""
    runs = [{"run": f"zero_init_{init}_seed1", "init": init, "seed": 1, **SETTINGS} for init in ("default", "zero")]
    folders = [tmp_path / settings["run"] for settings in runs]
    train_zero_init_runs(runs, digits, folders, options=CPU)
    alone = tmp_path / "alone"
    train_zero_init(runs[0], digits, alone, options=CPU)  # after the others, as a fresh run
    assert read_parquet(folders[0] / "history.parquet").equals(read_parquet(alone / "history.parquet"))
    assert read_parquet(folders[1] / "history.parquet")["init"].eq("zero").all()
    assert "run 2/2: zero_init_zero_seed1" in capsys.readouterr().out

    written = {folder: (folder / "meta.json").read_text() for folder in folders}
    again = train_zero_init_runs(runs, digits, folders, options=CPU)
    assert capsys.readouterr().out.count("finished earlier with these settings") == 2
    assert {folder: (folder / "meta.json").read_text() for folder in folders} == written  # not retrained
    assert again[1].equals(read_parquet(folders[1] / "history.parquet"))
    with pytest.raises(ValueError, match="2 runs but 1 run folders"):
        train_zero_init_runs(runs, digits, folders[:1], options=CPU)
