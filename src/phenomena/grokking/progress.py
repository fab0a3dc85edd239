"""Progress measures of Nanda et al. 2023 ("Progress measures for grokking via mechanistic
interpretability", ICLR 2023, arXiv:2301.05217) at every saved snapshot, beside their controls.

The measures track the Fourier algorithm (:mod:`phenomena.grokking.fourier`) over training:

- the Fourier spectrum of the token embedding: how many frequencies it effectively uses, and
  the share of its norm at the key frequencies (those of the last snapshot);
- the *restricted loss*: the loss of the logits with everything but the key-frequency
  components of the answer removed (it falls as the algorithm forms);
- the *excluded loss*: the loss with those components removed (it rises once the network
  relies on them instead of memorizing);
- the loss of the full logits beside them.

Each loss is measured on the training pairs (split ``train``: what the network fits) and on
the validation pairs (split ``val``: whether the key-frequency components carry over to pairs
it never saw); the embedding measures have split ``model``. Everything is defined for the
additive group (operations ``add`` and ``sub``), where the answer s(a, b) = a +- b mod p is the
variable whose waves the algorithm builds. Every run is measured beside its controls
(:mod:`phenomena.grokking.controls`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from phenomena.common.tables import records_to_tidy, to_tidy
from phenomena.grokking.controls import draw_random_frequencies, draw_residue_permutations, memorizer_of
from phenomena.grokking.data import ModularDataset
from phenomena.grokking.fourier import (
    all_pair_inputs,
    effective_frequencies,
    embedding_of,
    frequency_norms,
    key_frequencies,
    restricted_and_excluded_logits,
)
from phenomena.grokking.models import trained_runs
from phenomena.grokking.runs import ADDITIVE_OPERATIONS, GrokkingRun

STUDY = "grokking"
OPERATIONS_WITH_PROGRESS = ADDITIVE_OPERATIONS
SPLITS = ("train", "val")
LOSSES = {"restricted_loss": "restricted_loss", "excluded_loss": "excluded_loss", "full_loss": "loss"}

EMBEDDING_MEASURES = {"effective_frequencies": ("model", "effective_frequencies")}
FREQUENCY_SET_MEASURES = {
    "key_frequency_share": ("model", "key_frequency_share"),
    **{f"{split}_{key}": (split, LOSSES[key]) for split in SPLITS for key in ("restricted_loss", "excluded_loss")},
}
"""The measures that depend on the frequency set: the random-frequency control has these."""
PROGRESS_SPLITS = {
    **EMBEDDING_MEASURES,
    **FREQUENCY_SET_MEASURES,
    **{f"{split}_full_loss": (split, "loss") for split in SPLITS},
}
"""Record key -> (split, metric) in the tidy table: embedding measures under 'model', losses
under the split of the pairs they are measured on."""

Splits = dict[str, tuple[torch.Tensor, torch.Tensor]]


def data_splits(dataset: ModularDataset) -> Splits:
    """The pairs the losses are measured on: split name -> (inputs, labels)."""
    return {"train": (dataset.train_inputs, dataset.train_labels), "val": (dataset.val_inputs, dataset.val_labels)}


@torch.no_grad()
def snapshot_measures(
    model: nn.Module, operation: str, p: int, splits: Splits, frequency_sets: list[list[int]]
) -> list[dict[str, float]]:
    """The progress measures of one network for each set of ``frequency_sets`` (keys of
    :data:`PROGRESS_SPLITS`): losses are cross entropies on each split's pairs, the embedding
    measures use the norm spectrum of the token embedding. The logits are computed once."""
    if operation not in OPERATIONS_WITH_PROGRESS:
        allowed = ", ".join(OPERATIONS_WITH_PROGRESS)
        raise ValueError(f"progress measures need an additive operation ({allowed}); got {operation!r}")
    inputs, answers = all_pair_inputs(operation, p)
    logits = model(inputs).double()
    rows = {split: (pairs[:, 0] * p + pairs[:, 1], labels) for split, (pairs, labels) in splits.items()}  # grid order
    norms = frequency_norms(embedding_of(model, p))
    common = {"effective_frequencies": effective_frequencies(norms)}
    common |= {f"{split}_full_loss": float(F.cross_entropy(logits[at], labels)) for split, (at, labels) in rows.items()}
    measured = []
    for frequencies in frequency_sets:
        restricted, excluded = restricted_and_excluded_logits(logits, answers, p, frequencies)
        share = float(norms[[k - 1 for k in frequencies]].sum() / norms.sum())
        losses = {}
        for split, (at, labels) in rows.items():
            losses[f"{split}_restricted_loss"] = float(F.cross_entropy(restricted[at], labels))
            losses[f"{split}_excluded_loss"] = float(F.cross_entropy(excluded[at], labels))
        measured.append({**common, "key_frequency_share": share, **losses})
    return measured


def progress_measures(model: nn.Module, operation: str, p: int, splits: Splits, frequencies: list[int]) -> dict:
    """The progress measures of one network with the run's key ``frequencies``."""
    return snapshot_measures(model, operation, p, splits, [frequencies])[0]


