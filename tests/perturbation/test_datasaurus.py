"""Same-statistics annealing: the statistics never move, the points reach the target."""

from __future__ import annotations

import numpy as np
import pytest

from phenomena.perturbation.datasaurus import (
    AnnealingSettings,
    RunningSums,
    anneal,
    rounded,
    statistics,
    statistics_records,
)
from phenomena.perturbation.shapes import TARGETS, start_points, target_shape


def test_running_sums_give_the_statistics_of_the_moved_cloud():
    points = start_points(50, seed=3)
    sums = RunningSums(points)
    moved = points.copy()
    moved[7] += (1.5, -2.0)
    expected = rounded(statistics(moved), 6)
    assert sums.rounded_statistics(sums.moved(tuple(points[7]), tuple(moved[7])), 6) == expected


@pytest.mark.parametrize("name", TARGETS)
def test_distance_in_python_matches_numpy_and_is_zero_on_the_shape(name):
    start = start_points(142, seed=0)
    shape = target_shape(name, start)
    probe = np.random.default_rng(1).uniform(0, 100, size=(40, 2))
    assert np.allclose([shape.distance(x, y) for x, y in probe], shape.distances(probe))
    outline = shape.outline()
    on_shape = outline[~np.isnan(outline).any(axis=1)]
    assert shape.distances(on_shape).max() < 1e-6


def test_targets_sit_on_the_start_means():
    start = start_points(142, seed=0)
    mean = start.mean(axis=0)
    for name in TARGETS:
        shape = target_shape(name, start)
        assert np.allclose(shape.center, mean)


@pytest.mark.parametrize("name", ["circle", "x"])
def test_annealing_reaches_the_target_with_the_statistics_equal_to_two_decimals(name):
    start = start_points(142, seed=0)
    shape = target_shape(name, start, slack=1.1)
    settings = AnnealingSettings(iterations=100_000, frames=5, decimals=2, step=0.3)
    snapshots = anneal(start, shape, settings, seed=0)
    records = statistics_records(snapshots, shape, tolerance=1.0)
    assert records[0]["mean_distance"] > 3.0  # the blob starts far from the shape
    assert records[-1]["mean_distance"] <= 1.0  # the target's tolerance
    start_statistics = rounded(statistics(start), 2)
    for _, points in snapshots:
        assert rounded(statistics(points), 2) == start_statistics
    assert not np.allclose(snapshots[-1][1], start)


def test_annealing_is_deterministic_given_the_seed():
    start = start_points(30, seed=0)
    shape = target_shape("star", start)
    settings = AnnealingSettings(iterations=2_000, frames=3)
    first, second = anneal(start, shape, settings, seed=5), anneal(start, shape, settings, seed=5)
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(first, second))


def test_the_figure_title_states_the_decimals_the_shapes_really_share():
    from phenomena.perturbation.figures.datasaurus import agreeing_decimals

    start = {"mean_x": 48.214, "mean_y": 51.38, "sd_x": 14.94, "sd_y": 15.38, "correlation": 0.13}
    two = {**start, "mean_x": 48.2149}
    one = {**start, "correlation": 0.08}
    assert agreeing_decimals([("start", start), ("star", two)]) == 2
    assert agreeing_decimals([("start", start), ("star", two), ("lines", one)]) == 1
