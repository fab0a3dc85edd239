"""The SLT study's cost model for ``python -m phenomena.estimate``: SGLD steps of the LLC jobs,
the toy model's training.

An SGLD step is taken as a minibatch training step of an MLP: the double-descent study's units,
``dd_mlp_step`` (a step's fixed cost) and ``dd_mlp_example_param`` (example x parameter products
of a forward and backward pass), summed over the members a step moves together (a stack). A
rough scaling (the bench does not time devinterp), said where used. The calibration and the
double-descent part read other studies' settings (``READS``): the grokking sampler, the
double-descent networks.
"""

from __future__ import annotations

import json
from collections import defaultdict

from phenomena.common.cost import Job, add_units

STEP_UNIT = "SGLD and training steps"
READS = ("grokking", "double_descent")
"""The other config sections this cost model needs beside the study's own."""


def sgld_units(sampler: dict, n: int, members: int, parameters: int) -> tuple[dict[str, float], int]:
    """Units and steps of one SGLD run over a stack of ``members`` models of ``parameters`` each on
    ``n`` examples (``batch_size`` null: full batch), plus L_n(w*) (one forward pass, a third of a
    step's arithmetic)."""
    steps = sampler["chains"] * (sampler["burn_in"] + sampler["draws"])
    batch = min(sampler["batch_size"] or n, n)
    work = members * parameters * (steps * batch + n / 3)
    return {"dd_mlp_step": steps, "dd_mlp_example_param": work}, steps


def calibration_job(study: dict, others: dict) -> Job:
    """Every sampler the project uses, on every case, its replicates as one stack."""
    from phenomena.slt.calibration import Case
    from phenomena.slt.runs import calibration_samplers

    spec = study["calibration"]
    units, steps = {}, 0
    for part in calibration_samplers({**others, "slt": study}).values():
        for case in spec["cases"]:
            more, taken = sgld_units(part["sampler"], part["n"], spec["replicates"], Case.of(**case).parameters)
            add_units(units, more)
            steps += taken
    return Job("slt_calibration", "torch", units, steps)


def double_descent_jobs(study: dict, double_descent: dict) -> list[Job]:
    """One job per SGLD step (the sampler's, the check's): every model-wise stack, one after another."""
    from phenomena.double_descent.cost import double_descent_parameters
    from phenomena.double_descent.runs import plan_jobs
    from phenomena.slt.runs import double_descent_steps

    part = study["double_descent"]
    source = double_descent["data"]["source"]
    listed = []
    for step in double_descent_steps(study).values():
        sampler = {**part["sampler"], "chains": step["chains"]}
        units, steps = {}, 0
        for job in plan_jobs(double_descent).values():
            settings = json.dumps(double_descent["model"].get(job.model, {}))
            parameters = double_descent_parameters(job.model, job.width, source, settings)
            more, taken = sgld_units(sampler, job.num_train, len(job.members), parameters)
            add_units(units, more)
            steps += taken
        listed.append(Job("slt_double_descent_llc", "torch", units, steps))
    return listed


def superposition_jobs(study: dict) -> dict[str, list[Job]]:
    """One Lightning job that trains every seed's run, one after another (minibatch steps, a forward
    pass over every example at each evaluation), and one LLC job over every snapshot of every run
    (a stack per run)."""
    from phenomena.slt.runs import superposition_runs

    spec = study["superposition"]
    parameters = spec["features"] * spec["hidden"] + spec["features"]
    training = spec["training"]
    runs = len(superposition_runs(study))
    steps = training["steps"]
    evaluations = steps / training["eval_every"] * spec["examples"] / 3
    train = {
        "dd_mlp_fit": runs,
        "dd_mlp_step": runs * steps,
        "dd_mlp_example_param": runs * parameters * (steps * training["batch_size"] + evaluations),
    }
    snapshots = spec["snapshots"] + 1  # at most: step 0 and the log-spaced steps (repeats merged)
    llc, llc_steps = sgld_units(spec["sampler"], spec["examples"], snapshots, parameters)
    llc = {unit: runs * count for unit, count in llc.items()}
    return {
        "slt_superposition_train": [Job("slt_superposition_train", "lightning", train, runs * steps)],
        "slt_superposition_llc": [Job("slt_superposition_llc", "torch", llc, runs * llc_steps)],
    }


def jobs(study: dict, rates: dict, upper_bound: bool = False, others: dict | None = None) -> dict[str, list[Job]]:
    """The jobs of the calibration, the double-descent LLC and the toy model's rules; ``others``:
    the sections named in :data:`READS`."""
    others = others or {}
    listed = defaultdict(list)
    if study["calibration"] is not None:
        listed["slt_calibration"].append(calibration_job(study, others))
    if study["double_descent"] is not None and others["double_descent"]["model_wise"] is not None:
        listed["slt_double_descent_llc"] = double_descent_jobs(study, others["double_descent"])
    if study["superposition"] is not None:
        listed.update(superposition_jobs(study))
    return dict(listed)
