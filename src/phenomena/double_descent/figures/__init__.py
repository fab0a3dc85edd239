"""One module per figure, each with ``plot(**tables) -> Figure`` (tables named as in the rule file)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from phenomena.common.plotting import compact_number, log_step_axis

SPLITS = ["train", "test"]
SPLIT_COLOURS = dict(zip(SPLITS, sns.color_palette("colorblind", 2)))


def noise_label(noise: float) -> str:
    return f"{noise:.0%} label noise"


def error_curves(
    final: pd.DataFrame, summary: pd.DataFrame, *, sweep: str, axis: str, xlabel: str, log_axis: bool = True
) -> plt.Figure:
    """Train and test error vs ``axis`` of one sweep, median and seed range, one panel per noise level.

    The interpolation threshold (median over seeds) is a dotted vertical line; each seed's
    peak is a red cross.
    """
    data = final[(final["sweep"] == sweep) & (final["metric"] == "error")]
    peaks = summary[(summary["sweep"] == sweep) & (summary["metric"] == "error")]
    noises = sorted(data["label_noise"].unique())
    figure, axes = plt.subplots(1, len(noises), figsize=(4.6 * len(noises), 3.6), sharey=True, squeeze=False)
    for panel, noise in zip(axes[0], noises):
        sns.lineplot(
            data=data[data["label_noise"] == noise],
            x=axis,
            y="value",
            hue="split",
            hue_order=SPLITS,
            palette=SPLIT_COLOURS,
            estimator="median",
            errorbar=("pi", 100),
            marker="o",
            markersize=4,
            ax=panel,
        )
        own = peaks[peaks["label_noise"] == noise]
        threshold = own["interpolation_threshold"].median()
        if pd.notna(threshold):
            panel.axvline(threshold, color="0.3", linestyle=":", label=f"interpolation ({compact_number(threshold)})")
        if own["peak_at"].notna().any():
            panel.scatter(
                own["peak_at"], own["peak_test_error"], marker="x", color="tab:red", zorder=5, label="peak (per seed)"
            )
        if log_axis:
            log_step_axis(panel)
        panel.set_title(noise_label(noise))
        panel.set_xlabel(xlabel)
        panel.set_ylabel("error")
        if panel is axes[0][-1]:
            panel.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
        else:
            panel.get_legend().remove()
    return figure
