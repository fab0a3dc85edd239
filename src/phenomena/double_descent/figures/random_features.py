"""Figure 4: random-feature regression, test error and MSE vs number of features."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from phenomena.common.plotting import log_step_axis
from phenomena.double_descent.figures import SPLIT_COLOURS


def plot(random_features: pd.DataFrame) -> plt.Figure:
    data = random_features[random_features["split"].isin(["train", "test"])]
    num_train = int(data["num_train"].iloc[0])
    figure, (error_axis, mse_axis) = plt.subplots(1, 2, figsize=(9.6, 3.6))
    panels = (
        (error_axis, "error", ["train", "test"], "classification error"),
        (mse_axis, "mse", ["test"], "test squared error (log)"),
    )
    for axis, metric, splits, label in panels:
        sns.lineplot(
            data=data[(data["metric"] == metric) & data["split"].isin(splits)],
            x="features",
            y="value",
            hue="split",
            hue_order=splits,
            palette=SPLIT_COLOURS,
            estimator="median",
            errorbar=("pi", 100),
            marker="o",
            markersize=4,
            ax=axis,
        )
        axis.axvline(num_train, color="0.3", linestyle=":", label=f"features = samples ({num_train})")
        log_step_axis(axis)
        axis.set_xlabel("random ReLU features (log)")
        axis.set_ylabel(label)
        axis.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, frameon=False)
    mse_axis.set_yscale("log")
    figure.suptitle("Random-feature regression (min-norm): the peak sits at features = training samples", y=1.02)
    return figure
