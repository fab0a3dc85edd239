"""Progress measures of Nanda et al. 2023 ("Progress measures for grokking via mechanistic
interpretability", ICLR 2023, arXiv:2301.05217) computed from saved snapshots.

A network that groks modular addition embeds each residue as waves cos(w a), sin(w a) of a
few *key frequencies* w = 2 pi k / p, and reads the answer off cos(w (a + b - c)). The
measures here track that algorithm over training:

- the Fourier spectrum of the token embedding: which frequencies carry its norm (the key
  frequencies), how many frequencies it effectively uses, the share of the key ones;
- the *restricted loss*: the training loss of the logits with everything but the key-
  frequency components of the answer removed (it falls as the algorithm forms);
- the *excluded loss*: the training loss with those components removed (it rises once the
  network relies on them instead of memorizing).

Everything is defined for the additive group (operations ``add`` and ``sub``), where the
answer s(a, b) = a +- b mod p is the variable whose waves the algorithm builds.

A measure means something only beside a control that lacks the mechanism: a network that
only memorizes also puts some of its logits along any few waves of the answer, so its
restricted loss falls below chance too. Each grokking run (AdamW with weight decay) is
therefore measured beside two controls (column ``control``):

- ``memorizer``: the weight-decay-0 run on the same split and seed (it never generalizes),
  measured at the grokking run's key frequencies;
- ``random_frequencies``: the grokking run itself, measured at sets of random non-key
  frequencies as many as its key ones (``frequency_set`` numbers them).

:func:`departure_from_controls` finds the step from which the grokking run's restricted loss
stays below both controls.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from phenomena.common.tables import records_to_tidy, to_tidy
from phenomena.grokking.controls import departure_from_controls  # noqa: F401 (re-exported)
from phenomena.grokking.data import all_pairs
from phenomena.grokking.models import trained_runs
from phenomena.grokking.runs import ADDITIVE_OPERATIONS, BASELINE_OPTIMIZER, GrokkingRun

STUDY = "grokking"

OPERATIONS_WITH_PROGRESS = ADDITIVE_OPERATIONS


def fourier_frequencies(p: int) -> np.ndarray:
    """The distinct non-zero frequencies k = 1 .. (p - 1) / 2 of Z_p (k and p - k are one wave)."""
    return np.arange(1, (p - 1) // 2 + 1)


def frequency_norms(embedding: torch.Tensor) -> np.ndarray:
    """Squared norm of a (p, d) embedding along the waves cos(2 pi k a / p), sin(2 pi k a / p).

    Entry k - 1 is the squared norm at frequency k (cos and sin together), k = 1 .. (p - 1) / 2;
    the constant component (the mean embedding) carries no information and is left out.
    Computed with a real FFT over the residue axis.
    """
    p = embedding.shape[0]
    spectrum = torch.fft.rfft(embedding.detach().double(), dim=0)  # (p // 2 + 1, d)
    power = (spectrum.abs() ** 2).sum(-1) * 2 / p  # |c_k|^2 + |c_{p-k}|^2 over p, for an orthonormal basis
    return power[1 : len(fourier_frequencies(p)) + 1].numpy()


def key_frequencies(norms: np.ndarray, norm_fraction: float, max_count: int) -> list[int]:
    """The fewest frequencies (at most ``max_count``) that carry ``norm_fraction`` of the norm.

    Frequencies are numbered k = 1, 2, ...; returned in order of decreasing norm.
    """
    order = np.argsort(norms)[::-1]
    shares = np.cumsum(norms[order]) / norms.sum()
    count = min(int(np.searchsorted(shares, norm_fraction - 1e-12)) + 1, max_count)
    return [int(k) + 1 for k in order[:count]]


def effective_frequencies(norms: np.ndarray) -> float:
    """exp(entropy) of the norm distribution over frequencies: 1 for a pure wave, (p - 1) / 2 for white noise.

    A scale-free measure of Fourier sparsity: it counts how many frequencies the embedding
    effectively uses.
    """
    shares = norms / norms.sum()
    shares = shares[shares > 0]
    return float(np.exp(-(shares * np.log(shares)).sum()))


def answer_waves(answers: torch.Tensor, p: int, frequencies: list[int]) -> torch.Tensor:
    """Unit-norm waves cos(2 pi k s / p), sin(2 pi k s / p) of the answers ``s``, one column each.

    Over all p^2 pairs each residue occurs p times as the answer of ``add`` or ``sub``, so these
    columns are orthonormal, and orthogonal to the constant.
    """
    angle = 2 * math.pi * answers.double()[:, None] * torch.tensor(frequencies, dtype=torch.float64) / p
    waves = torch.cat([torch.cos(angle), torch.sin(angle)], dim=1)
    return waves / waves.norm(dim=0, keepdim=True)


def key_frequency_logits(logits: torch.Tensor, answers: torch.Tensor, p: int, frequencies: list[int]) -> torch.Tensor:
    """The key-frequency components of the logits, seen as functions of the pair (a, b).

    ``logits`` are (p^2, p) over every pair: for each output class c, the column
    logits[:, c] is projected onto the waves of the answer s(a, b) at ``frequencies``
    (Nanda et al.'s cos(w (a + b)), sin(w (a + b)) directions for addition).
    """
    waves = answer_waves(answers, p, frequencies)  # (p^2, 2 K)
    return waves @ (waves.T @ logits.double())


def restricted_and_excluded_logits(
    logits: torch.Tensor, answers: torch.Tensor, p: int, frequencies: list[int]
) -> tuple[torch.Tensor, torch.Tensor]:
    """(restricted, excluded) logits over all pairs (Nanda et al. 2023, section 5.1).

    Restricted: the mean logits over pairs plus the key-frequency components, nothing else.
    Excluded: the logits less their key-frequency components.
    """
    key = key_frequency_logits(logits, answers, p, frequencies)
    mean = logits.double().mean(0, keepdim=True)
    return mean + key, logits.double() - key


def all_pair_inputs(operation: str, p: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Tokens of every pair in grid order and the answer of each (its label)."""
    inputs, labels = all_pairs(operation, p)
    return torch.from_numpy(inputs), torch.from_numpy(labels)


def embedding_of(model: nn.Module, p: int) -> torch.Tensor:
    """The (p, d) token embedding of the residues (the '=' token left out)."""
    return model.embed.weight[:p]


@torch.no_grad()
def progress_measures(
    model: nn.Module,
    operation: str,
    p: int,
    train_inputs: torch.Tensor,
    train_labels: torch.Tensor,
    frequencies: list[int],
) -> dict[str, float]:
    """The progress measures of one snapshot, with the run's key ``frequencies``.

    Losses are cross entropies on the training pairs; the embedding measures use the norm
    spectrum of the token embedding.
    """
    if operation not in OPERATIONS_WITH_PROGRESS:
        allowed = ", ".join(OPERATIONS_WITH_PROGRESS)
        raise ValueError(f"progress measures need an additive operation ({allowed}); got {operation!r}")
    inputs, answers = all_pair_inputs(operation, p)
    logits = model(inputs)
    restricted, excluded = restricted_and_excluded_logits(logits, answers, p, frequencies)
    train_rows = train_inputs[:, 0] * p + train_inputs[:, 1]  # grid order of all_pairs: a major, b minor
    norms = frequency_norms(embedding_of(model, p))
    return {
        "effective_frequencies": effective_frequencies(norms),
        "key_frequency_share": float(norms[[k - 1 for k in frequencies]].sum() / norms.sum()),
        "restricted_loss": float(F.cross_entropy(restricted[train_rows], train_labels)),
        "excluded_loss": float(F.cross_entropy(excluded[train_rows], train_labels)),
        "full_loss": float(F.cross_entropy(logits.double()[train_rows], train_labels)),
    }


def run_progress(
    model: nn.Module,
    snapshots: dict[int, dict],
    operation: str,
    p: int,
    train_inputs: torch.Tensor,
    train_labels: torch.Tensor,
    *,
    norm_fraction: float,
    max_key_frequencies: int,
) -> tuple[pd.DataFrame, list[int]]:
    """Progress measures at every snapshot of one run: (records by step, key frequencies).

    The key frequencies are those of the *last* snapshot's embedding, as Nanda et al. read
    them off the trained network, and stay fixed over the run.
    """
    model.load_state_dict(snapshots[max(snapshots)])
    frequencies = key_frequencies(
        frequency_norms(embedding_of(model, p)), norm_fraction=norm_fraction, max_count=max_key_frequencies
    )
    return measures_over_snapshots(model, snapshots, operation, p, train_inputs, train_labels, frequencies), frequencies


def measures_over_snapshots(
    model: nn.Module,
    snapshots: dict[int, dict],
    operation: str,
    p: int,
    train_inputs: torch.Tensor,
    train_labels: torch.Tensor,
    frequencies: list[int],
) -> pd.DataFrame:
    """:func:`progress_measures` at every snapshot with the given ``frequencies``, one record per step."""
    records = []
    for step in sorted(snapshots):
        model.load_state_dict(snapshots[step])
        measures = progress_measures(model, operation, p, train_inputs, train_labels, frequencies)
        records.append({"step": step, **measures})
    return pd.DataFrame(records)


def draw_random_frequencies(p: int, keys: list[int], count: int, seed: int) -> list[list[int]]:
    """``count`` sets of distinct non-key frequencies, each as large as ``keys`` (seeded: the same
    sets for the same run); empty when fewer than that many non-key frequencies exist."""
    others = np.setdiff1d(fourier_frequencies(p), keys)
    if len(others) < len(keys):
        return []
    generator = np.random.default_rng([seed, len(keys)])
    return [sorted(int(k) for k in generator.choice(others, size=len(keys), replace=False)) for _ in range(count)]


def memorizer_of(run: GrokkingRun, runs: dict[str, GrokkingRun]) -> str | None:
    """The name of the memorizing control of a grokking run (AdamW with weight decay): the
    weight-decay-0 AdamW run on the same split (operation, modulus, fraction, seed); None when
    ``run`` is no grokking run or ``runs`` holds no such control."""
    if run.optimizer != BASELINE_OPTIMIZER or run.weight_decay == 0:
        return None
    controls = [
        name
        for name, other in runs.items()
        if other.optimizer == BASELINE_OPTIMIZER and other.weight_decay == 0 and other.dataset_name == run.dataset_name
    ]
    return min(controls) if controls else None  # several (budgets): one, by name


PROGRESS_SPLITS = {
    "effective_frequencies": ("model", "effective_frequencies"),
    "key_frequency_share": ("model", "key_frequency_share"),
    "restricted_loss": ("train", "restricted_loss"),
    "excluded_loss": ("train", "excluded_loss"),
    "full_loss": ("train", "loss"),
}
"""Measure -> (split, metric) in the tidy table: embedding measures under 'model', losses under 'train'."""


def progress_table(
    runs: dict[str, dict],
    *,
    key_norm_fraction: float,
    max_key_frequencies: int,
    random_frequency_sets: int,
) -> pd.DataFrame:
    """Tidy progress measures of every run at every snapshot, and the controls of the grokking runs.

    ``runs``: by name, each run's settings and files (:func:`phenomena.grokking.runs.trained_run_files`).
    Columns beside the sweep: ``control`` (``none``: the run's own measures; ``memorizer``,
    ``random_frequencies``: see the module's docstring), ``frequency_set`` (0, or the number of
    the random set), ``key_frequencies`` (the frequencies measured, space-separated) and
    ``measured_run`` (the run whose snapshots were measured: the memorizer's name in its rows).
    """
    loaded = {run.name: (run, model, snapshots, dataset) for run, model, snapshots, dataset in trained_runs(runs)}
    frames, keys_of = [], {}

    def add(run: GrokkingRun, records: pd.DataFrame, control: str, frequencies: list[int], **extra) -> None:
        sweep = {
            **run.sweep_columns(),
            "control": control,
            "frequency_set": extra.get("frequency_set", 0),
            "key_frequencies": " ".join(map(str, frequencies)),
            "measured_run": extra.get("measured_run", run.name),
        }
        tidy = records_to_tidy(
            records.to_dict("records"), PROGRESS_SPLITS, study=STUDY, run=run.name, seed=run.seed, sweep=sweep
        )
        frames.append(tidy)

    for name, (run, model, snapshots, dataset) in loaded.items():
        records, keys_of[name] = run_progress(
            model,
            snapshots,
            run.operation,
            run.modulus,
            dataset.train_inputs,
            dataset.train_labels,
            norm_fraction=key_norm_fraction,
            max_key_frequencies=max_key_frequencies,
        )
        print(f"{name}: key frequencies {keys_of[name]}", flush=True)
        add(run, records, "none", keys_of[name])
    plain = {name: entry[0] for name, entry in loaded.items()}
    for name, (run, model, snapshots, dataset) in loaded.items():
        memorizer = memorizer_of(run, plain)
        if memorizer is None:
            continue
        keys, data = keys_of[name], (run.operation, run.modulus, dataset.train_inputs, dataset.train_labels)
        _, control_model, control_snapshots, _ = loaded[memorizer]  # the same split: the same dataset
        add(run, measures_over_snapshots(control_model, control_snapshots, *data, keys), "memorizer", keys,
            measured_run=memorizer)  # fmt: skip
        sets = draw_random_frequencies(run.modulus, keys, random_frequency_sets, run.seed)
        for number, frequencies in enumerate(sets, start=1):
            records = measures_over_snapshots(model, snapshots, *data, frequencies)
            add(run, records, "random_frequencies", frequencies, frequency_set=number)
    return to_tidy(pd.concat(frames, ignore_index=True))
