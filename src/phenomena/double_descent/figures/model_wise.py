"""Figure 1: model-wise double descent, train and test error vs width, one panel per noise level."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from phenomena.double_descent.figures import error_curves


def plot(final: pd.DataFrame, summary: pd.DataFrame) -> plt.Figure:
    figure = error_curves(final, summary, sweep="model_wise", axis="width", xlabel="hidden width (log)")
    figure.suptitle("Model-wise double descent: test error peaks where the model first fits the noise", y=1.02)
    return figure
