"""The Datasaurus annealing as an animated GIF: every target side by side, frame by frame."""

from __future__ import annotations

import base64
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.animation import FuncAnimation, PillowWriter

from phenomena.common.files import atomic_path, write_text_atomic


def save_animation(frames: pd.DataFrame, statistics: pd.DataFrame, path: str | Path, fps: int = 8) -> None:
    """Write the annealing of every target as one GIF (Pillow), a frame per recorded snapshot."""
    targets = list(dict.fromkeys(frames["target"]))
    figure, axes = plt.subplots(1, len(targets), figsize=(2.6 * len(targets), 3.1), squeeze=False)
    axes = axes[0]
    limits = (frames["x"].min() - 3, frames["x"].max() + 3), (frames["y"].min() - 3, frames["y"].max() + 3)
    scatters = []
    for axis, target in zip(axes, targets):
        axis.set(xlim=limits[0], ylim=limits[1], aspect="equal", xticks=[], yticks=[], title=target)
        scatters.append(axis.scatter([], [], s=6, color="C1", linewidths=0))
    caption = figure.text(0.5, 0.01, "", ha="center", fontsize=8)
    frame_numbers = sorted(frames["frame"].unique())

    def draw(frame: int):
        for scatter, target in zip(scatters, targets):
            points = frames[(frames["target"] == target) & (frames["frame"] == frame)]
            scatter.set_offsets(points[["x", "y"]].to_numpy())
        step = int(frames.loc[frames["frame"] == frame, "iteration"].iloc[0])
        values = statistics[(statistics["target"] == targets[0]) & (statistics["step"] == step)]
        stats = dict(zip(values["metric"], values["value"]))
        caption.set_text(
            f"move {step:,}: mean ({stats['mean_x']:.2f}, {stats['mean_y']:.2f}), "
            f"sd ({stats['sd_x']:.2f}, {stats['sd_y']:.2f}), corr {stats['correlation']:.2f} in every panel"
        )
        return [*scatters, caption]

    hold = [frame_numbers[-1]] * fps  # rest on the final shapes for a second
    animation = FuncAnimation(figure, draw, frames=[*frame_numbers, *hold], blit=False)
    with atomic_path(path) as temporary:
        animation.save(temporary, writer=PillowWriter(fps=fps))
    plt.close(figure)


def save_animation_page(gif: str | Path, path: str | Path) -> None:
    """The GIF embedded in a standalone HTML page: Snakemake's report shows HTML, not a GIF."""
    data = base64.b64encode(Path(gif).read_bytes()).decode()
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Datasaurus annealing</title></head>"
        f"<body><img alt='datasaurus annealing' src='data:image/gif;base64,{data}'></body></html>"
    )
    write_text_atomic(path, page)
