"""Figure 4: how often each player picks a move the exact solver calls optimal, over training."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from phenomena.tree_search.figures import baselines, budget_palette, player_metric

PANELS = {
    "optimal_move": "optimal moves (keep the exact value)",
    "value_correct": "value estimate names the exact value",
}


def plot(curves: pd.DataFrame, summary: pd.DataFrame) -> plt.Figure:
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for axis, (metric, title) in zip(axes, PANELS.items()):
        rows = player_metric(curves, metric)
        palette = budget_palette(rows["budget"])
        for (run, _), line in rows.groupby(["run", "budget"]):
            line = line.sort_values("step")
            label = line["search"].iloc[0] if run == rows["run"].iloc[0] else None
            axis.plot(line["step"], line["value"], marker="o", color=palette[line["search"].iloc[0]], label=label)
        for (name, value), style in zip(baselines(summary, metric).items(), ["--", ":", "-."]):
            axis.axhline(value, color="grey", linestyle=style, label=name)
        axis.set(xlabel="training iteration", ylabel="fraction of labelled positions", title=title, ylim=(0, 1.02))
    handles = dict(zip(*reversed(axes[0].get_legend_handles_labels())))  # left panel: every line
    axes[1].legend(handles.values(), handles.keys(), fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    figure.suptitle(
        "Solver accuracy on positions from random play (informative ones: not every move is optimal)", y=1.02
    )
    return figure
