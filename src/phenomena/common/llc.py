"""The local learning coefficient (LLC) of a network at a point of its training (Lau et al.
2023, "Quantifying degeneracy in singular models via the learning coefficient", arXiv:2308.12108),
estimated with the ``devinterp`` library (the optional extra ``slt``). Shared by every study
that prints an LLC (grokking, the SLT study); how far to trust it: the SLT study's calibration
on reduced-rank regression, whose coefficients are known (``phenomena.slt.calibration``).

SGLD samples the tempered posterior localized at the trained weights w*,
proportional to exp(-n beta L_n(w) - gamma / 2 |w - w*|^2), and

    LLC = n beta (E[L_n(w)] - L_n(w*)),

with L_n the average training loss (negative log-likelihood per example) and beta = 1 / log n
by default. A regular model with d parameters has LLC d / 2; a singular (degenerate) one
less: the LLC measures the effective complexity of the solution the network sits in.

devinterp 2.0 is built for language models: it samples a Hugging Face ``datasets.Dataset``
of ``input_ids`` and asks for a per-token loss. Each example is handed to it as the token
row ``[index, 0, ...]`` and the loss function looks the example up by its index, so any model
and loss fit. The "tokens" carry independent models trained side by side (a stack, see
:func:`estimate_member_llcs`): devinterp keeps each token's loss, so one SGLD run gives the
LLC of every member.
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
import torch
from torch import nn

from phenomena.common.config import UserError

EXTRA_MESSAGE = (
    "the LLC rules need the optional extra 'slt' (devinterp): "
    'pip install torch==2.13.0 -e ".[slt]"; or set grokking.llc: null and slt: null to skip them'
)


class MissingExtraError(UserError, ImportError):
    """An optional dependency of the project is not installed."""


class SamplerDivergedError(UserError):
    """An LLC estimate is NaN: an SGLD chain diverged at the configured sampler settings."""


def require_devinterp():
    """Import devinterp's LLC entry point, or raise :class:`MissingExtraError` naming the extra."""
    try:
        import datasets
        from devinterp.slt.sampling import sample
    except ImportError as error:
        raise MissingExtraError(EXTRA_MESSAGE) from error
    # devinterp runs gc.collect() around every chain; over the objects of transformers and
    # datasets that takes ~1 s each time. Freezing what exists now makes it take milliseconds.
    gc.freeze()
    logging.getLogger("devinterp").setLevel(logging.WARNING)  # a zarr store and its writes per estimate
    return sample, datasets


@dataclass(frozen=True)
class SamplerSettings:
    """SGLD settings of an LLC estimate (config ``<study>...llc.sampler``)."""

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

LossOfMembers = Callable[[nn.Module, torch.Tensor], torch.Tensor]
"""(stack, example indices (batch,)) -> each member's loss on its own example (batch, members)."""


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
    (estimate,) = estimate_member_llcs(
        model, lambda network, indices: loss_of_examples(network, indices)[:, None], n, 1, sampler
    )
    return estimate


def estimate_member_llcs(
    stack: nn.Module, loss_of_members: LossOfMembers, n: int, members: int, sampler: SamplerSettings
) -> list[dict]:
    """The LLC of each of ``members`` independent models held by ``stack``, from one SGLD run.

    ``loss_of_members`` gives each member's loss on its own ``n`` examples. SGLD moves the
    stack on the sum of the members' losses: the members share no parameter, so each moves
    exactly as it would alone on its own loss (same step, noise and localization). Returns one
    dict per member, as :func:`estimate_llc`.
    """
    nbeta = sampler.nbeta if sampler.nbeta is not None else default_nbeta(n)
    traces, init_losses, failed = sample_member_losses(stack, loss_of_members, n, members, sampler, nbeta)
    return [llc_of_trace(traces[:, :, m], float(init_losses[m]), failed, nbeta) for m in range(members)]


def llc_of_trace(trace: np.ndarray, init_loss: float, failed: bool, nbeta: float) -> dict:
    """The estimate from one model's sampled losses (chain, draw) and L_n(w*)."""
    # devinterp's llc_per_chain averages the burn-in steps too; the draws alone are the estimate.
    per_chain = nbeta * (trace.mean(1) - init_loss)
    healthy = not failed and np.isfinite(trace).all() and np.isfinite(per_chain).all()
    return {
        "llc": float(per_chain.mean()) if healthy else float("nan"),
        "llc_std": float(per_chain.std()) if healthy else float("nan"),
        "llc_per_chain": per_chain.tolist(),
        "init_loss": init_loss,
        "sampled_loss": float(trace.mean()),
        "loss_trace": trace.mean(0).tolist(),  # mean over chains, step by step: has the chain settled?
        "nbeta": nbeta,
    }


