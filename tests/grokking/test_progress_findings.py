"""Calibration of the progress findings' estimators (HELPERS: planted effect and null, at the
study's own size: 5 seeds at train fraction 0.3, 24 log-spaced snapshots, 5 random sets), and
each finding on a small hand-made table."""

import numpy as np
import pandas as pd
import pytest

from phenomena.common.findings import findings_table
from phenomena.common.stats import geometric_mean_interval
from phenomena.grokking.progress_findings import (
    DEPARTURE_FACTOR,
    departure_leads,
    effective_frequencies_vs_permuted,
    final_effective_frequencies,
    progress_findings,
    restricted_loss_lead,
    unit_runs,
)

SEEDS, SETS, REPLICATES = 5, 5, 400
STEPS = np.unique(np.round(np.geomspace(25, 4000, 24) / 25).astype(int) * 25)
SWEEP = {"optimizer": "adamw", "weight_decay": 1.0, "train_fraction": 0.3, "modulus": 97}


def frame(runs, seeds, controls, sets, steps, values, split="train", metric="restricted_loss") -> pd.DataFrame:
    """Tidy rows from equal-length arrays (one row each)."""
    columns = {"run": runs, "seed": seeds, "control": controls, "frequency_set": sets, "step": steps}
    return pd.DataFrame({**columns, "split": split, "metric": metric, "value": values, **SWEEP})


def simulated_leads(rng, replicates: int, log_lead: float, spread: float = 0.4):
    """Progress and summary tables of ``replicates`` x 5 seeds whose restricted loss falls for good
    below half of a noisy random band at a snapshot drawn per seed (dipping below it now and then
    before), and whose 95% step is that departure times exp(N(log_lead, spread)): the true lead is
    exp(log_lead)."""
    shape = (replicates, SEEDS)
    index = rng.integers(5, 18, size=shape)
    departure = STEPS[index]
    band = 4.3 + 0.05 * rng.standard_normal((*shape, SETS, len(STEPS)))
    edge = DEPARTURE_FACTOR * 4.3
    before = edge + 0.15 + 0.1 * rng.standard_normal((*shape, len(STEPS)))  # dips below at times
    after = edge - 0.5 - 0.2 * rng.random((*shape, len(STEPS)))
    position = np.arange(len(STEPS))
    own = np.where(position >= index[..., None], after, before)
    just_before = position == index[..., None] - 1
    own = np.where(just_before, DEPARTURE_FACTOR * band.min(axis=2) + 0.1, own)  # above right before it departs
    runs = np.array([[f"r{r}_s{s}" for s in range(SEEDS)] for r in range(replicates)])
    seeds = np.broadcast_to(np.arange(SEEDS), shape)
    tile = np.broadcast_to(STEPS, (*shape, len(STEPS)))
    own_rows = frame(np.repeat(runs, len(STEPS)), np.repeat(seeds, len(STEPS)), "none", 0, tile.ravel(), own.ravel())
    by_set = (*shape, SETS, len(STEPS))
    random_rows = frame(
        np.broadcast_to(runs[..., None, None], by_set).ravel(), np.broadcast_to(seeds[..., None, None], by_set).ravel(),
        "random_frequencies", np.broadcast_to(np.arange(1, SETS + 1)[:, None], by_set).ravel(),
        np.broadcast_to(STEPS, by_set).ravel(), band.ravel(),
    )  # fmt: skip
    grokking = departure * np.exp(log_lead + spread * rng.standard_normal(shape))
    summary = pd.DataFrame({"run": runs.ravel(), "steps_to_val_95": grokking.ravel()})
    return pd.concat([own_rows, random_rows], ignore_index=True), summary, departure


def replicate_intervals(per_run: pd.Series, replicates: int) -> list:
    values = per_run.reindex([f"r{r}_s{s}" for r in range(replicates) for s in range(SEEDS)]).to_numpy()
    return [geometric_mean_interval(row, "seeds") for row in values.reshape(replicates, SEEDS)]


@pytest.mark.parametrize(("truth", "planted"), [(3.0, True), (1.0, False)])
def test_the_lead_interval_covers_the_true_lead_and_detects_it_only_when_planted(truth, planted):
    rng = np.random.default_rng(28)
    progress, summary, departure = simulated_leads(rng, REPLICATES, np.log(truth))
    leads = departure_leads(progress, summary, "train")
    np.testing.assert_array_equal(leads["departure"].reindex(summary["run"]).to_numpy(), departure.ravel())
    intervals = replicate_intervals(leads["lead"], REPLICATES)
    coverage = np.mean([interval.contains(truth) for interval in intervals])
    detected = np.mean([interval.low > 1 for interval in intervals])
    assert 0.92 <= coverage <= 0.98, f"coverage {coverage:.3f} of the true lead {truth}"
    assert (detected > 0.95) if planted else (detected <= 0.08), f"lead {truth}: detected in {detected:.3f}"


def test_the_lead_estimator_on_one_replicate_is_the_vectorised_one():
    progress, summary, _ = simulated_leads(np.random.default_rng(1), 1, np.log(2.0))
    result = restricted_loss_lead(progress, summary, split="train")
    expected = replicate_intervals(departure_leads(progress, summary, "train")["lead"], 1)[0]
    assert result.interval == expected and result.interval.n_units == SEEDS and result.slots["missing"] == 0


