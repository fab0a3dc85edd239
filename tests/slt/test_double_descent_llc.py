"""The LLC of double-descent networks from the weights their training kept: every member of a
stack gets its own estimate on its own training set, without training again."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

from phenomena.common.llc import SamplerSettings
from phenomena.double_descent.data import make_mnist1d
from phenomena.double_descent.train import WEIGHTS_FILE, train_job
from phenomena.slt.double_descent_llc import LLC_COLUMNS, llc_beside_errors, member_llcs

SAMPLER = SamplerSettings(lr=5e-4, localization=1.0, chains=2, draws=20, burn_in=10, batch_size=100, nbeta=100.0)


@pytest.fixture(scope="module")
def trained_stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stack")
    source = folder / "source.pt"
    make_mnist1d(num_samples=600, train_split=0.5, seed=42).save(source)
    members = [
        {"model": "mlp", "width": 24, "num_train": 300, "label_noise": noise, "seed": seed}
        for noise in (0.0, 0.5)
        for seed in (0, 1)
    ]
    settings = {
        "members": members,
        "model": {"name": "mlp", "hidden_layers": 2},
        "optimizer": {"lr": 1e-2},
        "training": {"epochs": 40, "batch_size": 100, "checkpoint_every": 40, "augment": False},
    }
    history = train_job(settings, source, folder / "run", keep_weights=True)
    return folder, source, history


def test_the_training_keeps_the_trained_stack_and_says_so(trained_stack):
    folder, _, _ = trained_stack
    saved = torch.load(folder / "run" / WEIGHTS_FILE, weights_only=True)
    assert len(saved["settings"]["members"]) == 4 and "weights.0" in saved["state_dict"]
    assert json.loads((folder / "run" / "meta.json").read_text())["weights"] == WEIGHTS_FILE


def test_every_member_gets_its_llc_and_noisy_labels_give_a_larger_one(trained_stack):
    folder, source, history = trained_stack
    lines = []
    table = member_llcs(folder / "run" / WEIGHTS_FILE, source, SAMPLER, progress=lines.append)
    assert list(table.columns) == LLC_COLUMNS and len(table) == 4 == len(lines)
    assert set(table["run"]) == set(history["run"]) and table["step_factor"].eq(1.0).all()
    assert table["llc"].gt(0).all() and table["llc"].lt(table["parameters"] / 2).all()
    # memorizing half the labels wrong costs complexity: each noisy member's LLC above each clean one's
    assert table.loc[table["label_noise"] > 0, "llc"].min() > table.loc[table["label_noise"] == 0, "llc"].max()
    final = history[history["step"] == history["step"].max()].assign(sweep="model_wise")
    summary = pd.DataFrame(
        {
            "sweep": "model_wise",
            "metric": "error",
            "label_noise": [0.0, 0.0, 0.5, 0.5],
            "seed": [0, 1, 0, 1],
            "interpolation_threshold": 24.0,
        }
    )
    beside = llc_beside_errors(table, final, summary)
    assert beside[["train_error", "test_error", "interpolation_threshold"]].notna().all().all()
    assert beside["llc_per_half_parameter"].between(0, 1).all()


def test_the_step_check_runs_the_same_sampler_at_a_fraction_of_its_step(trained_stack):
    folder, source, _ = trained_stack
    full = member_llcs(folder / "run" / WEIGHTS_FILE, source, SAMPLER, progress=lambda line: None)
    half = member_llcs(folder / "run" / WEIGHTS_FILE, source, SAMPLER, step_factor=0.5, progress=lambda line: None)
    assert half["step_factor"].eq(0.5).all() and list(half["run"]) == list(full["run"])
    assert half["init_loss"].tolist() == full["init_loss"].tolist()  # the same networks and data
    assert not np.allclose(half["llc"], full["llc"])  # a different chain: the step was changed
