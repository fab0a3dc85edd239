"""Double descent's cost model for ``python -m phenomena.estimate``: stacks of members trained together.

Units per model (``mlp``, ``resnet18``): ``dd_<model>_step`` (a minibatch step's fixed cost),
``dd_<model>_example_param`` (member x example x parameter products) and ``dd_<model>_fit``. Rates measured
at small widths scale to others by parameter counts (MLPs, and ResNet-18's width k: FLOPs ~ parameters).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from functools import cache

from phenomena.common.cost import FLOAT_BYTES, Job, add_units

STEP_UNIT = "member-epochs"
INPUT_SHAPES = {"mnist1d": (40,), "cifar10": (3, 32, 32)}  # as the study's data module makes them
TEST_EXAMPLES = {"cifar10": 10_000}


@cache
def double_descent_parameters(model: str, width: int, source: str, settings: str) -> int:
    from phenomena.double_descent.models import build_stack, count_parameters

    return count_parameters(build_stack(model, width, [0], INPUT_SHAPES[source], json.loads(settings)), 1)


def dd_units(model: str, params: int, members: int, epochs: int, num_train: int, batch: int, records: float, test: int):
    """Units of a stack of ``members`` trained together: minibatch steps, a fit, and member x example x
    parameter products of training plus the measured epochs (train and test sets, forward: a third of a
    training step's arithmetic per example)."""
    return {
        f"dd_{model}_step": epochs * math.ceil(num_train / batch),
        f"dd_{model}_example_param": members * params * (epochs * num_train + records * (num_train + test) / 3),
        f"dd_{model}_fit": 1,
    }


def recorded_epochs(study: dict, recording: dict | None) -> float:
    """How many epochs a stack measures, at most (``double_descent.module.recorded_epochs`` counts them
    exactly; it lives beside the LightningModule, whose imports would double the estimate's time)."""
    epochs = study["training"]["epochs"]
    if recording is None:
        return epochs
    spread = epochs // recording["every"] if recording.get("every") else recording.get("log_points", 0)
    return min(epochs, spread + recording["last"])


def double_descent_stack_units(study: dict, model: str, width: int, members: int, num_train: int, records: float):
    """Units, member-epochs and checkpoint bytes of one stack of ``members`` on ``num_train`` examples."""
    source = study["data"]["source"]
    params = double_descent_parameters(model, width, source, json.dumps(study["model"].get(model, {})))
    training = study["training"]
    data = study["data"][source] if source == "mnist1d" else {}
    test = TEST_EXAMPLES.get(source) or round(data["num_samples"] * (1 - data["train_split"]))
    epochs = training["epochs"]
    units = dd_units(model, params, members, epochs, num_train, training["batch_size"], records, test)
    return units, members * epochs, members * params * 3 * FLOAT_BYTES


def jobs(study: dict, rates: dict, upper_bound: bool = False) -> dict[str, list[Job]]:
    """The jobs of the training rule (one stack each) and of the size grid (several stacks each)."""
    from phenomena.double_descent.runs import plan_jobs, plan_size_grid_jobs, resolved_settings

    listed = defaultdict(list)
    for job in plan_jobs(study).values():
        records = recorded_epochs(study, resolved_settings(study, job).get("recording"))
        units, steps, disk = double_descent_stack_units(
            study, job.model, job.width, len(job.members), job.num_train, records
        )
        listed["double_descent_train"].append(Job("double_descent_train", "lightning", units, steps, disk))
    for grid in plan_size_grid_jobs(study).values():
        records = recorded_epochs(study, resolved_settings(study, grid)["recording"])
        total, total_steps, total_disk = {}, 0, 0
        for stack in grid.stacks():
            units, steps, disk = double_descent_stack_units(
                study, grid.model, grid.width, len(stack), stack[0].num_train, records
            )
            add_units(total, units)
            total_steps, total_disk = total_steps + steps, total_disk + disk
        listed["double_descent_size_grid"].append(
            Job("double_descent_size_grid", "lightning", total, total_steps, total_disk)
        )
    return listed
