"""The start point cloud and the target shapes of the same-statistics (Datasaurus) part.

Coordinates live on a 0-100 scale as in Matejka & Fitzmaurice (2017). Each target is
defined geometrically in unit coordinates, then scaled to the start's means and standard
deviations, so that points lying on it can still have the start's statistics: a target
the statistics cannot reach would leave the annealing nothing to converge to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

TARGETS = ("circle", "lines", "star", "x")
ARC_SAMPLES = 4000  # points along a polyline to measure its spread


def start_points(num_points: int, seed: int, center: float = 50.0, spread: float = 15.0) -> np.ndarray:
    """A Gaussian blob of ``num_points`` points, shape (n, 2), drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    return rng.normal(center, spread, size=(num_points, 2))


@dataclass(frozen=True)
class Shape:
    """A target: a circle (``radius`` > 0) or a set of line segments ``(k, 2, 2)``."""

    name: str
    center: tuple[float, float]
    radius: float = 0.0
    segments: tuple[tuple[float, float, float, float], ...] = ()  # (ax, ay, bx, by)

    def distance(self, x: float, y: float) -> float:
        """Distance of one point to the shape, in plain Python (the annealing's inner loop)."""
        if self.radius > 0:
            return abs(math.hypot(x - self.center[0], y - self.center[1]) - self.radius)
        best = math.inf
        for ax, ay, bx, by in self.segments:
            dx, dy = bx - ax, by - ay
            t = ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)
            t = 0.0 if t < 0.0 else (1.0 if t > 1.0 else t)
            best = min(best, math.hypot(x - ax - t * dx, y - ay - t * dy))
        return best

    def distances(self, points: np.ndarray) -> np.ndarray:
        """Distance of each point of ``points`` (n, 2) to the shape."""
        points = np.asarray(points, dtype=float)
        if self.radius > 0:
            return np.abs(np.hypot(points[:, 0] - self.center[0], points[:, 1] - self.center[1]) - self.radius)
        segments = np.asarray(self.segments, dtype=float)  # (k, 4)
        start, delta = segments[:, :2], segments[:, 2:] - segments[:, :2]
        offset = points[:, None, :] - start[None]  # (n, k, 2)
        t = np.clip((offset * delta[None]).sum(-1) / (delta**2).sum(-1)[None], 0.0, 1.0)
        return np.linalg.norm(offset - t[..., None] * delta[None], axis=-1).min(axis=1)

    def outline(self, points_per_unit: int = 200) -> np.ndarray:
        """Points along the shape for drawing it, (m, 2); NaN rows separate the pieces."""
        if self.radius > 0:
            angle = np.linspace(0, 2 * np.pi, 361)
            return np.stack(
                [self.center[0] + self.radius * np.cos(angle), self.center[1] + self.radius * np.sin(angle)], 1
            )
        pieces = []
        for ax, ay, bx, by in self.segments:
            pieces += [[ax, ay], [bx, by], [np.nan, np.nan]]
        return np.asarray(pieces)


def unit_polylines(name: str) -> list[np.ndarray]:
    """The target's pieces in unit coordinates, each an (m, 2) polyline."""
    if name == "lines":  # three horizontal lines
        return [np.array([[-1.0, y], [1.0, y]]) for y in (-1.0, 0.0, 1.0)]
    if name == "x":
        return [np.array([[-1.0, -1.0], [1.0, 1.0]]), np.array([[-1.0, 1.0], [1.0, -1.0]])]
    if name == "star":  # five points, inner radius 0.38 of the outer
        angles = np.pi / 2 + np.arange(11) * np.pi / 5
        radii = np.where(np.arange(11) % 2 == 0, 1.0, 0.38)
        return [np.stack([radii * np.cos(angles), radii * np.sin(angles)], 1)]
    raise ValueError(f"unknown target {name!r}; known: {', '.join(TARGETS)}")


def arc_samples(polylines: list[np.ndarray], count: int = ARC_SAMPLES) -> np.ndarray:
    """``count`` points spread evenly by arc length over the polylines."""
    segments = np.concatenate([np.stack([line[:-1], line[1:]], 1) for line in polylines])  # (k, 2, 2)
    lengths = np.linalg.norm(segments[:, 1] - segments[:, 0], axis=1)
    positions = (np.arange(count) + 0.5) / count * lengths.sum()
    index = np.searchsorted(np.cumsum(lengths), positions)
    t = (positions - np.concatenate([[0.0], np.cumsum(lengths)[:-1]])[index]) / lengths[index]
    return segments[index, 0] + t[:, None] * (segments[index, 1] - segments[index, 0])


def target_shape(name: str, start: np.ndarray, slack: float = 1.15) -> Shape:
    """Target ``name`` placed on the start's means and scaled to its standard deviations.

    The circle has radius ``sqrt(sd_x^2 + sd_y^2)``: points on it can match both standard
    deviations by how they crowd along it. A polyline is scaled per axis so that points
    spread evenly along it would have ``slack`` times the start's standard deviations: the
    points then reach the start's by crowding towards the middle. Without slack (1.0) the
    only fit is the even spread, and points stuck beyond the outer pieces stay there.
    """
    mean, sd = start.mean(axis=0), start.std(axis=0, ddof=1)
    if name == "circle":
        return Shape(name, (float(mean[0]), float(mean[1])), radius=float(np.hypot(*sd)))
    polylines = unit_polylines(name)
    along = arc_samples(polylines)
    scale = slack * sd / along.std(axis=0)
    center = along.mean(axis=0)
    segments = []
    for line in polylines:
        placed = mean + (line - center) * scale
        segments += [tuple(float(v) for v in (*a, *b)) for a, b in zip(placed[:-1], placed[1:])]
    return Shape(name, (float(mean[0]), float(mean[1])), segments=tuple(segments))
