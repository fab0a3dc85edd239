"""Figure: the sample-wise map's positive control, random-feature test error vs training-set size."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from phenomena.common.plotting import PALETTE, compact_number
from phenomena.double_descent.figures import noise_label


def plot(curves: pd.DataFrame, summary: pd.DataFrame) -> plt.Figure:
    """Test error (left) and train error (right) vs size for each feature count P: mean over
    seeds, band = seed range; dotted at n = P, crosses at the detector's peak (seed mean).

    The last label-noise level is drawn (the default has one, 15%)."""
    noise = sorted(curves["label_noise"].unique())[-1]
    data = curves[(curves["label_noise"] == noise) & (curves["metric"] == "error")]
    own = summary[summary["label_noise"] == noise].set_index("features")
    counts = sorted(data["features"].unique())
    colours = dict(zip(counts, sns.color_palette(PALETTE, len(counts))))
    sizes = sorted(data["num_train"].unique())
    figure, (test_axis, train_axis) = plt.subplots(1, 2, figsize=(10, 3.8))
    for axis, split in ((test_axis, "test"), (train_axis, "train")):
        for count in counts:
            sns.lineplot(
                data=data[(data["split"] == split) & (data["features"] == count)],
                x="num_train",
                y="value",
                estimator="mean",
                errorbar=("pi", 100),
                marker="o",
                markersize=4,
                color=colours[count],
                label=f"P = {compact_number(count)}",
                ax=axis,
            )
            axis.axvline(count, color=colours[count], linestyle=":", linewidth=1.2)
        axis.set_xscale("log")
        axis.set_xticks(sizes, [compact_number(n) for n in sizes])
        axis.minorticks_off()
        axis.set_xlabel("training examples n (log); dotted: n = P")
        axis.set_ylabel(f"{split} error")
    peaks = own[own["peak_size"].notna()]
    test_axis.scatter(peaks["peak_size"], peaks["peak_test_error"], marker="x", s=60, color="black", zorder=5)
    test_axis.scatter([], [], marker="x", color="black", label="detected peak")
    test_axis.legend(fontsize="small")
    train_axis.get_legend().remove()
    figure.suptitle(
        f"Random features along the size grid ({noise_label(noise)}): the detector's positive control", y=1.0
    )
    return figure
