"""Figure: reverse diffusion from Gaussian noise and from a line, snapshots and distance to the data."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

START_LABELS = {"noise": "Gaussian noise", "line": "a line"}
SAMPLER_LABELS = {"ddpm": "DDPM (fresh noise each step)", "ddim": "DDIM (deterministic)"}


def plot(distances: pd.DataFrame, points: pd.DataFrame) -> plt.Figure:
    seed = int(points["seed"].min())
    points = points[points["seed"] == seed]
    distances = distances[distances["seed"] == seed]
    samplers = list(dict.fromkeys(points.loc[points["sampler"] != "data", "sampler"]))
    combos = [(sampler, start) for sampler in samplers for start in START_LABELS]
    steps = sorted(points.loc[points["sampler"] != "data", "step"].unique())
    last = int(distances["step"].max())
    data = points[points["sampler"] == "data"]
    figure = plt.figure(figsize=(1.9 * (len(steps) + 1), 1.9 * len(combos) + 3.2))
    grid = figure.add_gridspec(len(combos) + 1, len(steps) + 1, height_ratios=[1] * len(combos) + [1.7], hspace=0.3)
    for row, (sampler, start) in enumerate(combos):
        for column, step in enumerate([*steps, None]):
            axis = figure.add_subplot(grid[row, column])
            shown = (
                data
                if step is None
                else points[(points["sampler"] == sampler) & (points["start"] == start) & (points["step"] == step)]
            )
            axis.scatter(shown["x"], shown["y"], s=2, linewidths=0, color="0.4" if step is None else f"C{row}")
            axis.set(xlim=(-3.2, 3.2), ylim=(-3.2, 3.2), aspect="equal", xticks=[], yticks=[])
            if row == 0:
                axis.set_title("held-out data" if step is None else f"step {step} of {last}", fontsize=9)
            if column == 0:
                axis.set_ylabel(f"{sampler.upper()}\nfrom {start}", fontsize=9)
    axis = figure.add_subplot(grid[-1, :])
    for index, (sampler, start) in enumerate(combos):
        curve = distances[(distances["sampler"] == sampler) & (distances["split"] == start)].sort_values("step")
        final = curve["value"].iloc[-1]
        label = f"{SAMPLER_LABELS[sampler]} from {START_LABELS[start]}: {final:.3f}"
        axis.plot(
            curve["step"], curve["value"], color=f"C{index}", label=label, linestyle="-" if sampler == "ddpm" else "--"
        )
    floor = distances.loc[distances["split"] == "held_out", "value"].iloc[0]
    axis.axhline(floor, color="0.3", linestyle=":", label=f"held-out floor (two data samples): {floor:.3f}")
    axis.set(
        xlabel="sampling step (0 = start x_T, last = sample x_0)",
        ylabel="sliced Wasserstein\ndistance to data",
        xlim=(0, last),
        ylim=(0, None),
    )
    axis.legend(fontsize=8, loc="upper right")
    figure.suptitle("A diffusion model run backwards from noise and from a line (swiss roll)", y=0.995)
    return figure
