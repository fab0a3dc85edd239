"""Figure 3: sample-wise double descent, error vs training-set size at one width."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from phenomena.double_descent.figures import error_curves


def plot(final: pd.DataFrame, summary: pd.DataFrame) -> plt.Figure:
    width = int(final.loc[final["sweep"] == "sample_wise", "width"].iloc[0])
    figure = error_curves(
        final, summary, sweep="sample_wise", axis="num_train", xlabel="training examples", log_axis=False
    )
    figure.suptitle(f"Sample-wise view at width {width}: test error vs training-set size", y=1.02)
    return figure
