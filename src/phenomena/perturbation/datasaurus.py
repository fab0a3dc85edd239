"""Same statistics, different shape: simulated annealing after Matejka & Fitzmaurice (2017).

"Same Stats, Different Graphs: Generating Datasets with Varied Appearance and Identical
Statistics through Simulated Annealing", CHI 2017. Each iteration moves one random point by
a small Gaussian step and keeps the move only if (1) the five summary statistics (mean and
standard deviation of x and y, Pearson correlation) rounded to ``decimals`` still equal the
start's and (2) the point got closer to the target shape, or a coin with the current
temperature's probability says to keep a worse move anyway. The temperature falls linearly
over the run, so early moves wander and late moves only approach the target.

The statistics are updated from running sums in O(1) per move (the inner loop is plain
Python: one point at a time, ~5-20 microseconds per iteration).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from phenomena.common.provenance import write_meta
from phenomena.common.tables import records_to_tidy, write_parquet
from phenomena.perturbation.shapes import Shape, start_points, target_shape

STUDY = "perturbation"
STATISTICS = ("mean_x", "mean_y", "sd_x", "sd_y", "correlation")


def statistics(points: np.ndarray) -> dict[str, float]:
    """Means, sample standard deviations (ddof 1) and Pearson correlation of (n, 2) points."""
    points = np.asarray(points, dtype=float)
    sd = points.std(axis=0, ddof=1)
    return {
        "mean_x": float(points[:, 0].mean()),
        "mean_y": float(points[:, 1].mean()),
        "sd_x": float(sd[0]),
        "sd_y": float(sd[1]),
        "correlation": float(np.corrcoef(points[:, 0], points[:, 1])[0, 1]),
    }


def rounded(stats: dict[str, float], decimals: int) -> tuple[float, ...]:
    return tuple(round(stats[name], decimals) for name in STATISTICS)


class RunningSums:
    """Sums of x, y, x^2, y^2 and xy: the five statistics of a point cloud after a one-point move."""

    def __init__(self, points: np.ndarray):
        x, y = points[:, 0], points[:, 1]
        self.n = len(points)
        self.sums = [float(x.sum()), float(y.sum()), float((x * x).sum()), float((y * y).sum()), float((x * y).sum())]

    def moved(self, old: tuple[float, float], new: tuple[float, float]) -> list[float]:
        (ox, oy), (nx, ny) = old, new
        sx, sy, sxx, syy, sxy = self.sums
        return [sx - ox + nx, sy - oy + ny, sxx - ox * ox + nx * nx, syy - oy * oy + ny * ny, sxy - ox * oy + nx * ny]

    def rounded_statistics(self, sums: list[float], decimals: int) -> tuple[float, ...]:
        n = self.n
        sx, sy, sxx, syy, sxy = sums
        var_x, var_y = (sxx - sx * sx / n) / (n - 1), (syy - sy * sy / n) / (n - 1)
        cov = (sxy - sx * sy / n) / (n - 1)
        values = (sx / n, sy / n, math.sqrt(var_x), math.sqrt(var_y), cov / math.sqrt(var_x * var_y))
        return tuple(round(v, decimals) for v in values)


@dataclass(frozen=True)
class AnnealingSettings:
    iterations: int = 200_000
    frames: int = 50  # snapshots of the points, evenly spaced (the start and the end included)
    decimals: int = 2
    step: float = 0.3  # standard deviation of a move, in data units
    temperature_start: float = 0.4  # probability of keeping a move that does not approach the target
    temperature_end: float = 0.01


def anneal(start: np.ndarray, shape: Shape, settings: AnnealingSettings, seed: int) -> list[tuple[int, np.ndarray]]:
    """Move the points of ``start`` onto ``shape`` keeping their rounded statistics.

    Returns ``(iteration, points)`` snapshots, the first at iteration 0 and the last at
    ``settings.iterations``.
    """
    rng = random.Random(seed)
    points = np.array(start, dtype=float)
    xs, ys = points[:, 0].tolist(), points[:, 1].tolist()
    sums = RunningSums(points)
    target_statistics = sums.rounded_statistics(sums.sums, settings.decimals)
    distance = shape.distance
    n, iterations = len(xs), settings.iterations
    snapshot_at = set(np.linspace(0, iterations, settings.frames).round().astype(int).tolist())
    snapshots = [(0, points.copy())]
    for iteration in range(1, iterations + 1):
        temperature = settings.temperature_start + (settings.temperature_end - settings.temperature_start) * (
            iteration / iterations
        )
        i = rng.randrange(n)
        old = (xs[i], ys[i])
        new = (old[0] + rng.gauss(0.0, settings.step), old[1] + rng.gauss(0.0, settings.step))
        closer = distance(*new) < distance(*old)
        if closer or rng.random() < temperature:
            moved = sums.moved(old, new)
            if sums.rounded_statistics(moved, settings.decimals) == target_statistics:
                xs[i], ys[i] = new
                sums.sums = moved
        if iteration in snapshot_at:
            snapshot = np.stack([xs, ys], axis=1)
            sums = RunningSums(snapshot)  # re-sum now and then: no drift from millions of updates
            snapshots.append((iteration, snapshot))
    return snapshots


def frames_table(snapshots: list[tuple[int, np.ndarray]], target: str) -> pd.DataFrame:
    """Points of every snapshot, one row per (frame, point): columns target, frame, iteration, point, x, y."""
    rows = [
        pd.DataFrame(
            {
                "target": target,
                "frame": frame,
                "iteration": iteration,
                "point": np.arange(len(points)),
                "x": points[:, 0],
                "y": points[:, 1],
            }
        )
        for frame, (iteration, points) in enumerate(snapshots)
    ]
    return pd.concat(rows, ignore_index=True).astype({"target": "string"})


def statistics_records(
    snapshots: list[tuple[int, np.ndarray]], shape: Shape, tolerance: float
) -> list[dict[str, float]]:
    """Per snapshot: the five statistics, mean distance to the shape, share of points within ``tolerance``."""
    records = []
    for iteration, points in snapshots:
        distances = shape.distances(points)
        record = {"step": iteration, **statistics(points)}
        record["mean_distance"] = float(distances.mean())
        record["within_tolerance"] = float((distances <= tolerance).mean())
        records.append(record)
    return records


STATISTIC_METRICS = {name: ("points", name) for name in (*STATISTICS, "mean_distance", "within_tolerance")}
"""Record key -> (split, metric) of the statistics table."""


def run_datasaurus(settings: dict, run_dir: str | Path) -> pd.DataFrame:
    """Anneal the start blob onto one target; write frames.parquet, statistics.parquet, meta.json."""
    started, run_dir = dt.datetime.now(dt.timezone.utc), Path(run_dir)
    start = start_points(settings["points"], settings["seed"])
    shape = target_shape(settings["target"], start, settings["target_slack"])
    annealing = AnnealingSettings(
        iterations=settings["iterations"],
        frames=settings["frames"],
        decimals=settings["decimals"],
        step=settings["step"],
        temperature_start=settings["temperature"]["start"],
        temperature_end=settings["temperature"]["end"],
    )
    snapshots = anneal(start, shape, annealing, seed=settings["seed"])
    write_parquet(frames_table(snapshots, settings["target"]), run_dir / "frames.parquet", tidy=False)
    records = statistics_records(snapshots, shape, settings["tolerance"])
    table = records_to_tidy(
        records,
        STATISTIC_METRICS,
        study=STUDY,
        run=settings["run"],
        seed=settings["seed"],
        sweep={"part": "datasaurus", "target": settings["target"]},
    )
    write_parquet(table, run_dir / "statistics.parquet")
    finished = dt.datetime.now(dt.timezone.utc)
    write_meta(run_dir / "meta.json", config=settings, seed=settings["seed"], started=started, finished=finished)
    last = records[-1]
    print(
        f"{settings['target']}: mean distance {records[0]['mean_distance']:.2f} -> {last['mean_distance']:.3f}, "
        f"{last['within_tolerance']:.1%} of points within {settings['tolerance']}",
        flush=True,
    )
    return table
