"""Figure: test cross-entropy vs width, one line per noise level (the loss peaks even without noise)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from phenomena.common.plotting import PALETTE, compact_number, log_step_axis
from phenomena.double_descent.figures import noise_label


def plot(final: pd.DataFrame, summary: pd.DataFrame) -> plt.Figure:
    """Test loss (median over seeds, band = range) beside test error, threshold and loss peak per noise level."""
    data = final[(final["sweep"] == "model_wise") & (final["split"] == "test")]
    noises = sorted(data["label_noise"].unique())
    colours = dict(zip(noises, sns.color_palette(PALETTE, len(noises))))
    figure, (loss_axis, error_axis) = plt.subplots(1, 2, figsize=(10, 3.8))
    for axis, metric, label in ((loss_axis, "loss", "test cross-entropy"), (error_axis, "error", "test error")):
        for noise in noises:
            sns.lineplot(
                data=data[(data["metric"] == metric) & (data["label_noise"] == noise)],
                x="width",
                y="value",
                color=colours[noise],
                estimator="median",
                errorbar=("pi", 100),
                marker="o",
                markersize=4,
                label=noise_label(noise),
                ax=axis,
            )
            own = summary[(summary["sweep"] == "model_wise") & (summary["label_noise"] == noise)]
            threshold = own.loc[own["metric"] == "error", "interpolation_threshold"].median()
            if pd.notna(threshold):
                axis.axvline(threshold, color=colours[noise], linestyle=":", linewidth=1.2)
        log_step_axis(axis)
        axis.set_xlabel("hidden width (log)")
        axis.set_ylabel(label)
    peaks = summary[(summary["sweep"] == "model_wise") & (summary["metric"] == "loss")].dropna(subset=["peak_at"])
    loss_axis.scatter(
        peaks["peak_at"], peaks["peak_test_error"], marker="x", color="tab:red", zorder=5, label="loss peak (per seed)"
    )
    loss_axis.legend(fontsize="small")
    error_axis.get_legend().remove()
    thresholds = ", ".join(
        f"{noise:.0%}: {compact_number(value) if pd.notna(value) else 'none'}"
        for noise, value in summary[(summary["sweep"] == "model_wise") & (summary["metric"] == "error")]
        .groupby("label_noise")["interpolation_threshold"]
        .median()
        .items()
    )
    figure.suptitle(
        f"Test loss vs width; dotted: interpolation thresholds, widths {thresholds}",
        y=1.02,
    )
    return figure
