"""Figure: MLP vs CNN on MNIST-1D, original and permuted inputs: the architecture's prior."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from phenomena.inductive_bias.figures import interval_text, method_text, summary_rows
from phenomena.inductive_bias.metrics import last_records

ORDERS = {"original": "original inputs", "permuted": "permuted inputs"}


def plot(curves: pd.DataFrame, summary: pd.DataFrame) -> plt.Figure:
    curves = curves.assign(inputs=curves["order"].map(ORDERS), model=curves["model"].str.upper())
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [1, 1.3]})
    draw_final_accuracy(axes[0], last_records(curves, "test", "accuracy"))
    draw_curves(axes[1], curves[(curves["split"] == "test") & (curves["metric"] == "accuracy")])
    cost = summary_rows(summary, "architecture", "permutation_cost")
    text = "; ".join(f"{model.upper()} {interval_text(row, 100)} points" for model, row in cost.iterrows())
    method = f" [{method_text(cost.iloc[0])}]" if len(cost) else ""
    figure.suptitle(
        "What the architecture knows: an MLP and a CNN on original and on permuted inputs\n"
        f"(test accuracy lost to the permutation, mean{method}: {text})",
        y=1.05,
    )
    figure.tight_layout()
    return figure


def draw_final_accuracy(axis: plt.Axes, final: pd.DataFrame) -> None:
    """Final test accuracy per model and input order: one point per seed, the mean as a bar."""
    order = [ORDERS[key] for key in ORDERS if ORDERS[key] in set(final["inputs"])]
    sns.barplot(data=final, x="model", y="value", hue="inputs", hue_order=order, errorbar=None, alpha=0.35, ax=axis)
    sns.stripplot(data=final, x="model", y="value", hue="inputs", hue_order=order, dodge=True, legend=False, ax=axis)
    axis.set(xlabel="", ylabel="final test accuracy", title="Each point a seed", ylim=(0, 1))
    axis.legend(title=None, loc="lower right", fontsize=8)


def draw_curves(axis: plt.Axes, accuracy: pd.DataFrame) -> None:
    """Test accuracy along training, one line per run."""
    sns.lineplot(data=accuracy, x="step", y="value", hue="model", style="inputs", units="seed", estimator=None, ax=axis)
    axis.set(xlabel="optimizer step", ylabel="test accuracy", title="Test accuracy during training", ylim=(0, 1))
    axis.legend(fontsize=8, loc="lower right")