def measures_over_snapshots(
    model: nn.Module,
    snapshots: dict[int, dict],
    operation: str,
    p: int,
    splits: Splits,
    frequency_sets: list[list[int]],
) -> list[pd.DataFrame]:
    """:func:`snapshot_measures` at every snapshot: one frame per frequency set, one record per step."""
    records = [[] for _ in frequency_sets]
    for step in sorted(snapshots):
        model.load_state_dict(snapshots[step])
        for frame, measures in zip(records, snapshot_measures(model, operation, p, splits, frequency_sets)):
            frame.append({"step": step, **measures})
    return [pd.DataFrame(frame) for frame in records]


def final_key_frequencies(
    model: nn.Module, snapshots: dict[int, dict], p: int, *, norm_fraction: float, max_key_frequencies: int
) -> list[int]:
    """The key frequencies of the *last* snapshot's embedding, as Nanda et al. read them off the
    trained network; they stay fixed over the run."""
    model.load_state_dict(snapshots[max(snapshots)])
    norms = frequency_norms(embedding_of(model, p))
    return key_frequencies(norms, norm_fraction=norm_fraction, max_count=max_key_frequencies)


def run_progress(
    model: nn.Module, snapshots: dict[int, dict], operation: str, p: int, splits: Splits, **key_settings
) -> tuple[pd.DataFrame, list[int]]:
    """Progress measures at every snapshot of one run: (records by step, its key frequencies);
    ``key_settings``: ``norm_fraction`` and ``max_key_frequencies``."""
    keys = final_key_frequencies(model, snapshots, p, **key_settings)
    return measures_over_snapshots(model, snapshots, operation, p, splits, [keys])[0], keys


@torch.no_grad()
def permuted_effective_frequencies(
    model: nn.Module, snapshots: dict[int, dict], p: int, permutations: list[np.ndarray]
) -> list[pd.DataFrame]:
    """The effective number of frequencies of each snapshot's embedding with its residues
    reordered by each permutation: one frame per permutation, one record per step."""
    records = [[] for _ in permutations]
    for step in sorted(snapshots):
        model.load_state_dict(snapshots[step])
        embedding = embedding_of(model, p)
        for frame, order in zip(records, permutations):
            norms = frequency_norms(embedding[torch.from_numpy(order)])
            frame.append({"step": step, "effective_frequencies": effective_frequencies(norms)})
    return [pd.DataFrame(frame) for frame in records]


def tidy_rows(run: GrokkingRun, records: pd.DataFrame, measures: dict, control: str, frequencies, **extra):
    """Tidy rows of ``measures`` in ``records`` for ``run``, with the control columns."""
    sweep = {
        **run.sweep_columns(),
        "control": control,
        "frequency_set": extra.get("frequency_set", 0),
        "key_frequencies": " ".join(map(str, frequencies)),
        "measured_run": extra.get("measured_run", run.name),
    }
    rows = records.to_dict("records")
    return records_to_tidy(rows, measures, study=STUDY, run=run.name, seed=run.seed, sweep=sweep)


def progress_table(
    runs: dict[str, dict],
    *,
    key_norm_fraction: float,
    max_key_frequencies: int,
    random_frequency_sets: int,
    residue_permutations: int,
) -> pd.DataFrame:
    """Tidy progress measures of every run at every snapshot, beside its controls.

    ``runs``: by name, each run's settings and files (:func:`phenomena.grokking.runs.trained_run_files`).
    Columns beside the sweep: ``control`` (``none``: the run's own measures; ``random_frequencies``,
    ``permuted_residues``, ``memorizer``: see :mod:`phenomena.grokking.controls`),
    ``frequency_set`` (0, or the number of the random set or permutation), ``key_frequencies``
    (the frequencies measured, space-separated; empty for a permutation) and ``measured_run``
    (the run whose snapshots were measured: the memorizer's name in its rows).
    """
    loaded = {run.name: (run, model, snapshots, dataset) for run, model, snapshots, dataset in trained_runs(runs)}
    plain = {name: entry[0] for name, entry in loaded.items()}
    frames = []
    for name, (run, model, snapshots, dataset) in loaded.items():
        p, splits = run.modulus, data_splits(dataset)
        keys = final_key_frequencies(
            model, snapshots, p, norm_fraction=key_norm_fraction, max_key_frequencies=max_key_frequencies
        )
        print(f"{name}: key frequencies {keys}", flush=True)
        random_sets = draw_random_frequencies(p, keys, random_frequency_sets, run.seed)
        own, *at_random = measures_over_snapshots(model, snapshots, run.operation, p, splits, [keys, *random_sets])
        frames.append(tidy_rows(run, own, PROGRESS_SPLITS, "none", keys))
        for number, (frequencies, records) in enumerate(zip(random_sets, at_random), start=1):
            frames.append(tidy_rows(run, records, FREQUENCY_SET_MEASURES, "random_frequencies", frequencies,
                                    frequency_set=number))  # fmt: skip
        permutations = draw_residue_permutations(p, residue_permutations, run.seed)
        for number, records in enumerate(permuted_effective_frequencies(model, snapshots, p, permutations), start=1):
            frames.append(tidy_rows(run, records, EMBEDDING_MEASURES, "permuted_residues", [], frequency_set=number))
        memorizer = memorizer_of(run, plain)
        if memorizer is not None:
            _, control_model, control_snapshots, _ = loaded[memorizer]  # the same split: the same dataset
            records = measures_over_snapshots(control_model, control_snapshots, run.operation, p, splits, [keys])[0]
            frames.append(tidy_rows(run, records, PROGRESS_SPLITS, "memorizer", keys, measured_run=memorizer))
    return to_tidy(pd.concat(frames, ignore_index=True))
