"""Fourier progress measures (Nanda et al. 2023) on embeddings and logits built from known waves."""

import math
from dataclasses import asdict

import numpy as np
import pytest
import torch

from phenomena.common.config import load_config
from phenomena.common.tables import read_parquet
from phenomena.grokking.controls import departure_from_controls
from phenomena.grokking.data import make_dataset
from phenomena.grokking.fourier import (
    all_pair_inputs,
    effective_frequencies,
    fourier_frequencies,
    frequency_norms,
    key_frequencies,
    restricted_and_excluded_logits,
)
from phenomena.grokking.progress import data_splits, progress_measures, progress_table, run_progress
from phenomena.grokking.runs import GrokkingRun, resolved_settings
from phenomena.grokking.train import train_run

P = 31
KEYS = [3, 7, 11]


def wave_embedding(p: int, frequencies: list[int], amplitudes: list[float], d: int = 12, noise: float = 0.0):
    """A (p, d) embedding whose columns mix cos and sin of the given frequencies, plus noise."""
    generator = torch.Generator().manual_seed(0)
    a = torch.arange(p, dtype=torch.float64)[:, None]
    angles = [(2 * math.pi * k * a / p, amp) for k, amp in zip(frequencies, amplitudes)]
    cosines = [torch.cos(angle) * amp for angle, amp in angles]
    waves = torch.cat(cosines + [torch.sin(angle) * amp for angle, amp in angles], 1)
    mix = torch.linalg.qr(torch.randn(d, d, generator=generator, dtype=torch.float64))[0][: waves.shape[1]]
    return waves @ mix + 0.5 + noise * torch.randn(p, d, generator=generator, dtype=torch.float64)


def test_spectrum_of_a_synthetic_embedding_has_its_frequencies_and_nothing_else():
    norms = frequency_norms(wave_embedding(P, KEYS, [1.0, 2.0, 3.0]))
    assert len(norms) == len(fourier_frequencies(P)) == 15
    carrying = set(np.flatnonzero(norms > 1e-9) + 1)
    assert carrying == set(KEYS)  # the constant 0.5 is not a frequency
    # a wave of amplitude A over p residues has squared norm A^2 p / 2 (cos and sin: twice that)
    np.testing.assert_allclose(norms[[k - 1 for k in KEYS]], [P * amp**2 for amp in (1.0, 2.0, 3.0)])


def test_key_frequencies_are_recovered_in_order_of_norm():
    norms = frequency_norms(wave_embedding(P, KEYS, [1.0, 2.0, 3.0], noise=0.02))
    assert key_frequencies(norms, norm_fraction=0.95, max_count=8) == [11, 7, 3]
    assert key_frequencies(norms, norm_fraction=0.95, max_count=2) == [11, 7]


def test_effective_frequencies_counts_equal_waves_and_grows_with_noise():
    sparse = effective_frequencies(frequency_norms(wave_embedding(P, KEYS, [1.0, 1.0, 1.0])))
    assert sparse == pytest.approx(3.0)
    dense = effective_frequencies(frequency_norms(torch.randn(P, 12, generator=torch.Generator().manual_seed(1))))
    assert 10 < dense <= 15


