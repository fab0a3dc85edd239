"""Figure: accuracy from default, all-zero and constant initialization, and why: identical hidden units."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from phenomena.perturbation.figures import INIT_LABELS


def plot(curves: pd.DataFrame, summary: pd.DataFrame) -> plt.Figure:
    inits = [init for init in INIT_LABELS if init in set(curves["init"])]
    palette = dict(zip([INIT_LABELS[i] for i in inits], sns.color_palette(n_colors=len(inits))))
    curves = curves.assign(initialization=curves["init"].map(INIT_LABELS))
    figure, axes = plt.subplots(1, 3, figsize=(14, 4))
    draw_test_accuracy(axes[0], metric_rows(curves, "accuracy", "test"), summary, palette)
    draw_unit_spread(axes[1], metric_rows(curves, "unit_spread", "layer1"), inits, palette)
    draw_activation_rank(axes[2], metric_rows(curves, "activation_rank", "layer1"), inits, palette)
    finals = summary.groupby("init")["final_test_accuracy"].mean()
    text = ", ".join(f"{INIT_LABELS[i]} {finals[i]:.3f}" for i in inits)
    figure.suptitle(
        "Zero and constant initialization cannot break the symmetry between hidden units\n"
        f"(final test accuracy: {text})",
        y=1.04,
    )
    figure.tight_layout()
    return figure


def metric_rows(curves: pd.DataFrame, metric: str, split: str) -> pd.DataFrame:
    """Rows of one metric of one split (``test``, or a hidden layer: ``layer1``)."""
    return curves[(curves["metric"] == metric) & (curves["split"] == split)]


def draw_runs(frame: pd.DataFrame, axis: plt.Axes, palette: dict, legend: str | bool = "auto") -> None:
    """One line per run, coloured by initialization."""
    sns.lineplot(
        data=frame,
        x="step",
        y="value",
        hue="initialization",
        units="seed",
        estimator=None,
        palette=palette,
        ax=axis,
        legend=legend,
    )


def draw_test_accuracy(axis: plt.Axes, accuracy: pd.DataFrame, summary: pd.DataFrame, palette: dict) -> None:
    """Test accuracy of every run, and the rate of the majority class: what one answer for all scores."""
    draw_runs(accuracy, axis, palette)
    majority = float(summary["majority_rate"].iloc[0])
    axis.axhline(majority, color="0.3", linestyle=":", label=f"majority class: {majority:.3f}")
    axis.set(xlabel="optimizer step", ylabel="test accuracy", title="Test accuracy", ylim=(0, None))
    axis.set_ylim(0, max(0.8, float(accuracy["value"].max()) + 0.25))  # room for the legend above the curves
    axis.legend(fontsize=8, loc="upper right")


def draw_unit_spread(axis: plt.Axes, spread: pd.DataFrame, inits: list[str], palette: dict) -> None:
    """How far apart the first hidden layer's units are, naming the inits whose units stay identical."""
    draw_runs(spread, axis, palette, legend=False)
    axis.set_yscale("symlog", linthresh=1e-6)
    axis.set(
        xlabel="optimizer step",
        ylabel="max distance between units' weights",
        title="Hidden layer 1: do its units differ?",
        ylim=(-1e-7, None),
    )
    identical = [
        INIT_LABELS[i] for i in inits if i != "default" and spread.loc[spread["init"] == i, "value"].max() == 0
    ]
    if identical:
        axis.text(0.5, 0.08, f"{' and '.join(identical)}: exactly 0", transform=axis.transAxes, ha="center")


def draw_activation_rank(axis: plt.Axes, rank: pd.DataFrame, inits: list[str], palette: dict) -> None:
    """Rank of the first hidden layer's activations, with the final rank of each non-default init."""
    draw_runs(rank, axis, palette, legend=False)
    width = int(rank["value"].max())
    axis.set(
        xlabel="optimizer step",
        ylabel="rank of the activations (test inputs)",
        title=f"Hidden layer 1: distinct features (of {width} units at most)",
        ylim=(-4, None),
    )
    for init in inits:
        if init != "default":
            final = rank.loc[rank["init"] == init].sort_values("step")["value"].iloc[-1]
            axis.annotate(
                f"{INIT_LABELS[init]}: rank {final:.0f}",
                (rank["step"].max(), final),
                xytext=(-5, 6 if init == "constant" else -12),
                textcoords="offset points",
                ha="right",
                fontsize=9,
                color=palette[INIT_LABELS[init]],
            )
