"""Inductive bias's cost model for ``python -m phenomena.estimate``: classifiers (every seed in one job) and
kernel networks (every run in one job).

Units: ``ib_fit``, ``ib_step`` and ``ib_<model>_example_param`` (classifiers); ``ib_kernel_fit``,
``ib_kernel_step`` and ``ib_kernel_step_param`` (full-batch kernel networks).
"""

from __future__ import annotations

import json
from collections import defaultdict
from functools import cache

from phenomena.common.cost import FLOAT_BYTES, Job, add_units

STEP_UNIT = "steps"


@cache
def inductive_bias_parameters(model: str, settings: str) -> int:
    from phenomena.inductive_bias.models import build_classifier, parameter_count

    return parameter_count(build_classifier(model, 40, json.loads(settings)))


def classifier_units(settings: dict, seeds: int, train_examples: int) -> dict[str, float]:
    """A classifier job: every seed's run, ``steps`` minibatch steps of ``batch`` examples."""
    model, training = settings["model"], settings["training"]
    params = inductive_bias_parameters(model, json.dumps(settings["model_settings"]))
    batch = min(settings.get("batch_size") or training["batch_size"], settings["train_examples"] or train_examples)
    regularized = 3 if training.get("regularizer_batch") else 1  # a gradient of gradient norms: ~3x (rough)
    steps = seeds * training["steps"] * regularized
    return {"ib_fit": seeds, "ib_step": steps, f"ib_{model}_example_param": steps * batch * params}


def kernel_units(settings: dict, seeds: int) -> dict[str, float]:
    """One kernel setting: every seed's full-batch run of a one-hidden-layer network on a scalar input."""
    steps = seeds * settings["training"]["steps"]
    params = 3 * settings["width"] + 1
    return {"ib_kernel_fit": seeds, "ib_kernel_step": steps, "ib_kernel_step_param": steps * params}


def jobs(study: dict, rates: dict, upper_bound: bool = False) -> dict[str, list[Job]]:
    """The jobs of the classifier and kernel rules."""
    from phenomena.inductive_bias.runs import classifier_jobs, kernel_jobs

    seeds = len(study["seeds"])
    train_examples = round(study["data"]["num_samples"] * study["data"]["train_split"])
    listed = defaultdict(list)
    for settings in classifier_jobs(study).values():
        units = classifier_units(settings, seeds, train_examples)
        params = inductive_bias_parameters(settings["model"], json.dumps(settings["model_settings"]))
        job = Job(
            "inductive_bias_train_classifiers",
            "lightning",
            units,
            seeds * settings["training"]["steps"],
            seeds * 3 * params * FLOAT_BYTES,
        )
        listed[job.rule].append(job)
    kernel_units_all, kernel_steps, kernel_disk = {}, 0, 0
    for settings in kernel_jobs(study).values():  # one job trains them all, one after another
        add_units(kernel_units_all, kernel_units(settings, seeds))
        kernel_steps += seeds * settings["training"]["steps"]
        kernel_disk += seeds * 3 * (3 * settings["width"] + 1) * FLOAT_BYTES
    if kernel_units_all:
        job = Job("inductive_bias_train_kernels", "lightning", kernel_units_all, kernel_steps, kernel_disk)
        listed[job.rule].append(job)
    return listed
