"""The runs of the perturbation study: names and resolved settings of every job, from config."""

from __future__ import annotations

from phenomena.common.config import ConfigError
from phenomena.common.naming import run_name


def check_study_config(study: dict) -> None:
    """Checks the JSON schema cannot express (the schema has checked types and ranges)."""
    temperature = study["datasaurus"]["temperature"]
    if temperature["end"] > temperature["start"]:
        raise ConfigError(
            f"config key perturbation.datasaurus.temperature.end: got {temperature['end']}; "
            f"must be <= temperature.start ({temperature['start']})"
        )
    line = study["diffusion"]["sampling"]["line"]
    if line["start"] == line["end"]:
        raise ConfigError(
            f"config key perturbation.diffusion.sampling.line.end: got {line['end']}; must differ from line.start"
        )
    embedding = study["diffusion"]["model"]["time_embedding"]
    if embedding % 2:
        raise ConfigError(f"config key perturbation.diffusion.model.time_embedding: got {embedding}; must be even")


def datasaurus_runs(study: dict) -> dict[str, dict]:
    """Run name -> settings of each annealing run (one per target shape)."""
    settings = study["datasaurus"]
    runs = {}
    for target in settings["targets"]:
        name = run_name([("datasaurus_", target)])
        runs[name] = {"run": name, "target": target, **{k: v for k, v in settings.items() if k != "targets"}}
    return runs


def diffusion_runs(study: dict) -> dict[str, dict]:
    """Run name -> settings of each diffusion model (one per seed); sampling settings included."""
    settings = study["diffusion"]
    return {
        run_name([("diffusion_seed", seed)]): {
            "run": run_name([("diffusion_seed", seed)]),
            "seed": seed,
            **{k: v for k, v in settings.items() if k != "seeds"},
        }
        for seed in settings["seeds"]
    }


def diffusion_training_settings(settings: dict) -> dict:
    """What the trained model depends on (not the sampling): changing sampling retrains nothing."""
    return {k: v for k, v in settings.items() if k != "sampling"}


def zero_init_runs(study: dict) -> dict[str, dict]:
    """Run name -> settings of each MLP run (init x seed)."""
    settings = study["zero_init"]
    runs = {}
    for init in settings["inits"]:
        for seed in settings["seeds"]:
            name = run_name([("zero_init_", init), ("seed", seed)])
            runs[name] = {
                "run": name,
                "init": init,
                "seed": seed,
                "model": settings["model"],
                "training": settings["training"],
            }
    return runs
