"""Figure 2: test error over width x epoch (mean over seeds), one panel per noise level."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from phenomena.common.plotting import log_step_axis


def plot(curves: pd.DataFrame) -> plt.Figure:
    test = curves[(curves["split"] == "test") & (curves["metric"] == "error")]
    # the model-wise sweep: the training-set size shared by the most widths (the sample-wise
    # sweep adds other sizes at one width)
    num_train = test.groupby("num_train")["width"].nunique().idxmax()
    test = test[test["num_train"] == num_train]
    noises = sorted(test["label_noise"].unique())
    figure, axes = plt.subplots(1, len(noises), figsize=(4.8 * len(noises), 3.8), sharey=True, squeeze=False)
    image = None
    vmin, vmax = test["value"].min(), test.groupby(["label_noise", "width", "step"])["value"].mean().max()
    for panel, noise in zip(axes[0], noises):
        grid = test[test["label_noise"] == noise].pivot_table(index="width", columns="step", values="value")
        widths, epochs = grid.index.to_numpy(), grid.columns.to_numpy()
        image = panel.pcolormesh(
            _edges(epochs),
            np.arange(len(widths) + 1),
            grid.to_numpy(),
            cmap="rocket_r",
            vmin=vmin,
            vmax=vmax,
            shading="flat",
        )
        log_step_axis(panel)
        panel.set_yticks(np.arange(len(widths)) + 0.5, [str(w) for w in widths])
        panel.tick_params(axis="y", labelsize="x-small")
        panel.set_title(f"{noise:.0%} label noise")
        panel.set_xlabel("epoch (log)")
    axes[0][0].set_ylabel("hidden width")
    figure.colorbar(image, ax=axes[0].tolist(), label="test error (mean over seeds)")
    figure.suptitle("Epoch-wise view: the peak forms late in training, at the widths that just fit the noise", y=1.0)
    return figure


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges between positive, increasing centres (geometric midpoints, for a log axis)."""
    centres = centres.astype(float)
    middle = np.sqrt(centres[:-1] * centres[1:])
    first = centres[0] ** 2 / middle[0] if len(middle) else centres[0] / 2
    last = centres[-1] ** 2 / middle[-1] if len(middle) else centres[0] * 2
    return np.concatenate([[first], middle, [last]])
