"""Figure: the sample-wise map, test error over (training-set size, width), with each width's
interpolation size n*(w), and test error vs size for three widths."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from phenomena.common.plotting import PALETTE, compact_number
from phenomena.double_descent.figures import noise_label


def plot(final: pd.DataFrame, summary: pd.DataFrame) -> plt.Figure:
    """Heat map of seed-mean test error (cells: the size grid x the widths) with the n*(w) curve
    and each width's peak; beside it three widths' test error vs size, seed range as bands.

    The first label-noise level with a sample-wise sweep is drawn (the default has one, 15%).
    """
    data = final[(final["sweep"] == "sample_wise") & (final["metric"] == "error") & (final["split"] == "test")]
    noise = sorted(data["label_noise"].unique())[-1]
    data = data[data["label_noise"] == noise]
    own = summary[summary["label_noise"] == noise].set_index("width")
    grid = data.pivot_table(index="width", columns="num_train", values="value", aggfunc="mean")
    widths, sizes = grid.index.to_numpy(), grid.columns.to_numpy()
    figure, (map_axis, line_axis) = plt.subplots(1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [1.15, 1]})
    figure.subplots_adjust(wspace=0.4)
    image = map_axis.pcolormesh(grid.to_numpy(), cmap="rocket_r", shading="flat")
    figure.colorbar(image, ax=map_axis, label="test error (mean over seeds)")
    map_axis.set_xticks(np.arange(len(sizes)) + 0.5, [compact_number(n) for n in sizes])
    map_axis.set_yticks(np.arange(len(widths)) + 0.5, [str(w) for w in widths])
    rows = np.arange(len(widths)) + 0.5
    map_axis.plot(
        _grid_position(own["interpolation_size"].reindex(widths), sizes),
        rows,
        color="white",
        marker="o",
        linewidth=2,
        label="n*(w): largest size still fitted",
    )
    map_axis.scatter(
        _grid_position(own["peak_size"].reindex(widths), sizes),
        rows,
        marker="x",
        s=60,
        color="tab:cyan",
        zorder=5,
        label="test-error peak",
    )
    map_axis.set_xlabel("training examples n")
    map_axis.set_ylabel("hidden width")
    map_axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize="small", frameon=False)
    _size_curves(line_axis, data, own, sizes, _three_widths(widths, own))
    figure.suptitle(f"Sample-wise view ({noise_label(noise)}): does more data hurt near each width's n*(w)?", y=1.0)
    return figure


def _grid_position(values: pd.Series, sizes: np.ndarray) -> np.ndarray:
    """Cell-centre x positions of sizes on the heat map's categorical axis (NaN stays NaN)."""
    index = {size: position + 0.5 for position, size in enumerate(sizes)}
    return np.array([index.get(value, np.nan) for value in values])


def _three_widths(widths: np.ndarray, summary: pd.DataFrame) -> list[int]:
    """The smallest, a middle and the largest width whose n*(w) lies inside the grid, else the extremes."""
    inside = [w for w in widths if pd.notna(summary.loc[w, "interpolation_size"])] or list(widths)
    picked = [inside[0], inside[len(inside) // 2], inside[-1]]
    return sorted(set(picked))


def _size_curves(axis: plt.Axes, data: pd.DataFrame, summary: pd.DataFrame, sizes, widths: list[int]) -> None:
    """Test error vs size for ``widths``: mean over seeds, band = seed range, n*(w) dotted."""
    colours = dict(zip(widths, sns.color_palette(PALETTE, len(widths))))
    for width in widths:
        own = data[data["width"] == width]
        sns.lineplot(
            data=own,
            x="num_train",
            y="value",
            estimator="mean",
            errorbar=("pi", 100),
            marker="o",
            markersize=4,
            color=colours[width],
            label=f"width {width}",
            ax=axis,
        )
        threshold = summary.loc[width, "interpolation_size"]
        if pd.notna(threshold):
            axis.axvline(threshold, color=colours[width], linestyle=":", linewidth=1.2)
    axis.set_xscale("log")
    axis.set_xticks(sizes, [compact_number(n) for n in sizes])
    axis.minorticks_off()
    axis.set_xlabel("training examples n (log); dotted: n*(w)")
    axis.set_ylabel("test error")
    axis.legend(fontsize="small")
