"""One module per figure, each with ``plot(curves, summary) -> Figure``.

A figure's code lives in its own file so that the workflow can declare that file as the
figure rule's input: editing one figure reruns that figure alone.
"""

from __future__ import annotations

import pandas as pd

MAIN_OPTIMIZER = "adamw"


def main_runs(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of the baseline runs: AdamW with weight decay (the grokking runs proper)."""
    return frame[(frame["optimizer"] == MAIN_OPTIMIZER) & (frame["weight_decay"] > 0)]


def control_runs(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of the weight-decay-0 AdamW runs, the control that should not grok."""
    return frame[(frame["optimizer"] == MAIN_OPTIMIZER) & (frame["weight_decay"] == 0)]


def accuracy_curves(curves: pd.DataFrame) -> pd.DataFrame:
    """Accuracy rows with readable split names for legends."""
    accuracy = curves[curves["metric"] == "accuracy"].copy()
    accuracy["split"] = accuracy["split"].map({"train": "train", "val": "validation"})
    return accuracy