def test_restricted_logits_keep_exactly_the_key_waves_of_the_answer():
    inputs, answers = all_pair_inputs("add", P)
    c = torch.arange(P, dtype=torch.float64)
    s = answers.double()[:, None]
    key = torch.cos(2 * math.pi * 3 * (s - c) / P)  # the grokked algorithm: cos(w (a + b - c))
    other = 0.7 * torch.cos(2 * math.pi * 5 * (s - c) / P)  # a frequency that is not key
    memorized = torch.randn(P * P, P, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    memorized -= memorized.mean(0, keepdim=True)
    logits = 2.0 + key + other + memorized
    restricted, excluded = restricted_and_excluded_logits(logits, answers, P, [3])
    assert torch.allclose(restricted, 2.0 + key + project(memorized, answers, 3), atol=1e-9)
    torch.testing.assert_close(restricted + excluded, logits + logits.mean(0, keepdim=True))


def project(logits, answers, k):
    angle = 2 * math.pi * k * answers.double()[:, None] / P
    waves = torch.cat([torch.cos(angle), torch.sin(angle)], 1)
    return waves @ torch.linalg.lstsq(waves, logits).solution


class WaveModel(torch.nn.Module):
    """Logits = scale * cos(w (a + b - c)) for one key frequency: a 'grokked' network."""

    def __init__(self, p, k, scale, d=4):
        super().__init__()
        self.p, self.k, self.scale = p, k, scale
        self.embed = torch.nn.Embedding(p + 1, d)
        with torch.no_grad():
            a = torch.arange(p + 1, dtype=torch.float32)
            self.embed.weight[:, 0] = torch.cos(2 * math.pi * k * a / p)
            self.embed.weight[:, 1] = torch.sin(2 * math.pi * k * a / p)
            self.embed.weight[:, 2:] = 0

    def forward(self, tokens):
        s = (tokens[:, 0] + tokens[:, 1]).double()[:, None]
        c = torch.arange(self.p, dtype=torch.float64)
        return self.scale * torch.cos(2 * math.pi * self.k * (s - c) / self.p)


def test_a_pure_algorithm_has_low_restricted_loss_and_chance_excluded_loss():
    data = make_dataset("add", P, 0.5, seed=0)
    measures = progress_measures(WaveModel(P, 4, scale=2000.0), "add", P, data_splits(data), [4])
    for split in ("train", "val"):  # the algorithm holds on every pair, seen or not
        assert measures[f"{split}_restricted_loss"] == pytest.approx(measures[f"{split}_full_loss"], abs=1e-6)
        assert measures[f"{split}_restricted_loss"] < 0.01
        assert measures[f"{split}_excluded_loss"] == pytest.approx(math.log(P), rel=1e-6)  # nothing left: uniform
    assert measures["effective_frequencies"] == pytest.approx(1.0)
    assert measures["key_frequency_share"] == pytest.approx(1.0)


def test_progress_measures_refuse_a_non_additive_operation():
    data = make_dataset("div", P, 0.5, seed=0)
    with pytest.raises(ValueError, match="additive operation"):
        progress_measures(WaveModel(P, 4, 1.0), "div", P, data_splits(data), [4])


def test_run_progress_takes_key_frequencies_from_the_last_snapshot():
    data = make_dataset("add", P, 0.5, seed=0)
    model = WaveModel(P, 6, scale=10.0)
    grokked = {name: t.clone() for name, t in model.state_dict().items()}
    noisy = {"embed.weight": torch.randn(P + 1, 4, generator=torch.Generator().manual_seed(3))}
    snapshots = {100: noisy, 900: grokked}
    table, keys = run_progress(model, snapshots, "add", P, data_splits(data), norm_fraction=0.9, max_key_frequencies=4)
    assert keys == [6]
    assert list(table["step"]) == [100, 900]
    share = table.set_index("step")["key_frequency_share"]
    assert share[900] == pytest.approx(1.0) and share[100] < 0.5


def test_memorizer_control_keeps_a_higher_restricted_loss_than_the_grokking_run(repo, tmp_path):
    """Addition mod 31 on 70% of the pairs, 300 steps: the run with weight decay builds the waves of
    its key frequencies; the run without, on the same split, fits its training set without them."""
    study = load_config(repo / "config/config.yaml")["grokking"]
    study["modulus"] = 31
    study["model"]["mlp"] = {"d_embed": 32, "d_hidden": 128}
    study["training"].update(
        {"max_steps": 300, "eval_every": 20, "checkpoint_every": 300, "stop_after_generalizing": None}
    )
    study["training"].update({"eval_resolution": None, "snapshots": {"count": 5, "spacing": "log"}})
    runs = {}
    for weight_decay in (1.0, 0.0):
        run = GrokkingRun("add", 31, 0.7, weight_decay, "adamw", 0)
        data = tmp_path / f"{run.dataset_name}.pt"
        if not data.exists():
            make_dataset(run.operation, run.modulus, run.train_fraction, run.seed).save(data)
        train_run(resolved_settings(study, run), data, tmp_path / run.name)
        files = {"snapshots": tmp_path / run.name / "snapshots.pt", "dataset": data}
        runs[run.name] = {"run": asdict(run), **files}
    table = progress_table(
        runs, key_norm_fraction=0.9, max_key_frequencies=4, random_frequency_sets=3, residue_permutations=3
    )
    grokking, memorizer = list(runs)
    restricted = table[
        (table["metric"] == "restricted_loss") & (table["run"] == grokking) & (table["split"] == "train")
    ]
    last = restricted[restricted["step"] == 300].set_index(["control", "frequency_set"])["value"]
    assert set(last.index.get_level_values("control")) == {"none", "memorizer", "random_frequencies"}
    assert last["memorizer", 0] > 2 * last["none", 0]
    assert last["random_frequencies"].min() > last["none", 0]
    assert departure_from_controls(table, grokking) <= 300
    # every run gets its random controls, the memorizer too; only the grokking run has a memorizer
    controls = table.groupby("run")["control"].agg(set)
    assert controls[grokking] == {"none", "memorizer", "random_frequencies", "permuted_residues"}
    assert controls[memorizer] == {"none", "random_frequencies", "permuted_residues"}
    assert set(table.loc[table["control"] == "memorizer", "measured_run"]) == {memorizer}
    sets = table[table["control"].isin(["random_frequencies", "permuted_residues"])].groupby("run")["frequency_set"]
    assert (sets.nunique() == 3).all()
    # the losses on both splits; the full loss on the validation pairs is the one training logged
    losses = table[table["metric"].isin(["restricted_loss", "excluded_loss", "loss"])]
    assert set(losses["split"]) == {"train", "val"}
    own = table[(table["run"] == grokking) & (table["control"] == "none") & (table["step"] == 300)]
    history = read_parquet(tmp_path / grokking / "history.parquet")
    logged = history[(history["step"] == 300) & (history["metric"] == "loss")].set_index("split")["value"]
    full = own[own["metric"] == "loss"].set_index("split")["value"]
    np.testing.assert_allclose(full[["train", "val"]], logged[["train", "val"]], rtol=1e-4)
    # the grokked embedding is sparser than itself with its residues permuted
    effective = table[
        (table["run"] == grokking) & (table["metric"] == "effective_frequencies") & (table["step"] == 300)
    ]
    by_control = effective.groupby("control")["value"]
    assert by_control.max()["none"] < by_control.min()["permuted_residues"]
