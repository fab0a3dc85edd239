"""Figure: the LLC estimator on reduced-rank regression against the known learning coefficient,
for every sampler setting the project uses (one panel each)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from phenomena.common.plotting import PALETTE


def plot(calibration: pd.DataFrame) -> plt.Figure:
    """Estimate (every replicate a dot, bar = mean) against the truth (black) and d/2 (grey) per
    case; the band is the +-20% the findings accept."""
    samplers = list(dict.fromkeys(calibration["sampler"]))
    cases = list(dict.fromkeys(calibration["case"]))
    figure, axes = plt.subplots(1, len(samplers), figsize=(4.2 * len(samplers), 3.8), squeeze=False, sharey=True)
    colours = sns.color_palette(PALETTE, len(samplers))
    positions = np.arange(len(cases))
    truths = calibration.drop_duplicates("case").set_index("case").loc[cases]
    for axis, sampler, colour in zip(axes[0], samplers, colours):
        rows = calibration[calibration["sampler"] == sampler]
        means = rows.groupby("case")["llc"].mean().reindex(cases)
        axis.bar(positions, means.values, color=colour, alpha=0.6, label="estimate (mean)")
        for index, case in enumerate(cases):
            values = rows.loc[rows["case"] == case, "llc"]
            axis.scatter(np.full(len(values), index), values, color="black", s=8, zorder=3)
        axis.scatter(positions, truths["truth"], marker="_", s=400, color="black", zorder=4, label="known coefficient")
        axis.scatter(positions, truths["half_dimension"], marker="_", s=400, color="grey", zorder=4, label="d / 2")
        for index, truth in enumerate(truths["truth"]):
            axis.fill_between([index - 0.4, index + 0.4], 0.8 * truth, 1.2 * truth, color="black", alpha=0.1)
        axis.set_xticks(positions, cases, rotation=45, ha="right", fontsize="small")
        axis.set_title(f"{sampler} sampler (n = {int(rows['n'].iloc[0])})", fontsize="medium")
    axes[0][0].set_ylabel("learning coefficient")
    axes[0][0].legend(fontsize="small")
    figure.suptitle("LLC estimates on reduced-rank regression vs the known coefficient (band: +-20%)", y=1.02)
    return figure
