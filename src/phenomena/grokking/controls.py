"""Where the grokking run's progress measures leave the band of their controls (pandas only: the
progress figure's job imports it without torch)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def departure_from_controls(progress: pd.DataFrame, run: str, metric: str = "restricted_loss") -> float:
    """The first snapshot step from which ``run``'s own ``metric`` stays below every control's at
    the same step (the lower edge of the controls' band), NaN if it never does or has no controls.

    Only steps where the run and all its controls were measured count (a grokking run stops
    early, its memorizer trains to the budget).
    """
    rows = progress[(progress["run"] == run) & (progress["metric"] == metric)]
    own = rows[rows["control"] == "none"].set_index("step")["value"]
    controls = rows[rows["control"] != "none"].pivot_table(
        index="step", columns=["control", "frequency_set"], values="value"
    )
    if controls.empty:
        return float("nan")
    floor = controls.dropna().min(axis=1)
    steps = own.index.intersection(floor.index).sort_values()
    below = (own[steps] < floor[steps]).to_numpy()
    if not below[-1]:
        return float("nan")
    above = np.flatnonzero(~below)
    return float(steps[above[-1] + 1] if len(above) else steps[0])