def sample_member_losses(
    stack: nn.Module, loss_of_members: LossOfMembers, n: int, members: int, sampler: SamplerSettings, nbeta: float
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Run devinterp's SGLD chains: each member's training loss at each draw after the burn-in,
    (chain, draw, member); each member's L_n(w*); whether devinterp stopped a chain that failed.

    devinterp moves the parameters on the mean over "tokens"; a token per member, each loss
    scaled by ``members``, makes that mean the sum of the members' losses (each at its own
    ``nbeta``); the scale is taken off the recorded losses.

    L_n(w*) is taken on the ``n // batch_size`` full batches: devinterp's loader drops a last
    partial batch, so ``ceil(n / batch_size)`` batches counted one twice, an error of about
    n beta std(loss) / (sqrt(batch) n / batch) in every estimate (+-2.5 at n 4000, batch 256).
    The draws see the same batches in the same order: their minibatch noise cancels against
    L_n(w*) when the draws cover whole passes (``draws`` a multiple of ``n // batch_size``).
    """
    sample, datasets = require_devinterp()
    rows = [[i] + [0] * members for i in range(n)]
    indices = datasets.Dataset.from_dict({"input_ids": rows}).with_format("torch")
    batch_size = min(sampler.batch_size or n, n)

    def per_token_loss(network: nn.Module, input_ids: torch.Tensor) -> torch.Tensor:
        return members * loss_of_members(network, input_ids[:, 0])  # devinterp wants (batch, tokens - 1)

    with tempfile.TemporaryDirectory(prefix="llc-") as scratch, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        samples = sample(
            model=stack,
            dataset=indices,
            observables={},
            lr=sampler.lr,
            n_beta=nbeta,
            localization=sampler.localization,
            num_chains=sampler.chains,
            num_draws=sampler.draws,
            num_burnin_steps=sampler.burn_in,
            batch_size=batch_size,
            num_init_loss_batches=max(1, n // batch_size),  # the full batches the draws see (below)
            init_seed=sampler.seed,
            loss_fn=per_token_loss,
            device=str(next(stack.parameters()).device),
            output_path=os.path.join(scratch, "samples.zarr"),
        )
        data = samples.dataset
        micro = data.sampling_loss_micro.mean(dim="batch_sampling").transpose("chain", "step", "token_pos")
        traces = np.asarray(micro.values, dtype=float)[:, sampler.burn_in :, :] / members
        init = data.init_loss
        init_losses = per_member_init_loss(np.asarray(init.values, dtype=float), init.dims, members)
    failed = any("Chain failed" in str(warning.message) for warning in caught)  # devinterp stops such a chain
    return traces, init_losses, failed


def per_member_init_loss(values: np.ndarray, dims: tuple[str, ...], members: int) -> np.ndarray:
    """Each member's L_n(w*) from devinterp's ``init_loss`` (per token where it keeps tokens)."""
    if "token_pos" in dims:
        axes = tuple(i for i, dim in enumerate(dims) if dim != "token_pos")
        return values.mean(axis=axes) / members
    if members != 1:
        raise RuntimeError(f"devinterp's init_loss has no token axis (dims {dims}): per-member LLCs need one")
    return np.atleast_1d(values.mean()) / members


def divergence(estimate: dict) -> str:
    """Which chains of a NaN estimate diverged, in words."""
    chains = np.asarray(estimate["llc_per_chain"], dtype=float)
    return f"{int((~np.isfinite(chains)).sum())} of {len(chains)} SGLD chains diverged (devinterp stopped them)"


def check_finite(failures: list[str], estimates: int, config_key: str, doc: str) -> None:
    """Raise :class:`SamplerDivergedError` naming the ``failures`` (``run@step``) among ``estimates``.

    A NaN LLC would reach the tables and leave the findings silently without that estimate: the
    sampler settings (``config_key``, documented in ``doc``) are wrong for this network, which a
    config change fixes, so the job stops with one line instead.
    """
    if failures:
        named = ", ".join(failures[:5]) + (f" and {len(failures) - 5} more" if len(failures) > 5 else "")
        raise SamplerDivergedError(
            f"the LLC is NaN (an SGLD chain diverged) at {len(failures)} of {estimates} snapshots ({named}):"
            f" lower {config_key}.lr or raise its localization ({doc})"
        )
