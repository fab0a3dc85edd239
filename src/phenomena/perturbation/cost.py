"""Perturbation's cost model for ``python -m phenomena.estimate``: annealing, diffusion, zero-init training.

Units: ``datasaurus_fit`` and ``datasaurus_iteration`` (annealing); ``diffusion_step`` and
``diffusion_example_param`` (training, and sampling's forward passes at a third of a step's arithmetic);
``zero_init_fit`` and ``zero_init_step`` (one job for all the zero-init runs: a fit and its steps per run).
"""

from __future__ import annotations

import math
from collections import defaultdict

from phenomena.common.cost import FLOAT_BYTES, Job

STEP_UNIT = "steps and annealing iterations"
UNMODELLED_STARTUPS = {"perturbation_digits": "lightning"}  # no training, but Lightning's imports (bench/README.md)


def mlp_parameters(widths: list[int]) -> int:
    """Weights and biases of a fully connected network of these layer widths."""
    return sum(a * b + b for a, b in zip(widths, widths[1:]))


def jobs(study: dict, rates: dict, upper_bound: bool = False) -> dict[str, list[Job]]:
    """The jobs of the datasaurus, diffusion (training and sampling) and zero-init rules."""
    from phenomena.perturbation.runs import datasaurus_runs, diffusion_runs, zero_init_runs

    listed = defaultdict(list)
    for settings in datasaurus_runs(study).values():
        iterations = settings["iterations"]
        listed["perturbation_datasaurus"].append(
            Job(
                "perturbation_datasaurus",
                "light",
                {"datasaurus_fit": 1, "datasaurus_iteration": iterations},
                iterations,
            )
        )
    diffusion = study["diffusion"]
    model = diffusion["model"]
    params = mlp_parameters([2 + model["time_embedding"], *[model["hidden"]] * model["layers"], 2])
    for _ in diffusion_runs(study):
        training = diffusion["training"]
        units = {
            "diffusion_step": training["steps"],
            "diffusion_example_param": training["steps"] * training["batch_size"] * params,
        }
        listed["perturbation_diffusion_train"].append(
            Job("perturbation_diffusion_train", "lightning", units, training["steps"], 3 * params * FLOAT_BYTES)
        )
        sampling = diffusion["sampling"]
        forwards = len(sampling["samplers"]) * 2 * diffusion["schedule"]["steps"] * diffusion["data"]["eval_points"] / 3
        listed["perturbation_diffusion_sample"].append(
            Job("perturbation_diffusion_sample", "lightning", {"diffusion_example_param": forwards * params})
        )
    zero = study["zero_init"]
    train_examples = round(zero["data"]["num_samples"] * zero["data"]["train_split"])
    runs = len(zero_init_runs(study))  # one job trains them all, one after another
    steps = runs * zero["training"]["epochs"] * math.ceil(train_examples / zero["training"]["batch_size"])
    listed["perturbation_zero_init_train"].append(
        Job("perturbation_zero_init_train", "lightning", {"zero_init_fit": runs, "zero_init_step": steps}, steps)
    )
    return listed
