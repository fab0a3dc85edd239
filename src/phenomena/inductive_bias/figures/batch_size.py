"""Figure: test accuracy against batch size at a fixed learning rate, and the explicit regularizer."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from phenomena.common.plotting import log_step_axis
from phenomena.inductive_bias.figures import interval_text, method_text, summary_rows
from phenomena.inductive_bias.metrics import last_records
from phenomena.inductive_bias.runs import regularizer_form

FORMS = {"paper": ("C2", "paper's form"), "exact": ("C4", "exact SGD - GD term")}


def plot(curves: pd.DataFrame, summary: pd.DataFrame) -> plt.Figure:
    figure, axes = plt.subplots(1, 2, figsize=(12.5, 4.4))
    draw_accuracy_vs_batch(axes[0], curves)
    draw_regularizer(axes[1], curves)
    advantage = summary_rows(summary, "sgd", "small_batch_advantage")
    fractions = summary_rows(summary, "sgd", "recovered_fraction")
    lines = []
    if len(advantage):
        row = advantage.iloc[0]
        lines.append(f"smallest batch - full batch, same steps: {interval_text(row, 100)} points ({method_text(row)})")
    for job, row in fractions.iterrows():
        lines.append(
            f"{FORMS.get(regularizer_form(job), ('', job))[1]}: recovers {interval_text(row, 100, 0)}% of it "
            f"({method_text(row)})"
        )
    figure.tight_layout()  # before the title: it sits above the axes, however many lines it has
    figure.suptitle(
        "Batch size at a fixed learning rate, and SGD's implicit regularizer made explicit\n" + "\n".join(lines),
        y=1.0,
        va="bottom",
    )
    return figure


def draw_accuracy_vs_batch(axis: plt.Axes, curves: pd.DataFrame) -> None:
    """Final test (and train) accuracy per batch size at fixed epochs; the two long full-batch runs beside."""
    test, train = last_records(curves, "test", "accuracy"), last_records(curves, "train", "accuracy")
    epochs_fixed = test["epochs"].min()
    for rows, style, label in ((test, "-", "test"), (train, "--", "train")):
        sweep = rows[(~rows["regularized"]) & np.isclose(rows["epochs"], epochs_fixed)]
        sns.lineplot(
            data=sweep,
            x="batch_size",
            y="value",
            marker="o",
            linestyle=style,
            errorbar=None,
            ax=axis,
            label=f"{label}, {epochs_fixed:g} epochs",
            color="C0",
        )
        axis.scatter(sweep["batch_size"], sweep["value"], color="C0", s=12, alpha=0.5)
    full = test["batch_size"].max()
    long_runs = test[~np.isclose(test["epochs"], epochs_fixed) | test["regularized"]]
    kinds = {None: ("C3", "full batch, same steps as smallest batch")}
    for form, (colour, name) in FORMS.items():
        kinds[form] = (colour, f"full batch + regularizer ({name}), same steps")
    forms = long_runs["job"].map(regularizer_form)
    for shift, (form, (colour, label)) in enumerate(kinds.items()):
        rows = long_runs[forms.isna()] if form is None else long_runs[forms == form]
        if len(rows):
            x = full * 1.12 ** (shift + 1)
            axis.scatter(np.full(len(rows), x), rows["value"], color=colour, marker="D", s=28, label=label)
    log_step_axis(axis, "x")
    axis.set(
        xlabel="batch size (learning rate fixed)",
        ylabel="final accuracy",
        title="Accuracy vs batch size",
        ylim=(0, 1.02),
    )
    axis.legend(fontsize=7.5, loc="best")


def draw_regularizer(axis: plt.Axes, curves: pd.DataFrame) -> None:
    """The regularizer's (paper's form) value along training: the smallest batch and the long full-batch runs."""
    rows = curves[curves["metric"] == "regularizer"]
    epochs_fixed, smallest = rows["epochs"].min(), rows["batch_size"].min()
    forms = rows["job"].map(regularizer_form)
    kinds = {
        f"batch {smallest}": (rows["batch_size"] == smallest) & ~rows["regularized"],
        "full batch, same steps": (rows["epochs"] > epochs_fixed) & ~rows["regularized"],
    }
    kinds |= {f"full batch + regularizer ({name})": forms == form for form, (_, name) in FORMS.items()}
    palette = dict(zip(kinds, ["C0", "C3", *(colour for colour, _ in FORMS.values())]))
    shown = pd.concat([rows[chosen].assign(run_kind=kind) for kind, chosen in kinds.items()])
    sns.lineplot(
        data=shown, x="step", y="value", hue="run_kind", palette=palette, units="seed", estimator=None, ax=axis
    )
    axis.set_yscale("log")
    axis.set(
        xlabel="optimizer step",
        ylabel="(lr/4) x mean |minibatch gradient|^2",
        title="SGD's implicit regularizer along training",
    )
    axis.legend(title=None, fontsize=8)
