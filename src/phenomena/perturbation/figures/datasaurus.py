"""Figure: the start blob and each annealed shape, with their (equal) summary statistics."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from phenomena.perturbation.figures import STATISTIC_LABELS


def statistics_at(statistics: pd.DataFrame, target: str, step: int) -> dict[str, float]:
    rows = statistics[(statistics["target"] == target) & (statistics["step"] == step)]
    return dict(zip(rows["metric"], rows["value"]))


def agreeing_decimals(rows: list[tuple[str, dict[str, float]]], most: int = 4) -> int:
    """The most decimals (up to ``most``) to which every shape's statistics equal the start's:
    read from the table, so the title stays true for any ``datasaurus.decimals``."""
    start = rows[0][1]
    for decimals in range(most, -1, -1):
        rounded = {key: round(start[key], decimals) for key in STATISTIC_LABELS}
        if all(round(values[key], decimals) == rounded[key] for _, values in rows for key in STATISTIC_LABELS):
            return decimals
    return 0


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def plot(frames: pd.DataFrame, statistics: pd.DataFrame) -> plt.Figure:
    targets = list(dict.fromkeys(frames["target"]))
    first = frames[(frames["target"] == targets[0]) & (frames["frame"] == 0)]
    panels = [("start", first)] + [
        (target, frames[(frames["target"] == target) & (frames["frame"] == frames["frame"].max())])
        for target in targets
    ]
    figure = plt.figure(figsize=(2.6 * len(panels), 4.6))
    grid = figure.add_gridspec(2, len(panels), height_ratios=[2.6, 1.3], hspace=0.05)
    limits = (frames["x"].min() - 3, frames["x"].max() + 3), (frames["y"].min() - 3, frames["y"].max() + 3)
    for column, (name, points) in enumerate(panels):
        axis = figure.add_subplot(grid[0, column])
        axis.scatter(points["x"], points["y"], s=7, color="C0" if name == "start" else "C1", linewidths=0)
        axis.set(xlim=limits[0], ylim=limits[1], aspect="equal", xticks=[], yticks=[], title=name)
    table_axis = figure.add_subplot(grid[1, :])
    table_axis.axis("off")
    last_step = int(statistics["step"].max())
    rows = [("start", statistics_at(statistics, targets[0], 0))]
    rows += [(target, statistics_at(statistics, target, last_step)) for target in targets]
    cells = [
        [f"{values[key]:.2f}" for key in STATISTIC_LABELS]
        + ["-" if name == "start" else f"{values['mean_distance']:.2f}"]
        for name, values in rows
    ]
    labels = [*STATISTIC_LABELS.values(), "mean distance to target"]
    table = table_axis.table(
        cellText=cells,
        rowLabels=[name for name, _ in rows],
        colLabels=labels,
        colWidths=[0.13] * (len(labels) - 1) + [0.3],  # the last header is the long one
        loc="center",
        cellLoc="center",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(10)
    table.scale(1, 1.4)
    figure.suptitle(
        f"Same statistics to {plural(agreeing_decimals(rows), 'decimal')}, different shapes\n"
        f"(simulated annealing, {last_step:,} proposed one-point moves per shape)",
        y=1.02,
    )
    return figure
