"""Figure 1: Elo of each snapshot against training iteration, one line per search budget, one
panel per network (and self-play search)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from phenomena.tree_search.figures import baselines, budget_palette, network_panels, player_metric


def plot(curves: pd.DataFrame, summary: pd.DataFrame) -> plt.Figure:
    elo = player_metric(curves, "elo")
    low, high = (player_metric(curves, m).set_index(["run", "step", "budget"])["value"] for m in ("ci_low", "ci_high"))
    palette = budget_palette(elo["budget"])
    panels = network_panels(elo)
    figure, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels) + 1.5, 4.2), sharey=True, squeeze=False)
    for axis, (title, rows) in zip(axes[0], panels.items()):
        for (run, budget), line in rows.groupby(["run", "budget"]):
            line = line.sort_values("step")
            key = [(run, s, budget) for s in line["step"]]
            colour = palette[line["search"].iloc[0]]
            label = line["search"].iloc[0] if run == rows["run"].iloc[0] else None
            axis.plot(line["step"], line["value"], marker="o", markersize=3, color=colour, label=label)
            axis.fill_between(line["step"], low.loc[key].to_numpy(), high.loc[key].to_numpy(), color=colour, alpha=0.2)
        for (name, value), style in zip(baselines(summary, "elo").items(), ["--", ":", "-."]):
            axis.axhline(value, color="grey", linestyle=style, label=name)
        axis.set(xlabel="training iteration", title=title)
    axes[0][0].set_ylabel("Elo (random player = 0)")
    figure.suptitle("Strength over training, raw policy vs MCTS (bands: 95% bootstrap intervals over openings)")
    axes[0][-1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    return figure