def simulated_sparsity(rng, replicates: int, log_ratio: float, spread: float = 0.3) -> pd.DataFrame:
    """Effective frequencies of ``replicates`` x 5 seeds at two steps, with 5 residue permutations
    each; at the last step own / mean(permuted) = exp(N(log_ratio, spread)) per seed."""
    shape = (replicates, SEEDS)
    permuted = 40 * np.exp(0.05 * rng.standard_normal((*shape, SETS)))
    own = permuted.mean(-1) * np.exp(log_ratio + spread * rng.standard_normal(shape))
    runs = np.array([[f"r{r}_s{s}" for s in range(SEEDS)] for r in range(replicates)])
    seeds = np.broadcast_to(np.arange(SEEDS), shape)
    rows = []
    for step, scale in ((1000, 1.0), (100, 3.0)):  # the earlier step must not count
        rows.append(frame(runs.ravel(), seeds.ravel(), "none", 0, step, own.ravel() * scale,
                          split="model", metric="effective_frequencies"))  # fmt: skip
        numbers = np.tile(np.arange(1, SETS + 1), runs.size)
        rows.append(frame(
            np.repeat(runs, SETS), np.repeat(seeds, SETS), "permuted_residues", numbers, step, permuted.ravel(),
            split="model", metric="effective_frequencies",
        ))  # fmt: skip
    return pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize(("truth", "planted"), [(0.15, True), (1.0, False)])
def test_the_sparsity_interval_covers_the_true_ratio_and_detects_it_only_when_planted(truth, planted):
    progress = simulated_sparsity(np.random.default_rng(97), REPLICATES, np.log(truth))
    intervals = replicate_intervals(final_effective_frequencies(progress)["ratio"], REPLICATES)
    coverage = np.mean([interval.contains(truth) for interval in intervals])
    detected = np.mean([interval.high < 1 or interval.low > 1 for interval in intervals])
    assert 0.92 <= coverage <= 0.98, f"coverage {coverage:.3f} of the true ratio {truth}"
    assert (detected > 0.95) if planted else (detected <= 0.08), f"ratio {truth}: detected in {detected:.3f}"
    one = progress[progress["run"].str.startswith("r0_")]
    assert effective_frequencies_vs_permuted(one).interval == intervals[0]


def hand_made() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three seeds below a band at 2.0 from step 50 on, below half of it from steps 100, 200, 400,
    reaching 95% at 400, 800, 1600 (leads of exactly 4); as placebo, random set 2 falls below half
    of set 1 at the last step; effective frequencies 5 against 40 permuted (ratio 1/8) at the last step."""
    steps = [50, 100, 200, 400, 800, 1600]
    rows = []
    for seed, leave in enumerate([100, 200, 400]):
        run = f"seed{seed}"
        own = [1.9 if step < leave else 0.3 for step in steps]
        for split in ("train", "val"):
            rows.append(frame(run, seed, "none", 0, steps, own, split=split))
            rows.append(frame(run, seed, "random_frequencies", 1, steps, [2.0] * 6, split=split))
            rows.append(frame(run, seed, "random_frequencies", 2, steps, [2.2] * 5 + [0.9], split=split))
        rows.append(
            frame(run, seed, "none", 0, steps, [30.0] * 5 + [5.0], split="model", metric="effective_frequencies")
        )
        rows.append(
            frame(run, seed, "permuted_residues", 1, steps, [40.0] * 6, split="model", metric="effective_frequencies")
        )
    summary = pd.DataFrame({"run": ["seed0", "seed1", "seed2"], "steps_to_val_95": [400.0, 800.0, 1600.0]})
    return pd.concat(rows, ignore_index=True), summary


def test_findings_on_a_hand_made_table():
    progress, summary = hand_made()
    table = findings_table(progress_findings({}), {"progress": progress, "summary": summary}, study="grokking",
                           section={}, commit="")  # fmt: skip
    rows = table.set_index("finding")
    for split in ("train", "val"):
        row = rows.loc[f"restricted_loss_lead_{split}"]
        assert row["estimate"] == pytest.approx(4.0) and row["verdict"] == "effect" and row["n_units"] == 3
        assert row["control_estimate"] == pytest.approx(0.5)  # set 2 departs from set 1, set 1 never from set 2
        assert "departs so in 50% of 6" in row["statement"]
        assert (
            "steps 100, 200, 400, 95% at 400, 800, 1,600; below the controls' lower edge for good from steps 50, 50, 50"
            in row["statement"]
        )
    sparsity = rows.loc["effective_frequencies_vs_permuted"]
    assert sparsity["estimate"] == pytest.approx(1 / 8) and sparsity["control_estimate"] == pytest.approx(40.0)
    assert sparsity["verdict"] == "effect" and "uses 5.0 Fourier frequencies" in sparsity["statement"]


def test_the_units_are_the_grokking_runs_at_the_fraction_with_most_seeds():
    runs = [("adamw", 1.0, 0.3, seed) for seed in range(5)] + [("adamw", 1.0, 0.4, seed) for seed in range(3)]
    runs += [("adamw", 0.0, 0.3, 0), ("grokfast", 1.0, 0.3, 0), ("adamw", 1.0, 0.5, 9)]
    rows = [
        {"run": f"{o}_wd{wd}_frac{f}_seed{s}", "seed": s, "optimizer": o, "weight_decay": wd, "train_fraction": f,
         "control": control}
        for o, wd, f, s in runs
        for control in ("none", "random_frequencies")
    ]  # fmt: skip
    rows.append({**rows[-1], "run": "uncontrolled", "control": "none", "train_fraction": 0.5, "seed": 10})
    units = unit_runs(pd.DataFrame(rows))
    assert list(units["run"]) == [f"adamw_wd1.0_frac0.3_seed{s}" for s in range(5)]
