"""The local learning coefficient of every model-wise double-descent network at the end of its
training, from the weights its training job kept (``weights.pt``): nothing is trained again.

Each member of a stack is estimated on its own training set (its subset and its noisy labels,
made from the source as its training made them), with the cross entropy as the negative
log-likelihood per example; one SGLD run moves the whole stack and gives every member's LLC
(:func:`phenomena.common.llc.estimate_member_llcs`).

The networks are estimated at the calibrated sampler and again at a fraction of its step
(``slt.double_descent.step_check``): on reduced-rank regression the estimate hardly moves with
the step, on these networks it does (the chains have not converged in the step); a finding is
stated only where both steps give the same verdict (:mod:`phenomena.slt.double_descent_findings`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from phenomena.common.files import load_torch
from phenomena.common.llc import SamplerSettings, check_finite, estimate_member_llcs

STUDY = "slt"
LLC_COLUMNS = [
    "run",
    "seed",
    "model",
    "width",
    "num_train",
    "label_noise",
    "parameters",
    "llc",
    "llc_std",
    "init_loss",
    "sampled_loss",
    "chance_loss",
    "step_factor",
]
"""``step_factor``: the SGLD step as a fraction of the calibrated sampler's (1: the sampler itself).
``init_loss`` L_n(w*) and ``sampled_loss`` E[L_n(w)] over the draws; ``chance_loss`` log(classes),
the loss of a uniform guess: chains whose sampled loss exceeds it have left the network's basin,
and their LLC measures the sampler's excursion, not the solution (:func:`in_basin`)."""


def in_basin(table: pd.DataFrame) -> pd.Series:
    """Whether each estimate's chains stayed in the basin: sampled loss below the chance loss."""
    return table["sampled_loss"] < table["chance_loss"]


def member_llcs(
    weights_path: str | Path,
    source_path: str | Path,
    sampler: SamplerSettings,
    *,
    step_factor: float = 1.0,
    progress: Callable[[str], None] = print,
) -> pd.DataFrame:
    """One row per member of the stack saved in ``weights_path``: its LLC (mean over chains), the
    spread over chains, and what identifies it (columns :data:`LLC_COLUMNS`), at ``step_factor``
    times the sampler's step (its other settings unchanged)."""
    import torch
    import torch.nn.functional as F

    from phenomena.double_descent.data import LabelledData, training_sets
    from phenomena.double_descent.models import build_stack, count_parameters
    from phenomena.double_descent.runs import Member

    saved = load_torch(weights_path)
    settings = saved["settings"]
    members = [Member(**member) for member in settings["members"]]
    datasets = training_sets(LabelledData.load(source_path), members)  # as its training made them
    inputs = torch.stack([d.train_inputs for d in datasets])  # (member, example, ...)
    labels = torch.stack([d.train_labels for d in datasets])  # (member, example)
    stack = build_stack(
        settings["model"]["name"],
        members[0].width,
        [m.seed for m in members],
        tuple(inputs.shape[2:]),
        settings["model"],
    )
    stack.load_state_dict(saved["state_dict"])

    def loss_of_members(network: torch.nn.Module, indices: torch.Tensor) -> torch.Tensor:
        logits = network(inputs[:, indices])  # (member, batch, classes)
        losses = F.cross_entropy(logits.flatten(0, 1), labels[:, indices].flatten(), reduction="none")
        return losses.view(len(members), -1).T  # (batch, member)

    stepped = dataclasses.replace(sampler, lr=sampler.lr * step_factor)
    estimates = estimate_member_llcs(stack, loss_of_members, labels.shape[1], len(members), stepped)
    parameters = count_parameters(stack, len(members))
    chance = math.log(int(labels.max()) + 1)  # a uniform guess over the classes
    rows = []
    for member, estimate in zip(members, estimates):
        progress(
            f"{member.name}: LLC {estimate['llc']:.1f} ({parameters} parameters, d/2 {parameters / 2:.0f});"
            f" loss {estimate['init_loss']:.3g} -> {estimate['sampled_loss']:.3g} sampled"
        )
        rows.append(
            {
                "run": member.name,
                "seed": member.seed,
                "model": member.model,
                "width": member.width,
                "num_train": member.num_train,
                "label_noise": member.label_noise,
                "parameters": parameters,
                "llc": estimate["llc"],
                "llc_std": estimate["llc_std"],
                "init_loss": estimate["init_loss"],
                "sampled_loss": estimate["sampled_loss"],
                "chance_loss": chance,
                "step_factor": step_factor,
            }
        )
    table = pd.DataFrame(rows, columns=LLC_COLUMNS)
    failures = [f"{row.run}@end (step x{step_factor:g})" for row in table.itertuples() if not math.isfinite(row.llc)]
    check_finite(failures, len(table), "slt.double_descent.sampler", "config/slt.md")
    return table


def all_member_llcs(
    weights_paths: list[str], source_path: str | Path, sampler: SamplerSettings, step_factor: float = 1.0
) -> pd.DataFrame:
    """:func:`member_llcs` of every stack, one after another, in one table."""
    tables = []
    for path in weights_paths:
        print(f"{Path(path).parent.name} (step {sampler.lr * step_factor:g}):", flush=True)
        tables.append(member_llcs(path, source_path, sampler, step_factor=step_factor))
    return pd.concat(tables, ignore_index=True)


def llc_beside_errors(llcs: pd.DataFrame, final: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """Each member's LLC beside its end-of-training train and test error (the double-descent
    study's ``final`` table) and its curve's interpolation threshold (``summary``): the table the
    figure and the findings read."""
    errors = final[(final["sweep"] == "model_wise") & (final["metric"] == "error")]
    errors = errors.pivot_table(index="run", columns="split", values="value").add_suffix("_error").reset_index()
    thresholds = summary[(summary["sweep"] == "model_wise") & (summary["metric"] == "error")]
    thresholds = thresholds[["label_noise", "seed", "interpolation_threshold"]]
    table = llcs.merge(errors, on="run", how="left").merge(thresholds, on=["label_noise", "seed"], how="left")
    table["llc_per_half_parameter"] = table["llc"] / (table["parameters"] / 2)  # 1: as many as a regular model
    table["in_basin"] = in_basin(table)
    return table.sort_values(["label_noise", "seed", "width"], ignore_index=True)
