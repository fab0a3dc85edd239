"""Grokking's cost model for ``python -m phenomena.estimate``: full-batch training, LLC estimates, progress.

Units: ``grokking_fit``, ``grokking_step`` (a full-batch step's fixed cost) and
``grokking_<model>_example_param`` (example x parameter products). Runs with ``stop_after_generalizing``
that should grok stop at the rates file's ``grokking_stop_fraction`` of their budget (an assumption);
``upper_bound=True`` trains every run to its ``max_steps``.
"""

from __future__ import annotations

import json
from functools import cache

from phenomena.common.cost import FLOAT_BYTES, Job

STEP_UNIT = "optimizer steps"


@cache
def grokking_parameters(name: str, sizes: str, modulus: int) -> int:
    from phenomena.grokking.models import build_model

    return sum(p.numel() for p in build_model(name, json.loads(sizes), modulus).parameters())


def expected_grokking_steps(study: dict, run, rates: dict) -> tuple[float, int]:
    """(expected steps, budget) of a run: runs that should grok stop early (an assumption)."""
    budget = run.step_budget(study["training"])
    from phenomena.grokking.runs import COUPLED_DECAY

    groks = study["training"]["stop_after_generalizing"] and run.weight_decay > 0 and run.optimizer not in COUPLED_DECAY
    return (budget * rates["assumptions"]["grokking_stop_fraction"] if groks else budget), budget


def grokking_size(study: dict) -> tuple[str, int, int]:
    """(model name, its parameters, examples: all pairs over Z_p)."""
    model = study["model"]["name"]
    return model, grokking_parameters(model, json.dumps(study["model"][model]), study["modulus"]), study["modulus"] ** 2


def grokking_train_job(study: dict, run, rates: dict, upper_bound: bool) -> Job:
    """Full-batch steps on the run's training pairs, and every ``eval_every`` steps a forward pass over all
    pairs (a third of a step's arithmetic per example)."""
    model, params, examples = grokking_size(study)
    steps, budget = expected_grokking_steps(study, run, rates)
    steps = budget if upper_bound else steps
    per_step = run.train_fraction * examples + examples / (3 * study["training"]["eval_every"])
    units = {"grokking_fit": 1, "grokking_step": steps, f"grokking_{model}_example_param": steps * per_step * params}
    snapshot_bytes = (study["training"]["snapshots"]["count"] + 3) * params * FLOAT_BYTES  # + last.ckpt with Adam
    return Job("grokking_train", "lightning", units, steps, snapshot_bytes)


def llc_units(study: dict, estimates: int) -> dict[str, float]:
    """LLC estimates by SGLD (devinterp; bench/rates.py does not time it): an SGLD step is taken as
    the forward and backward pass of one batch at the training's per example-parameter rate plus a minibatch
    step's fixed cost (a double-descent stack's): a rough scaling."""
    model, params, _ = grokking_size(study)
    sampler = study["llc"]["sampler"]
    steps = estimates * sampler["chains"] * (sampler["draws"] + sampler["burn_in"])
    return {"dd_mlp_step": steps, f"grokking_{model}_example_param": steps * sampler["batch_size"] * params}


def progress_units(study: dict, runs: dict) -> dict[str, float]:
    """Progress measures: forward passes over all pairs at every snapshot, with their random controls."""
    from phenomena.grokking.runs import progress_runs

    model, params, examples = grokking_size(study)
    progress = study["progress"]
    passes = 1 + progress["random_frequency_sets"] + progress["residue_permutations"]
    forwards = len(progress_runs(runs)) * study["training"]["snapshots"]["count"] * passes * examples / 3
    return {f"grokking_{model}_example_param": forwards * params}


def jobs(study: dict, rates: dict, upper_bound: bool = False) -> dict[str, list[Job]]:
    """The jobs of grokking's training, LLC and progress rules."""
    from phenomena.grokking.runs import llc_final_runs, llc_trajectory_runs, plan_runs

    runs = plan_runs(study)
    listed = {"grokking_train": [grokking_train_job(study, run, rates, upper_bound) for run in runs.values()]}
    if study["llc"]:
        trajectory = llc_trajectory_runs(study, runs)
        snapshots = study["training"]["snapshots"]["count"]
        listed["grokking_llc_trajectory"] = [Job("grokking_llc_trajectory", "torch", llc_units(study, snapshots))]
        listed["grokking_llc_trajectory"] *= len(trajectory)
        listed["grokking_llc"] = [Job("grokking_llc", "torch", llc_units(study, len(llc_final_runs(study, runs))))]
    listed["grokking_progress"] = [Job("grokking_progress", "torch", progress_units(study, runs))]
    return listed
