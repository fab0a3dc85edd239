"""The controls of the progress measures, and where a run's measure leaves their band (numpy and
pandas only: the progress figure's and the findings' jobs import it without torch).

A measure means something only beside a control that lacks the mechanism: a network that
only memorizes also puts some of its logits along any few waves of the answer, so its
restricted loss falls below chance too; and any embedding spreads its norm unevenly over
frequencies by chance. Every run with progress measures is measured beside (column
``control`` of the progress table):

- ``random_frequencies``: the run itself at sets of random non-key frequencies, as many as its
  key ones (:func:`draw_random_frequencies`; ``frequency_set`` numbers them), for the
  measures of a frequency set (restricted and excluded loss, key-frequency share);
- ``permuted_residues``: the run's embedding with its residues relabelled at random
  (:func:`draw_residue_permutations`), for the number of effective frequencies: the same
  values with no tie to the cyclic group;
- ``memorizer``, where one exists (:func:`memorizer_of`): the weight-decay-0 run on the same
  split and seed, which never generalizes, measured at the grokking run's key frequencies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phenomena.grokking.runs import BASELINE_OPTIMIZER, GrokkingRun

RANDOM_BAND = ("random_frequencies",)
DEPARTURE_FACTOR = 0.5
"""The departure the findings time: the restricted loss below this fraction of the lowest
random-frequency control for good (a stated, scale-free margin: just below the band's edge the
default runs are from their first snapshot on, by hundredths of a nat, which dates nothing)."""


def draw_random_frequencies(p: int, keys: list[int], count: int, seed: int) -> list[list[int]]:
    """``count`` sets of distinct non-key frequencies, each as large as ``keys`` (seeded: the same
    sets for the same run); empty when fewer than that many non-key frequencies exist."""
    others = np.setdiff1d(np.arange(1, (p - 1) // 2 + 1), keys)
    if len(others) < len(keys):
        return []
    generator = np.random.default_rng([seed, len(keys)])
    return [sorted(int(k) for k in generator.choice(others, size=len(keys), replace=False)) for _ in range(count)]


def draw_residue_permutations(p: int, count: int, seed: int) -> list[np.ndarray]:
    """``count`` random orderings of the residues 0 .. p - 1 (seeded by the run's seed and p)."""
    generator = np.random.default_rng([seed, p])
    return [generator.permutation(p) for _ in range(count)]


def memorizer_of(run: GrokkingRun, runs: dict[str, GrokkingRun]) -> str | None:
    """The name of the memorizing control of a grokking run (AdamW with weight decay): the
    weight-decay-0 AdamW run on the same split (operation, modulus, fraction, seed); None when
    ``run`` is no grokking run or ``runs`` holds no such control."""
    if run.optimizer != BASELINE_OPTIMIZER or run.weight_decay == 0:
        return None
    controls = [
        name
        for name, other in runs.items()
        if other.optimizer == BASELINE_OPTIMIZER and other.weight_decay == 0 and other.dataset_name == run.dataset_name
    ]
    return min(controls) if controls else None  # several (budgets): one, by name


def departure_steps(
    progress: pd.DataFrame,
    *,
    metric: str = "restricted_loss",
    split: str = "train",
    controls: tuple[str, ...] | None = None,
    factor: float = 1.0,
) -> pd.Series:
    """For every run with controls: the first snapshot step from which its own ``metric`` on
    ``split`` stays below ``factor`` times every control's at the same step (the lower edge of
    the controls' band; ``factor`` 0.5: half of it); NaN where it never does. ``controls``: the
    controls that make the band (default all).

    Only steps where the run and all its controls were measured count (a grokking run stops
    early, its memorizer trains to its budget).
    """
    rows = progress[(progress["metric"] == metric) & (progress["split"] == split)]
    if controls is not None:
        rows = rows[rows["control"].isin(["none", *controls])]
    own = rows[rows["control"] == "none"].groupby(["run", "step"])["value"].mean()
    others = rows[rows["control"] != "none"]
    sets = others.drop_duplicates(["run", "control", "frequency_set"]).groupby("run").size()
    band = others.groupby(["run", "step"])["value"].agg(["min", "count"])
    complete = band["count"].to_numpy() == sets.reindex(band.index.get_level_values("run")).to_numpy()
    joined = pd.concat({"own": own, "floor": band.loc[complete, "min"]}, axis=1, join="inner").sort_index()
    below = (joined["own"] < factor * joined["floor"]).astype(int)
    for_good = below.iloc[::-1].groupby(level="run").cummin().iloc[::-1].astype(bool)  # below from here on
    steps = for_good[for_good].reset_index().groupby("run")["step"].min().astype(float)
    return steps.reindex(sets.index).rename("departure_step")


def departure_from_controls(progress: pd.DataFrame, run: str, metric: str = "restricted_loss", **band) -> float:
    """:func:`departure_steps` of one run (``band``: its ``split``, ``controls`` and ``factor``);
    NaN if it never leaves the band or has no controls."""
    steps = departure_steps(progress[progress["run"] == run], metric=metric, **band)
    return float(steps.get(run, np.nan))
