"""The local learning coefficient (LLC) of the grokking runs, at their snapshots: the estimator
(devinterp's SGLD, the optional extra ``slt``) is :mod:`phenomena.common.llc`; here the
cross entropy of the training pairs and the tables of the study's runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from phenomena.common import llc as common_llc
from phenomena.common.llc import LossOfExamples, SamplerSettings, divergence, estimate_llc
from phenomena.common.tables import records_to_tidy, to_tidy
from phenomena.grokking.models import trained_runs

STUDY = "grokking"


def cross_entropy_of_examples(inputs: torch.Tensor, labels: torch.Tensor) -> LossOfExamples:
    """Per-example cross entropy on a fixed set of examples, looked up by index."""

    def loss(network: nn.Module, indices: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(network(inputs[indices]), labels[indices], reduction="none")

    return loss


LLC_METRICS = {
    "llc": ("train", "llc"),
    "llc_std": ("train", "llc_std"),
    "sampled_loss": ("train", "llc_sampled_loss"),
}
"""Record key -> (split, metric) in the tidy tables: the LLC on the training set, its spread over
chains, and the training loss its chains sampled, E[L_n(w)]: above chance (log p, a uniform guess)
the chains have left the network's basin and the LLC measures their excursion
(:func:`phenomena.grokking.llc_lead.in_basin`)."""


def snapshot_llcs(
    model: nn.Module,
    snapshots: dict[int, dict],
    inputs: torch.Tensor,
    labels: torch.Tensor,
    sampler: SamplerSettings,
    *,
    steps: str = "all",
    progress: Callable[[str], None] = print,
) -> list[dict]:
    """The LLC at every snapshot (``steps='all'``) or at the last one (``'last'``), one record each."""
    chosen = sorted(snapshots) if steps == "all" else [max(snapshots)]
    loss = cross_entropy_of_examples(inputs, labels)
    records = []
    for step in chosen:
        model.load_state_dict(snapshots[step])
        estimate = estimate_llc(model, loss, len(labels), sampler)
        chains = ", ".join(f"{value:.1f}" for value in estimate["llc_per_chain"])
        progress(
            f"step {step}: LLC {estimate['llc']:.2f} (chains {chains});"
            f" loss {estimate['init_loss']:.3g} -> {estimate['sampled_loss']:.3g} sampled"
        )
        if not math.isfinite(estimate["llc"]):
            progress(f"warning: step {step}: the LLC is NaN: {divergence(estimate)}")
        records.append(
            {
                "step": step,
                "llc": estimate["llc"],
                "llc_std": estimate["llc_std"],
                "sampled_loss": estimate["sampled_loss"],
            }
        )
    return records


def check_finite(failures: list[str], estimates: int) -> None:
    """Stop the job in one line if an estimate is NaN (:func:`phenomena.common.llc.check_finite`):
    ``llc_lead`` would skip it and the crossing and fall of its run would silently lose that snapshot."""
    common_llc.check_finite(failures, estimates, "grokking.llc.sampler", "config/grokking.md")


def run_llc_table(
    runs: dict[str, dict],
    sampler: SamplerSettings,
    *,
    steps: str,
    others: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Tidy LLC rows of each run, ``others`` appended. ``runs``: by name, each run's settings and
    files (:func:`phenomena.grokking.runs.trained_run_files`)."""
    frames = [] if others is None else [others]
    failures, estimates = [], 0
    for run, model, snapshots, dataset in trained_runs(runs):
        print(f"{run.name}:", flush=True)
        records = snapshot_llcs(model, snapshots, dataset.train_inputs, dataset.train_labels, sampler, steps=steps)
        failures += [f"{run.name}@{record['step']}" for record in records if not math.isfinite(record["llc"])]
        estimates += len(records)
        frames.append(
            records_to_tidy(records, LLC_METRICS, study=STUDY, run=run.name, seed=run.seed, sweep=run.sweep_columns())
        )
    check_finite(failures, estimates)  # after every run: the log lists each NaN estimate
    return to_tidy(pd.concat(frames, ignore_index=True)).sort_values(["run", "step", "metric"], ignore_index=True)
