"""Inductive bias's cost model for ``python -m phenomena.estimate``: classifiers (a long setting's seeds in
one job, every run of the short settings in one job) and kernel networks (every run in one job).

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
    """One classifier setting: every seed's run, ``steps`` minibatch steps of ``batch`` examples."""
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


def classifiers_job(rule: str, settings: list[dict], seeds: int, train_examples: int) -> Job:
    """One job that trains every seed of each of ``settings``, one run after another."""
    units, steps, disk = {}, 0, 0
    for setting in settings:
        add_units(units, classifier_units(setting, seeds, train_examples))
        params = inductive_bias_parameters(setting["model"], json.dumps(setting["model_settings"]))
        steps += seeds * setting["training"]["steps"]
        disk += seeds * 3 * params * FLOAT_BYTES
    return Job(rule, "lightning", units, steps, disk)


def jobs(study: dict, rates: dict, upper_bound: bool = False) -> dict[str, list[Job]]:
    """The jobs of the classifier and kernel rules."""
    from phenomena.inductive_bias.runs import kernel_jobs, long_classifier_jobs, short_classifier_jobs

    seeds = len(study["seeds"])
    train_examples = round(study["data"]["num_samples"] * study["data"]["train_split"])
    listed = defaultdict(list)
    for settings in long_classifier_jobs(study).values():
        job = classifiers_job("inductive_bias_train_classifiers", [settings], seeds, train_examples)
        listed[job.rule].append(job)
    short = list(short_classifier_jobs(study).values())
    if short:  # one job trains them all, one after another
        job = classifiers_job("inductive_bias_train_short_classifiers", short, seeds, train_examples)
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
