"""Rule slt_superposition_train: every seed's toy model in one job, each run in its own folder as
if trained alone; its cost is one job with every run's units."""

from __future__ import annotations

import copy

import pytest
import torch

from phenomena.common.config import load_config
from phenomena.common.tables import read_parquet
from phenomena.common.trainer_options import TrainerOptions
from phenomena.slt import cost
from phenomena.slt.runs import superposition_runs
from phenomena.slt.superposition import (
    DEFAULT_SETTINGS,
    load_snapshots,
    run_name_of,
    train_superposition,
    train_superposition_runs,
)

CPU = TrainerOptions(accelerator="cpu")


def tiny(seed: int) -> dict:
    """A run of a few hundred steps: seconds with Lightning's set-up."""
    settings = copy.deepcopy(DEFAULT_SETTINGS)
    settings.update({"examples": 100, "snapshots": 5, "seed": seed})
    settings["training"].update({"steps": 200, "lr": 0.2, "checkpoint_every": 100})
    return settings


def test_the_cost_model_has_one_training_job_with_every_run(repo):
    study = load_config(repo / "config/config.yaml")["slt"]
    [job] = cost.superposition_jobs(study)["slt_superposition_train"]
    runs = len(superposition_runs(study))
    assert runs == len(study["superposition"]["seeds"]) > 1
    assert job.units["dd_mlp_fit"] == runs
    assert job.units["dd_mlp_step"] == job.steps == runs * study["superposition"]["training"]["steps"]


def test_one_job_trains_each_run_in_its_folder_as_alone(tmp_path, capsys):
    """Every run in one process, each reseeded: each writes what it writes in a process of its own
    (the last one, trained alone afterwards, as the job's other runs came before it)."""
    runs = [tiny(1), tiny(2)]
    folders = [tmp_path / "job" / run_name_of(settings["seed"]) for settings in runs]
    train_superposition_runs(runs, folders, options=CPU)
    assert "run 2/2: superposition_seed2" in capsys.readouterr().out
    alone = tmp_path / "alone" / run_name_of(2)
    train_superposition(runs[1], alone, options=CPU)

    together = folders[1]
    assert read_parquet(together / "history.parquet").equals(read_parquet(alone / "history.parquet"))
    snapshots, snapshots_alone = load_snapshots(together / "snapshots.pt"), load_snapshots(alone / "snapshots.pt")
    assert snapshots.keys() == snapshots_alone.keys()
    for step, state in snapshots.items():
        assert state.keys() == snapshots_alone[step].keys()
        assert all(torch.equal(tensor, snapshots_alone[step][name]) for name, tensor in state.items())
    dataset, dataset_alone = (torch.load(path / "dataset.pt", weights_only=True) for path in (together, alone))
    assert torch.equal(dataset["inputs"], dataset_alone["inputs"])
    first = read_parquet(folders[0] / "history.parquet")
    assert set(first["run"]) == {"superposition_seed1"}


def test_a_run_is_never_trained_into_another_runs_folder(tmp_path):
    with pytest.raises(ValueError, match="another run's"):
        train_superposition_runs([tiny(1)], [tmp_path / run_name_of(2)], options=CPU)
    with pytest.raises(ValueError, match="1 runs but 0 run folders"):
        train_superposition_runs([tiny(1)], [], options=CPU)
    assert not any(tmp_path.iterdir())  # checked before anything is trained
