"""The local learning coefficient (LLC) of a network at a point of its training (Lau et al.
2023, "Quantifying degeneracy in singular models via the learning coefficient", arXiv:2308.12108),
estimated with the ``devinterp`` library (the optional extra ``slt``).

SGLD samples the tempered posterior localized at the trained weights w*,
proportional to exp(-n beta L_n(w) - gamma / 2 |w - w*|^2), and

    LLC = n beta (E[L_n(w)] - L_n(w*)),

with L_n the average training loss (negative log-likelihood per example) and beta = 1 / log n
by default. A regular model with d parameters has LLC d / 2; a singular (degenerate) one
less: the LLC measures the effective complexity of the solution the network sits in.

devinterp 2.0 is built for language models: it samples a Hugging Face ``datasets.Dataset``
of ``input_ids`` and asks for a per-token loss. Each example is handed to it as the token
pair ``[index, 0]`` and the loss function looks the example up by its index, so any model
and loss fit.
"""

from __future__ import annotations

import gc
import logging
import math
import os
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from phenomena.common.config import UserError
from phenomena.common.tables import records_to_tidy, to_tidy
from phenomena.grokking.models import trained_runs

STUDY = "grokking"

EXTRA_MESSAGE = (
    "the LLC rules need the optional extra 'slt' (devinterp): "
    'pip install torch==2.13.0 -e ".[slt]"; or set grokking.llc: null to skip them'
)


class MissingExtraError(UserError, ImportError):
    """An optional dependency of the project is not installed."""


class SamplerDivergedError(UserError):
    """An LLC estimate is NaN: an SGLD chain diverged at the configured sampler settings."""


def require_devinterp():
    """Import devinterp's LLC entry point, or raise :class:`MissingExtraError` naming the extra."""
    try:
        import datasets
        from devinterp.slt.llc import llc
    except ImportError as error:
        raise MissingExtraError(EXTRA_MESSAGE) from error
    # devinterp runs gc.collect() around every chain; over the objects of transformers and
    # datasets that takes ~1 s each time. Freezing what exists now makes it take milliseconds.
    gc.freeze()
    logging.getLogger("devinterp").setLevel(logging.WARNING)  # a zarr store and its writes per estimate
    return llc, datasets


@dataclass(frozen=True)
class SamplerSettings:
    """SGLD settings of the LLC estimate (config ``grokking.llc.sampler``)."""

    lr: float  # SGLD step size epsilon
    localization: float  # gamma: pull towards the trained weights
    chains: int
    draws: int  # SGLD steps per chain averaged into the estimate, after the burn-in
    burn_in: int = 0  # SGLD steps per chain before the draws, left out of the average
    batch_size: int | None = None  # None: full batch
    nbeta: float | None = None  # n * beta; None: n / log n (beta* = 1 / log n, Lau et al.)
    seed: int = 0


LossOfExamples = Callable[[nn.Module, torch.Tensor], torch.Tensor]
"""(model, example indices (batch,)) -> loss of each of those examples (batch,)."""


def default_nbeta(n: int) -> float:
    """n beta with the optimal inverse temperature beta* = 1 / log n (Watanabe; Lau et al. 2023)."""
    return n / math.log(n)


def estimate_llc(model: nn.Module, loss_of_examples: LossOfExamples, n: int, sampler: SamplerSettings) -> dict:
    """LLC of ``model`` at its current weights on ``n`` examples whose losses ``loss_of_examples`` gives.

    Returns ``llc`` (mean over chains), ``llc_std`` (across chains), ``llc_per_chain``,
    ``init_loss`` L_n(w*), ``sampled_loss`` E[L_n(w)] over the draws and ``loss_trace``
    (mean over chains, per draw). A chain whose loss diverges makes the estimate NaN rather
    than a number that looks right.
    """
    nbeta = sampler.nbeta if sampler.nbeta is not None else default_nbeta(n)
    trace, init_loss, failed = sample_losses(model, loss_of_examples, n, sampler, nbeta)
    # devinterp's llc_per_chain averages the burn-in steps too; the draws alone are the estimate.
    per_chain = nbeta * (trace.mean(1) - init_loss)
    healthy = not failed and np.isfinite(trace).all() and np.isfinite(per_chain).all()
    llc_value = float(per_chain.mean()) if healthy else float("nan")
    return {
        "llc": llc_value,
        "llc_std": float(per_chain.std()) if healthy else float("nan"),
        "llc_per_chain": per_chain.tolist(),
        "init_loss": init_loss,
        "sampled_loss": float(trace.mean()),
        "loss_trace": trace.mean(0).tolist(),  # mean over chains, step by step: has the chain settled?
        "nbeta": nbeta,
    }


