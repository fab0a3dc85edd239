"""The runs of the grokking study: the optimizer variants' settings."""

import pytest

from phenomena.common.config import load_config
from phenomena.grokking.progress import memorizer_of
from phenomena.grokking.runs import GrokkingRun, llc_final_runs, llc_trajectory_runs, plan_runs, resolved_settings


@pytest.mark.parametrize("factor", [3.0, 0.5])
def test_step_control_keeps_the_decay_per_step_and_scales_the_step(repo, factor):
    study = load_config(repo / "config/config.yaml")["grokking"]
    study["optimizer"]["step_control_factor"] = factor
    baseline = resolved_settings(study, GrokkingRun("add", 97, 0.3, 1.0, "adamw", 0))["optimizer"]
    control = resolved_settings(study, GrokkingRun("add", 97, 0.3, 1.0, "adamw_step_control", 0))["optimizer"]
    grokfast = resolved_settings(study, GrokkingRun("add", 97, 0.3, 1.0, "grokfast", 0))["optimizer"]
    # PyTorch's AdamW shrinks every weight by lr * wd per step: the same for the control
    assert control["lr"] * control["weight_decay"] == pytest.approx(baseline["lr"] * baseline["weight_decay"])
    assert control["lr"] == pytest.approx(factor * baseline["lr"])
    assert control["grokfast"] is None and grokfast["grokfast"] is not None
    assert (grokfast["lr"], grokfast["weight_decay"]) == (baseline["lr"], baseline["weight_decay"])


def test_a_grid_budget_names_the_run_and_leaves_the_other_runs_settings_as_they_were(repo):
    study = load_config(repo / "config/config.yaml")["grokking"]
    study["sweeps"] = [
        {"train_fraction": [0.3], "weight_decay": [1.0], "optimizer": ["adamw"], "seed": [0]},
        {"train_fraction": [0.3], "weight_decay": [0.0], "optimizer": ["adamw"], "seed": [0], "max_steps": [700]},
    ]
    runs = plan_runs(study)
    grokking, memorizer = runs.values()
    assert grokking.name == "add_p97_frac0.3_wd1_adamw_seed0"
    assert memorizer.name == "add_p97_frac0.3_wd0_adamw_steps700_seed0"
    assert (grokking.step_budget(study["training"]), memorizer.step_budget(study["training"])) == (4000, 700)
    assert "max_steps" not in resolved_settings(study, grokking)["run"]  # unchanged params: no rerun
    assert resolved_settings(study, memorizer)["run"]["max_steps"] == 700
    assert "max_steps" not in memorizer.sweep_columns()
    assert memorizer_of(grokking, runs) == memorizer.name  # the control is found whatever its budget


def test_the_grokfast_repository_optimizer_is_adam_with_l2_decay_and_the_others_keep_their_settings(repo):
    from phenomena.grokking.data import make_dataset
    from phenomena.grokking.module import GrokkingModule

    study = load_config(repo / "config/config.yaml")["grokking"]
    settings = {
        optimizer: resolved_settings(study, GrokkingRun("add", 13, 0.5, 0.005, optimizer, 0))
        for optimizer in ("adamw", "grokfast", "adam_l2", "grokfast_adam")
    }
    assert "coupled_weight_decay" not in settings["adamw"]["optimizer"]  # unchanged params: no rerun
    assert "coupled_weight_decay" not in settings["grokfast"]["optimizer"]
    assert settings["adam_l2"]["optimizer"]["grokfast"] is None
    assert settings["grokfast_adam"]["optimizer"]["grokfast"] == settings["grokfast"]["optimizer"]["grokfast"]
    dataset = make_dataset("add", 13, 0.5, 0)
    for optimizer, expected in (("adamw", "AdamW"), ("adam_l2", "Adam"), ("grokfast_adam", "Adam")):
        module = GrokkingModule(dataset, settings[optimizer]["model"], settings[optimizer]["optimizer"], 20)
        built = module.configure_optimizers()["optimizer"]
        assert type(built).__name__ == expected and built.defaults["weight_decay"] == 0.005


def test_the_final_llc_goes_to_the_selected_runs_that_have_no_trajectory(repo):
    study = load_config(repo / "config/config.yaml")["grokking"]
    runs = plan_runs(study)
    trajectory, final = llc_trajectory_runs(study, runs), llc_final_runs(study, runs)
    assert len(trajectory) == 6 and not set(trajectory) & set(final)
    assert {run.optimizer for run in final.values()} == {"adamw"}  # the final-LLC figure's runs
    assert len(final) == 8  # 0.3 (seeds 3, 4 of the optimizer sweep), 0.4 and 0.5 (3 seeds each)
    study["llc"]["final"] = {}  # every run
    assert set(llc_final_runs(study, runs)) == set(runs) - set(trajectory)
    study["llc"] = None
    assert llc_final_runs(study, runs) == {}
