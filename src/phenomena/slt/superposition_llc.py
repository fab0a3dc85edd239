"""The LLC of each toy-model run at every snapshot, and the tables the figure and the finding read.

The training (:mod:`phenomena.slt.superposition`) keeps the network at log-spaced steps
(``snapshots.pt``) and its training set (``dataset.pt``); the LLC job estimates each snapshot on
that set with the per-example squared error (a Gaussian NLL), so a new sampler reruns these jobs
and never the training.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from phenomena.common.files import load_torch
from phenomena.common.llc import SamplerSettings, check_finite, estimate_member_llcs
from phenomena.slt.superposition import (
    load_snapshots,
    polygon_vertices,
)

LLC_COLUMNS = ["run", "seed", "step", "llc", "llc_std", "loss", "sampled_loss", "zero_loss", "weight_norm", "vertices"]
"""``loss`` L_n(w*), ``sampled_loss`` E[L_n(w)] over the draws, ``zero_loss`` the loss of the
network that outputs 0 (mean |x|^2): chains above it have left the snapshot's basin."""


def snapshot_llcs(
    run: str,
    seed: int,
    snapshots_path: str,
    dataset_path: str,
    sampler: SamplerSettings,
    *,
    progress: Callable[[str], None] = print,
) -> pd.DataFrame:
    """One row per snapshot of a run: its LLC, the spread over chains, its training loss L_n(w*),
    ``|W|_F`` and the k of its k-gon (columns :data:`LLC_COLUMNS`). Every snapshot is a member of
    one stack (:func:`stacked_toy_models`): one SGLD run moves each from its own weights."""
    inputs = load_torch(dataset_path)["inputs"]
    snapshots = dict(sorted(load_snapshots(snapshots_path).items()))
    stack, loss_of_members = stacked_toy_models(list(snapshots.values()), inputs)
    estimates = estimate_member_llcs(stack, loss_of_members, len(inputs), len(snapshots), sampler)
    zero_loss = float((inputs**2).sum(-1).mean())
    rows = []
    for (step, state), estimate in zip(snapshots.items(), estimates):
        weights = state["W"].double().numpy()
        rows.append(
            {
                "run": run,
                "seed": seed,
                "step": step,
                "llc": estimate["llc"],
                "llc_std": estimate["llc_std"],
                "loss": estimate["init_loss"],
                "sampled_loss": estimate["sampled_loss"],
                "zero_loss": zero_loss,
                "weight_norm": float(np.linalg.norm(weights)),
                "vertices": polygon_vertices(weights),
            }
        )
        vertices = rows[-1]["vertices"]
        progress(f"step {step}: LLC {estimate['llc']:.2f}; loss {estimate['init_loss']:.4g}; {vertices}-gon")
    table = pd.DataFrame(rows, columns=LLC_COLUMNS)
    failures = [f"{run}@{row.step}" for row in table.itertuples() if not math.isfinite(row.llc)]
    check_finite(failures, len(table), "slt.superposition.sampler", "config/slt.md")
    return table


def all_snapshot_llcs(
    runs: dict[str, tuple[str, str]], seeds: dict[str, int], sampler: SamplerSettings
) -> pd.DataFrame:
    """:func:`snapshot_llcs` of every run (name -> its snapshots and dataset files), one table."""
    tables = []
    for run, (snapshots_path, dataset_path) in runs.items():
        print(f"{run}:", flush=True)
        tables.append(snapshot_llcs(run, seeds[run], snapshots_path, dataset_path, sampler))
    return pd.concat(tables, ignore_index=True)


def stacked_toy_models(states: list[dict], inputs):
    """The toy models of ``states`` (``{"W", "b"}`` each) side by side, and each one's per-example
    loss on ``inputs``, ``(batch, member)``: what :func:`estimate_member_llcs` takes."""
    import torch
    from torch import nn

    class StackedToyModels(nn.Module):
        def __init__(self):
            super().__init__()
            self.W = nn.Parameter(torch.stack([state["W"] for state in states]).float())  # (member, m, n)
            self.b = nn.Parameter(torch.stack([state["b"] for state in states]).float())  # (member, n)

        def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, n) -> (member, batch, n)
            hidden = torch.einsum("bn,kmn->kbm", x, self.W)
            return torch.relu(torch.einsum("kbm,kmn->kbn", hidden, self.W) + self.b[:, None, :])

    def loss_of_members(stack: nn.Module, indices: torch.Tensor) -> torch.Tensor:
        x = inputs[indices]
        return ((stack(x) - x) ** 2).sum(-1).T  # the per-example loss of superposition.per_example_loss

    return StackedToyModels(), loss_of_members


def weight_columns(snapshots: dict[str, dict[int, dict]], seeds: dict[str, int]) -> pd.DataFrame:
    """The columns of W (its first two hidden coordinates) at every snapshot of every run: one row
    per run, step and feature, for the figure's k-gons."""
    rows = []
    for run, states in snapshots.items():
        for step, state in states.items():
            weights = state["W"].double().numpy()
            for feature in range(weights.shape[1]):
                second = weights[1, feature] if weights.shape[0] > 1 else 0.0
                rows.append(
                    {
                        "run": run,
                        "seed": seeds[run],
                        "step": step,
                        "feature": feature,
                        "x": weights[0, feature],
                        "y": second,
                    }
                )
    return pd.DataFrame(rows)