def sample_losses(
    model: nn.Module, loss_of_examples: LossOfExamples, n: int, sampler: SamplerSettings, nbeta: float
) -> tuple[np.ndarray, float, bool]:
    """Run devinterp's SGLD chains: the training loss of each draw after the burn-in, (chain, draw);
    L_n(w*); and whether devinterp stopped a chain that failed."""
    llc, datasets = require_devinterp()
    indices = datasets.Dataset.from_dict({"input_ids": [[i, 0] for i in range(n)]}).with_format("torch")
    batch_size = min(sampler.batch_size or n, n)

    def per_token_loss(network: nn.Module, input_ids: torch.Tensor) -> torch.Tensor:
        return loss_of_examples(network, input_ids[:, 0])[:, None]  # devinterp wants (batch, tokens - 1)

    with tempfile.TemporaryDirectory(prefix="llc-") as scratch, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = llc(
            model,
            indices,
            {},
            lr=sampler.lr,
            n_beta=nbeta,
            localization=sampler.localization,
            num_chains=sampler.chains,
            num_draws=sampler.draws,
            num_burnin_steps=sampler.burn_in,
            batch_size=batch_size,
            num_init_loss_batches=max(1, math.ceil(n / batch_size)),
            init_seed=sampler.seed,
            loss_fn=per_token_loss,
            device=str(next(model.parameters()).device),
            output_path=os.path.join(scratch, "samples.zarr"),
        )
        trace = np.asarray(result["loss_trace"].values, dtype=float)[:, sampler.burn_in :]  # (chain, draw)
        init_loss = float(result["init_loss"])
    failed = any("Chain failed" in str(warning.message) for warning in caught)  # devinterp stops such a chain
    return trace, init_loss, failed


def cross_entropy_of_examples(inputs: torch.Tensor, labels: torch.Tensor) -> LossOfExamples:
    """Per-example cross entropy on a fixed set of examples, looked up by index."""

    def loss(network: nn.Module, indices: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(network(inputs[indices]), labels[indices], reduction="none")

    return loss


LLC_METRICS = {"llc": ("train", "llc"), "llc_std": ("train", "llc_std")}
"""Record key -> (split, metric) in the tidy tables: the LLC on the training set and its spread over chains."""


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
        records.append({"step": step, "llc": estimate["llc"], "llc_std": estimate["llc_std"]})
    return records


def divergence(estimate: dict) -> str:
    """Which chains of a NaN estimate diverged, in words."""
    chains = np.asarray(estimate["llc_per_chain"], dtype=float)
    return f"{int((~np.isfinite(chains)).sum())} of {len(chains)} SGLD chains diverged (devinterp stopped them)"


def check_finite(failures: list[str], estimates: int) -> None:
    """Raise :class:`SamplerDivergedError` naming the ``failures`` (``run@step``) among ``estimates``.

    A NaN LLC would reach the tables and leave the crossing and fall of its run silently without
    that snapshot (``llc_lead`` skips NaN): the sampler settings are wrong for this network, which
    a config change fixes, so the job stops with one line instead.
    """
    if failures:
        named = ", ".join(failures[:5]) + (f" and {len(failures) - 5} more" if len(failures) > 5 else "")
        raise SamplerDivergedError(
            f"the LLC is NaN (an SGLD chain diverged) at {len(failures)} of {estimates} snapshots ({named}):"
            " lower grokking.llc.sampler.lr or raise its localization (config/grokking.md)"
        )


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
