"""Run names built from sweep points, e.g. ``add_p97_frac0.3_wd1_adamw_seed0``."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence


def format_value(value: object) -> str:
    """Shortest faithful text of a sweep value: 1.0 -> '1', 0.30 -> '0.3', 1e-4 -> '0.0001'."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.10f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return str(value)


def run_name(fields: Sequence[tuple[str, object]]) -> str:
    """Join ``(label, value)`` pairs into a run name; an empty label writes the value alone.

    >>> run_name([("", "add"), ("p", 97), ("frac", 0.3), ("seed", 0)])
    'add_p97_frac0.3_seed0'
    """
    return "_".join(f"{label}{format_value(value)}" for label, value in fields)


def expand_grid(grid: Mapping[str, Sequence[object]]) -> list[dict[str, object]]:
    """Every combination of a grid of lists, in the order the keys and values are given."""
    keys = list(grid)
    return [dict(zip(keys, values)) for values in itertools.product(*(grid[k] for k in keys))]


def union_of_grids(grids: Iterable[Mapping[str, Sequence[object]]]) -> list[dict[str, object]]:
    """Points of several grids, each point once, in first-seen order."""
    seen: dict[tuple, dict[str, object]] = {}
    for grid in grids:
        for point in expand_grid(grid):
            seen.setdefault(tuple(sorted(point.items())), point)
    return list(seen.values())
