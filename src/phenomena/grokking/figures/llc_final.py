"""Figure 7: the LLC at the end of training against train fraction and weight decay."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from phenomena.grokking.figures import MAIN_OPTIMIZER, NEVER_MARKER, never_label, steps_shown


def final_llc(llc: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """The LLC at each AdamW run's last step, with whether the run generalized."""
    last = llc[(llc["metric"] == "llc") & (llc["optimizer"] == MAIN_OPTIMIZER)]
    last = last[last["step"] == last.groupby("run")["step"].transform("max")].copy()
    grokked = summary.set_index("run")["steps_to_val_95"].notna()
    last["outcome"] = ["generalized" if grokked.get(run, False) else "memorized only" for run in last["run"]]
    last["weight decay"] = [f"{value:g}" for value in last["weight_decay"]]
    return last


def plot(curves: pd.DataFrame, summary: pd.DataFrame, llc: pd.DataFrame) -> plt.Figure:
    data = final_llc(llc, summary)
    figure, axis = plt.subplots(figsize=(5.5, 4))
    decays = sorted(data["weight decay"].unique(), key=float, reverse=True)
    sns.pointplot(
        data=data, x="train_fraction", y="value", hue="weight decay", hue_order=decays, errorbar=("pi", 100),
        dodge=0.3 if len(decays) > 1 else False, markers=["o", "s", "^", "D"][: len(decays)], capsize=0.1, ax=axis,
    )  # fmt: skip
    sns.stripplot(
        data=data, x="train_fraction", y="value", hue="weight decay", hue_order=decays, dodge=len(decays) > 1,
        alpha=0.45, legend=False, ax=axis,
    )  # fmt: skip
    draw_never_over_strips(axis, data, summary, decays)
    axis.set_yscale("log")  # memorizing runs sit orders of magnitude above generalizing ones
    axis.set(
        xlabel="train fraction",
        ylabel="LLC at the end of training (log)",
        title="Final LLC by train fraction and weight decay\n(points: seeds, bars: seed range; AdamW runs)",
    )
    axis.legend(title="weight decay", fontsize=8)
    return figure


def draw_never_over_strips(axis: plt.Axes, data: pd.DataFrame, summary: pd.DataFrame, decays: list[str]) -> None:
    """A cross over each run that never reached 95% validation accuracy (at its category's position)."""
    shown = steps_shown(summary[summary["run"].isin(data["run"])])
    never = data[data["run"].isin(shown.loc[shown["never"], "run"])]
    fractions = sorted(data["train_fraction"].unique())
    offsets = {decay: (index - (len(decays) - 1) / 2) * 0.3 / max(1, len(decays) - 1) for index, decay in
               enumerate(decays)} if len(decays) > 1 else {decays[0]: 0.0}  # fmt: skip
    x = [fractions.index(f) + offsets[d] for f, d in zip(never["train_fraction"], never["weight decay"])]
    axis.scatter(x, never["value"], marker=NEVER_MARKER, color="black", s=45, zorder=6, label=never_label(shown))
