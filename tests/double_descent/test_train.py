"""Tiny Lightning runs of the double-descent study (seconds each), and the phenomena themselves."""

import json

import numpy as np
import pandas as pd
import pytest

from phenomena.common.tables import check_tidy
from phenomena.double_descent.data import make_mnist1d, make_training_set
from phenomena.double_descent.module import recorded_epochs
from phenomena.double_descent.random_features import feature_sweep
from phenomena.double_descent.train import train_job, train_size_grid


@pytest.fixture(scope="module")
def source():
    return make_mnist1d(num_samples=1500, train_split=0.8, seed=42)  # 1200 train / 300 test


def members(width, pairs, num_train=300):
    return [
        {"model": "mlp", "width": width, "num_train": num_train, "label_noise": noise, "seed": seed}
        for noise, seed in pairs
    ]


def settings(member_list, epochs=4, lr=3e-3, batch_size=50, checkpoint_every=2):
    return {
        "members": member_list,
        "model": {"name": "mlp", "hidden_layers": 2},
        "optimizer": {"lr": lr},
        "training": {
            "epochs": epochs,
            "batch_size": batch_size,
            "checkpoint_every": checkpoint_every,
            "augment": False,
        },
    }


def test_job_writes_tidy_curves_for_every_member_and_epoch(source, tmp_path):
    stack = members(16, [(0.0, 0), (0.2, 0), (0.2, 1)])
    curves = train_job(settings(stack), source, tmp_path / "run")
    check_tidy(curves)
    assert curves["run"].nunique() == 3 and sorted(curves["step"].unique()) == [1, 2, 3, 4]
    assert set(zip(curves["split"], curves["metric"])) == {(s, m) for s in ("train", "test") for m in ("loss", "error")}
    assert (curves["parameters"] == 40 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 10).all()
    meta = json.loads((tmp_path / "run" / "meta.json").read_text())
    assert meta["epochs"] == 4 and meta["steps"] == 4 * 6


def test_stacked_members_equal_members_trained_alone(source, tmp_path):
    stack = members(24, [(0.0, 0), (0.2, 1), (0.2, 2)])
    together = train_job(settings(stack), source, tmp_path / "together")
    for index, member in enumerate(stack):
        alone = train_job(settings([member]), source, tmp_path / f"alone{index}")
        mine = together[together["run"] == alone["run"].iloc[0]].reset_index(drop=True)
        np.testing.assert_allclose(mine["value"], alone["value"], rtol=1e-4, atol=1e-5)


def test_resumed_job_equals_uninterrupted_job(source, tmp_path):
    stack = members(16, [(0.2, 0), (0.2, 1)])
    whole = train_job(settings(stack, epochs=6), source, tmp_path / "whole")
    train_job(settings(stack, epochs=4), source, tmp_path / "resumed")  # as if stopped after epoch 4
    resumed = train_job(settings(stack, epochs=6), source, tmp_path / "resumed")
    pd.testing.assert_frame_equal(whole, resumed)


def test_size_grid_trains_each_size_as_its_own_stack_and_skips_finished_ones(source, tmp_path):
    source_path = tmp_path / "source.pt"
    source.save(source_path)
    stacks = [members(16, [(0.2, 0), (0.2, 1)], num_train=n) for n in (200, 400)]
    grid = {**settings([], epochs=3), "stacks": stacks}
    grid.pop("members")
    curves = train_size_grid(grid, source_path, tmp_path / "grid")
    check_tidy(curves)
    assert curves.groupby("num_train")["run"].nunique().to_dict() == {200: 2, 400: 2}
    alone = train_job(settings(stacks[1], epochs=3), source, tmp_path / "alone")
    pd.testing.assert_frame_equal(curves[curves["num_train"] == 400].reset_index(drop=True), alone)
    finished = tmp_path / "grid" / "n200" / "meta.json"
    stamp = finished.stat().st_mtime_ns
    (tmp_path / "grid" / "meta.json").unlink()  # the job stopped before its own outputs
    again = train_size_grid(grid, source_path, tmp_path / "grid")
    pd.testing.assert_frame_equal(again, curves)
    assert finished.stat().st_mtime_ns == stamp  # read, not retrained


def test_size_grid_measures_only_the_recorded_epochs_and_trains_the_same(source, tmp_path):
    source_path = tmp_path / "source.pt"
    source.save(source_path)
    stack = members(16, [(0.2, 0)], num_train=200)
    every_epoch = {**settings([], epochs=7), "stacks": [stack]}
    every_epoch.pop("members")
    sparse = {**every_epoch, "recording": {"every": 3, "last": 2}}
    full = train_size_grid(every_epoch, source_path, tmp_path / "full")
    measured = train_size_grid(sparse, source_path, tmp_path / "sparse")
    assert sorted(measured["step"].unique()) == [3, 6, 7]  # every 3rd epoch and the last 2
    same_epochs = full[full["step"].isin([3, 6, 7])].reset_index(drop=True)
    pd.testing.assert_frame_equal(measured.reset_index(drop=True), same_epochs)


def test_log_spaced_recording_keeps_the_early_epochs_and_the_last():
    epochs = recorded_epochs({"epochs": 150, "last": 10, "log_points": 40})
    assert set(range(1, 12)) <= epochs  # the early epochs, where error moves fastest
    assert set(range(141, 151)) <= epochs  # the epochs the end-of-training errors average
    assert len(epochs) == 40 and 100 < max(e for e in epochs if e <= 140) < 141


def test_random_features_peak_at_features_equal_samples(source):
    data = make_training_set(source, num_train=200, noise=0.0, seed=0)
    counts = [50, 100, 150, 180, 200, 220, 300, 600, 1200]
    records = feature_sweep(data, counts, seed=0)
    mse = {r["features"]: r["test_mse"] for r in records}
    assert max(mse, key=mse.get) == 200
    assert mse[200] > 5 * mse[1200] and mse[200] > 5 * mse[50]
    assert records[-1]["train_mse"] < 1e-12  # past the threshold the fit interpolates


@pytest.mark.slow
def test_label_noise_makes_test_error_rise_where_the_model_starts_to_interpolate(tmp_path):
    """Three widths of the default sweep (MNIST-1D 4000/4000, 150 epochs, seed 0).

    Width 21 underfits, 61 just interpolates, 300 interpolates easily. With 15% label noise,
    test error rises from 21 to 61 and falls again by 300; without noise it only falls.
    """
    source = make_mnist1d(num_samples=8000, train_split=0.5, seed=42)  # the default data
    final = {}
    for width in (21, 61, 300):
        stack = members(width, [(0.0, 0), (0.15, 0)], num_train=4000)
        curves = train_job(
            settings(stack, epochs=150, batch_size=100, checkpoint_every=150),
            source,
            tmp_path / f"w{width}",
        )
        last = curves[curves["step"] == 150]
        final[width] = last.pivot_table(index="label_noise", columns=["split", "metric"], values="value")
    test = {w: final[w][("test", "error")] for w in final}
    train = {w: final[w][("train", "error")] for w in final}
    assert (train[21] > 0.2).all() and (train[61] <= 0.02).all() and (train[300] == 0).all()
    noisy, clean = 0.15, 0.0
    assert test[61][noisy] > test[21][noisy] + 0.03  # the rise: more capacity, worse test error
    assert test[61][noisy] > 1.15 * test[300][noisy]  # and the second descent
    assert test[61][clean] < test[21][clean]  # without noise: no rise
