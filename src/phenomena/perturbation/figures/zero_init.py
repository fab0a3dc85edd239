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

    def draw_runs(frame: pd.DataFrame, axis: plt.Axes, legend: str | bool = "auto") -> None:
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

    accuracy = curves[(curves["metric"] == "accuracy") & (curves["split"] == "test")]
    draw_runs(accuracy, axes[0])
    majority = float(summary["majority_rate"].iloc[0])
    axes[0].axhline(majority, color="0.3", linestyle=":", label=f"majority class: {majority:.3f}")
    axes[0].set(xlabel="optimizer step", ylabel="test accuracy", title="Test accuracy", ylim=(0, None))
    axes[0].set_ylim(0, max(0.8, float(accuracy["value"].max()) + 0.25))  # room for the legend above the curves
    axes[0].legend(fontsize=8, loc="upper right")

    spread = curves[(curves["metric"] == "unit_spread") & (curves["split"] == "layer1")]
    draw_runs(spread, axes[1], legend=False)
    axes[1].set_yscale("symlog", linthresh=1e-6)
    axes[1].set(
        xlabel="optimizer step",
        ylabel="max distance between units' weights",
        title="Hidden layer 1: do its units differ?",
        ylim=(-1e-7, None),
    )
    identical = [
        INIT_LABELS[i] for i in inits if i != "default" and spread.loc[spread["init"] == i, "value"].max() == 0
    ]
    if identical:
        axes[1].text(0.5, 0.08, f"{' and '.join(identical)}: exactly 0", transform=axes[1].transAxes, ha="center")

    rank = curves[(curves["metric"] == "activation_rank") & (curves["split"] == "layer1")]
    draw_runs(rank, axes[2], legend=False)
    width = int(rank["value"].max())
    axes[2].set(
        xlabel="optimizer step",
        ylabel="rank of the activations (test inputs)",
        title=f"Hidden layer 1: distinct features (of {width} units at most)",
        ylim=(-4, None),
    )
    for init in inits:
        if init != "default":
            final = rank.loc[rank["init"] == init].sort_values("step")["value"].iloc[-1]
            axes[2].annotate(
                f"{INIT_LABELS[init]}: rank {final:.0f}",
                (rank["step"].max(), final),
                xytext=(-5, 6 if init == "constant" else -12),
                textcoords="offset points",
                ha="right",
                fontsize=9,
                color=palette[INIT_LABELS[init]],
            )
    finals = summary.groupby("init")["final_test_accuracy"].mean()
    text = ", ".join(f"{INIT_LABELS[i]} {finals[i]:.3f}" for i in inits)
    figure.suptitle(
        "Zero and constant initialization cannot break the symmetry between hidden units\n"
        f"(final test accuracy: {text})",
        y=1.04,
    )
    figure.tight_layout()
    return figure
