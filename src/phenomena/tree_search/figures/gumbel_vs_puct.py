"""Figure 5: Gumbel AlphaZero search against PUCT at equal simulation budgets, on the same
snapshots: Elo against budget for both, and the pooled Elo differences with their intervals."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from phenomena.tree_search.figures import estimates_by_name, network_players


def comparison_rows(summary: pd.DataFrame) -> pd.DataFrame:
    """Network players of the snapshots where Gumbel search played, PUCT and Gumbel at its budgets."""
    players = network_players(summary)
    gumbel = players[players["search"] == "gumbel"]
    snapshots = gumbel[["network", "iteration"]].drop_duplicates()
    rows = players.merge(snapshots, on=["network", "iteration"])
    rows = rows[rows["budget"].isin(set(gumbel["budget"])) & rows["search"].isin(["puct", "gumbel"])]
    columns = ["elo", "ci_low", "ci_high"]
    return rows.groupby(["network", "iteration", "search", "budget"])[columns].mean().reset_index()  # over seeds


def plot(curves: pd.DataFrame, summary: pd.DataFrame, estimates: pd.DataFrame) -> plt.Figure:
    rows = comparison_rows(summary)
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.4), gridspec_kw={"width_ratios": [1.4, 1]})
    snapshots = rows[["network", "iteration"]].drop_duplicates().sort_values(["network", "iteration"])
    colours = sns.color_palette("tab10", n_colors=max(len(snapshots), 1))
    for (_, snapshot), colour in zip(snapshots.iterrows(), colours):
        mine = rows[(rows["network"] == snapshot["network"]) & (rows["iteration"] == snapshot["iteration"])]
        for search, style in (("gumbel", "-"), ("puct", "--")):
            line = mine[mine["search"] == search].sort_values("budget")
            left.errorbar(
                line["budget"],
                line["elo"],
                yerr=[line["elo"] - line["ci_low"], line["ci_high"] - line["elo"]],
                color=colour,
                linestyle=style,
                marker="o",
                markersize=3,
                capsize=2,
                label=f"{snapshot['network']} iter {snapshot['iteration']:.0f}, {search} (mean of seeds)",
            )
    left.set_xscale("log", base=2)
    left.set(
        xlabel="simulations per move (log 2)",
        ylabel="Elo (random = 0)",
        title="Gumbel (solid) vs PUCT (dashed) on the same snapshots",
    )
    left.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    differences = estimates_by_name(estimates)
    differences = differences[differences.index.str.startswith("gumbel_minus_puct_")]
    if differences.empty:
        right.text(0.5, 0.5, "no Gumbel players", transform=right.transAxes, ha="center")
    else:
        differences = differences.loc[sorted(differences.index, key=budget_order)]
        names = [budget_label(name) for name in differences.index]
        right.errorbar(
            differences["estimate"],
            range(len(names)),
            xerr=[
                differences["estimate"] - differences["estimate_ci_low"],
                differences["estimate_ci_high"] - differences["estimate"],
            ],
            marker="o",
            linestyle="none",
            capsize=3,
            color="black",
        )
        right.set_yticks(range(len(names)), names)
        right.axvline(0, color="grey", linewidth=0.8)
    right.set(
        xlabel="Elo(Gumbel) - Elo(PUCT), mean over runs",
        title=(
            "Difference at equal budget (95% CI; openings and runs resampled)\n"
            "PUCT at 2 simulations plays the raw policy's move"
        ),
    )
    right.title.set_fontsize(9)
    figure.tight_layout()
    return figure


def budget_order(name: str) -> tuple[int, int]:
    """``gumbel_minus_puct_sims<N>`` by N, the pooled ``sims<A>to<B>`` after its first budget's."""
    budgets = name.removeprefix("gumbel_minus_puct_sims").split("to")
    return int(budgets[0]), len(budgets)


def budget_label(name: str) -> str:
    budgets = name.removeprefix("gumbel_minus_puct_sims").split("to")
    if len(budgets) > 1:
        return f"{budgets[0]}-{budgets[1]}, pooled"
    return f"{budgets[0]} simulations" + (" (vs raw policy)" if int(budgets[0]) <= 2 else "")
