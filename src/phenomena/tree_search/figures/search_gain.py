"""Figure 2: what search adds to the same network, per snapshot: Elo gain and score vs the raw policy."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from phenomena.tree_search.figures import budget_palette, player_metric


def plot(curves: pd.DataFrame, summary: pd.DataFrame) -> plt.Figure:
    elo = player_metric(curves, "elo").set_index(["run", "step", "budget"])["value"]
    palette = budget_palette(elo.index.get_level_values("budget"))
    policy = elo.xs(0, level="budget")
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for budget in sorted(b for b in elo.index.get_level_values("budget").unique() if b > 0):
        label = f"MCTS {budget}"
        gain = (elo.xs(budget, level="budget") - policy).dropna().reset_index()
        for _, line in gain.groupby("run"):
            left.plot(line["step"], line["value"], marker="o", color=palette[label], label=label)
        score = player_metric(curves, "vs_policy_score")
        score = score[score["budget"] == budget]
        bounds = {m: player_metric(curves, f"vs_policy_{m}") for m in ("ci_low", "ci_high")}
        for run, line in score.groupby("run"):
            line = line.sort_values("step")
            low = bounds["ci_low"].set_index(["run", "step", "budget"]).loc[[(run, s, budget) for s in line["step"]]]
            high = bounds["ci_high"].set_index(["run", "step", "budget"]).loc[[(run, s, budget) for s in line["step"]]]
            right.errorbar(
                line["step"],
                line["value"],
                yerr=[line["value"].to_numpy() - low["value"].to_numpy(), high["value"].to_numpy() - line["value"]],
                marker="o",
                capsize=3,
                color=palette[label],
                label=label,
            )
    left.axhline(0, color="grey", linewidth=0.8)
    left.set(
        xlabel="training iteration", ylabel="Elo(MCTS) - Elo(raw policy)", title="Elo gain of search, per snapshot"
    )
    right.axhline(0.5, color="grey", linestyle="--", linewidth=0.8)
    right.set(
        xlabel="training iteration",
        ylabel="score vs the raw policy (win 1, draw 1/2)",
        ylim=(0, 1.02),
        title="Head to head against the same network's raw policy\n(bars: 95% bootstrap intervals over openings)",
    )
    handles, labels = left.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    bottom, top = left.get_ylim()
    left.set_ylim(bottom, top + 0.3 * (top - bottom))  # room for the legend above the lines
    left.legend(unique.values(), unique.keys(), fontsize=8, ncol=min(3, len(unique)), loc="upper center")
    return figure
