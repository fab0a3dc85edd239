"""The train/test compute frontier (Jones 2021): how much test-time search one unit of training
compute is worth.

Jones's construction. The frontier players are the trained snapshots x the test budgets every
snapshot plays. For an Elo level L every player at or above L is a candidate, whatever its line
did before (lines that start above L count); the iso-Elo curve is the lower envelope of the
candidates' test compute over train compute (no candidate beaten on both axes by another). At
each test compute only the cheapest candidate in train compute can be on it.

The slope. Jones fits log10(test) = c_L + slope * log10(train), one slope for all levels. Here
the regression runs the other way, log10(train) = c_L + k * log10(test), slope = 1/k: a point's
test compute is set by design, its train compute is measured (where its line crosses L,
interpolated from the snapshot below), and a regression on a noisy regressor is biased towards
zero. A point whose line starts above L has only a bound for its crossing: it stays on the
envelope but out of the fit. A level enters the fit with at least :data:`MIN_POINTS` fitted
points; every bootstrap draw applies the same rule at the same levels, and the draws where no
level qualifies are counted (``failed_draws``), never dropped silently.

An envelope always slopes down, so it cannot say "search buys nothing" (vertical iso-Elo lines)
or "training buys nothing" (horizontal ones). Two gates say it, each a within-group regression
with the same draws: ``test_elo_per_decade`` (Elo per decade of test compute at a fixed
snapshot) and ``train_elo_per_decade`` (per decade of train compute on a fixed line). When the
first's interval reaches 0, test compute does not substitute and no slope is given; when the
second's does, the slope's interval is extended to 0. ``tests/tree_search/test_frontier.py``
checks bias and coverage on synthetic arenas with known slopes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from phenomena.tree_search.elo import percentile_interval

MIN_POINTS = 3
"""Envelope points an iso-Elo curve needs to enter the fit (the estimate's and every draw's rule)."""
JONES_SLOPE = -1.2
"""Jones (2021), Hex: 10x train compute ~ 15x test compute, a slope of about -1.2."""
CALIBRATED_SLOPES = (-2.0, -1.0)
"""Where the interval covers a planted slope in 93-97.5% of synthetic default-size arenas
(tests/tree_search/test_frontier.py); at -0.5 to -0.75, 70-80% (``gate_ratio_slope``: 89-90%)."""
SUBSTITUTES, NO_TEST_SUBSTITUTION, NO_TRAIN_SUBSTITUTION = (
    "test compute substitutes for training",
    "test compute does not substitute for training",
    "training compute does not substitute for test compute",
)
POINT_COLUMNS = "level player run network seed iteration budget elo train test train_crossing fitted".split()


@dataclass(frozen=True)
class Ladder:
    """The frontier players as arrays: log10 compute, and the groups the gates and draws use."""

    log_train: np.ndarray  # (P,)
    log_test: np.ndarray  # (P,)
    test_group: np.ndarray  # (P,) index into test_values
    test_values: np.ndarray  # (K,) the distinct log10 test computes, ascending
    run: np.ndarray  # (P,) index of the player's training run
    line: np.ndarray  # (P,) index of its (run, budget) line
    snapshot: np.ndarray  # (P,) index of its (run, iteration) snapshot
    previous: np.ndarray  # (P,) the player one snapshot earlier on the same line; -1 for the first

    @classmethod
    def of(cls, players: pd.DataFrame) -> Ladder:
        test_values, test_group = np.unique(np.log10(players["flops_per_move"].to_numpy(float)), return_inverse=True)
        codes = lambda *columns: players.groupby(list(columns), sort=True).ngroup().to_numpy()  # noqa: E731
        order = players.assign(position=np.arange(len(players))).sort_values(["run", "budget", "iteration"])
        earlier = order.groupby(["run", "budget"])["position"].shift(1).fillna(-1).astype(int)
        previous = np.empty(len(players), dtype=int)
        previous[order["position"].to_numpy()] = earlier.to_numpy()
        return cls(
            np.log10(players["train_flops"].to_numpy(float)),
            test_values[test_group],
            test_group,
            test_values,
            codes("run"),
            codes("run", "budget"),
            codes("run", "iteration"),
            previous,
        )


def envelope(ladder: Ladder, elo: np.ndarray, levels: np.ndarray) -> tuple:
    """Jones's iso-Elo envelopes of every draw and level, at once.

    ``elo``: (draws, players). Returns (the cheapest candidate at each test compute,
    as a player index, -1 where there is none: (draws, levels, K); whether it is on the envelope)."""
    candidate = elo[:, None, :] >= levels[None, :, None]
    train = np.full((*candidate.shape[:2], len(ladder.test_values)), np.inf)
    cheapest = np.full(train.shape, -1)
    for k in range(len(ladder.test_values)):
        members = np.flatnonzero(ladder.test_group == k)
        masked = np.where(candidate[..., members], ladder.log_train[members], np.inf)
        train[..., k] = masked.min(-1)
        cheapest[..., k] = np.where(np.isfinite(train[..., k]), members[masked.argmin(-1)], -1)
    cheaper_test_best = np.minimum.accumulate(train, axis=-1)
    cheaper_test_best = np.concatenate([np.full_like(train[..., :1], np.inf), cheaper_test_best[..., :-1]], -1)
    return cheapest, np.isfinite(train) & (train < cheaper_test_best)


def crossings(ladder: Ladder, elo: np.ndarray, levels: np.ndarray, cheapest: np.ndarray) -> np.ndarray:
    """Where each envelope point's line crosses its level: log10 train interpolated (linearly in
    Elo) between the point and the snapshot before it on its line, which is below the level (else
    it would be the cheaper candidate). nan where the point is its line's first trained snapshot:
    the line starts above the level, so its crossing is only bounded (censored), and such points
    stay on the envelope but out of the fit."""
    player = cheapest.clip(0)
    before = ladder.previous[player]
    draw = np.arange(len(elo))[:, None, None]
    above, below = elo[draw, player], elo[draw, before.clip(0)]
    x_above, x_below = ladder.log_train[player], ladder.log_train[before.clip(0)]
    level = levels[None, :, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        x = x_below + (level - below) / (above - below) * (x_above - x_below)
    return np.where((cheapest >= 0) & (before >= 0), x, np.nan)


def inverse_slope(train: np.ndarray, on_envelope: np.ndarray, test_values: np.ndarray) -> tuple:
    """Per draw, the pooled within-level slope k of log10 train on log10 test over the envelope
    points with a crossing (``train`` not nan), at the levels with at least :data:`MIN_POINTS` of
    them. Returns (k: (draws,), nan where no level qualifies; which levels entered: (draws, levels))."""
    usable = on_envelope & np.isfinite(train)
    entered = usable.sum(-1) >= MIN_POINTS
    used = usable & entered[..., None]
    count = used.sum(-1, keepdims=True).clip(1)
    test = np.broadcast_to(test_values, train.shape)
    x = np.where(used, train, 0.0)
    test_centred = np.where(used, test - (test * used).sum(-1, keepdims=True) / count, 0.0)
    train_centred = np.where(used, x - x.sum(-1, keepdims=True) / count, 0.0)
    spread = (test_centred**2).sum((-1, -2))
    with np.errstate(invalid="ignore", divide="ignore"):
        k = np.where(spread > 0, (test_centred * train_centred).sum((-1, -2)) / spread, np.nan)
    return k, entered


def within_slope(values: np.ndarray, x: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Per draw, the slope of ``values`` (draws, players) on ``x`` within groups (one intercept each)."""
    onehot = np.eye(group.max() + 1)[group]  # (P, G)
    x_centred = x - (x @ onehot / onehot.sum(0))[group]
    values_centred = values - (values @ onehot / onehot.sum(0))[:, group]
    with np.errstate(invalid="ignore", divide="ignore"):
        return (x_centred * values_centred).sum(-1) / (x_centred**2).sum()


def candidate_levels(elo: np.ndarray, count: int) -> np.ndarray:
    """``count`` Elo levels spread between the 10% and 90% quantiles of the frontier players' Elo."""
    low, high = np.percentile(elo, [10, 90])
    return np.linspace(low, high, count)


def run_signs(runs: int, samples: int, rng: np.random.Generator) -> np.ndarray:
    """(samples, runs) random signs, one per draw and training run (the wild bootstrap of runs)."""
    return rng.choice([-1.0, 1.0], size=(samples, runs))


def run_effects(players: pd.DataFrame) -> np.ndarray:
    """Each player's run effect: the mean, over its run's players, of Elo minus the mean Elo of the
    players with the same width, iteration and budget in the other seeds' runs (0 with one seed)."""
    cell_mean = players.groupby(["network", "iteration", "budget"])["elo"].transform("mean")
    return (players["elo"] - cell_mean).groupby(players["run"]).transform("mean").to_numpy(float)


def exchange_rate(
    players: pd.DataFrame, elo_draws: np.ndarray, signs: np.ndarray, level_count: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Jones's frontier, its slope and the two gates, with intervals.

    ``players``: the frontier players with their Elo (the fit on all games); ``elo_draws``: their
    bootstrap Elo over opening classes (draws, players); ``signs``: :func:`run_signs`, runs in
    sorted order. Runs are resampled by a wild bootstrap: a draw flips the sign of each run's
    effect (:func:`run_effects`), so every width keeps its seeds' lines (drawing runs with
    replacement moved the envelope, a minimum over lines, by more than new seeds do: its
    intervals covered a planted slope in 100% of synthetic arenas). Returns (points:
    :data:`POINT_COLUMNS`, estimates: gates, ``frontier_slope``, ``frontier_inverse_slope``)."""
    ladder = Ladder.of(players)
    elo = players["elo"].to_numpy(float)[None, :]
    elo_draws = elo_draws + (signs[:, ladder.run] - 1) * run_effects(players)
    levels = candidate_levels(elo[0], level_count)
    fits = []
    for values in (elo, elo_draws):
        cheapest, on_envelope = envelope(ladder, values, levels)
        train = crossings(ladder, values, levels, cheapest)
        fits.append((cheapest, on_envelope, train, *inverse_slope(train, on_envelope, ladder.test_values)))
    (cheapest, on_envelope, train, k, entered), draw_k = fits[0], fits[1][3]
    rows, gate_values, gate_draws = [], [], []
    for name, x, group in [
        ("test_elo_per_decade", ladder.log_test, ladder.snapshot),
        ("train_elo_per_decade", ladder.log_train, ladder.line),
    ]:
        gate_values.append(within_slope(elo, x, group)[0])
        gate_draws.append(within_slope(elo_draws, x, group))
        rows.append(estimate_row(name, gate_values[-1], *percentile_interval(gate_draws[-1]), len(players)))
    # the gates' ratio: the iso-Elo slope of a plane Elo = a log train + b log test, a cross-check
    ratio = -gate_values[1] / gate_values[0]
    rows.append(
        estimate_row("gate_ratio_slope", ratio, *percentile_interval(-gate_draws[1] / gate_draws[0]), len(players))
    )
    points = envelope_points(players, levels, cheapest[0], on_envelope[0], train[0], entered[0])
    fitted = int((points["fitted"].astype(bool) & points["train_crossing"].notna()).sum())
    rows += slope_rows(k[0], draw_k, rows[0], rows[1], fitted, int(entered[0].sum()), players["run"].nunique())
    return points, pd.DataFrame(rows)


def slope_rows(k: float, draw_k: np.ndarray, test_gate: dict, train_gate: dict, points: int, levels: int, runs: int):
    """The slope (1/k) and k with their intervals, after the gates (see the module docstring)."""
    failed = float(np.mean(~np.isfinite(draw_k)))
    finite = draw_k[np.isfinite(draw_k)]
    k_low, k_high = percentile_interval(finite) if len(finite) else (np.nan, np.nan)
    extra = {"failed_draws": failed, "levels": levels, "runs": runs, "jones_slope": JONES_SLOPE}
    if not test_gate["estimate_ci_low"] > 0:
        verdict, slope, low, high = NO_TEST_SUBSTITUTION, np.nan, np.nan, np.nan
    else:
        verdict = SUBSTITUTES
        with np.errstate(divide="ignore"):
            slope, low, high = 1 / k, 1 / k_high, 1 / k_low
        if not train_gate["estimate_ci_low"] > 0:
            verdict = NO_TRAIN_SUBSTITUTION
            low, high = np.nanmin([low, 0.0]), np.nanmax([high, 0.0])
    return [
        {**estimate_row("frontier_slope", slope, low, high, points), **extra, "verdict": verdict},
        {**estimate_row("frontier_inverse_slope", k, k_low, k_high, points), **extra, "verdict": verdict},
    ]


def envelope_points(players: pd.DataFrame, levels, cheapest, on_envelope, crossing, entered) -> pd.DataFrame:
    """Every level's envelope as rows naming their players, with the crossing the fit uses
    (``train_crossing``, nan for a censored point) and whether the level entered the fit."""
    rows = []
    for level, row_cheapest, row_on, row_crossing, fitted in zip(levels, cheapest, on_envelope, crossing, entered):
        for k in np.flatnonzero(row_on):
            chosen = players.iloc[row_cheapest[k]].to_dict()
            rows.append({"level": level, **chosen, "train_crossing": 10 ** row_crossing[k], "fitted": bool(fitted)})
    if not rows:
        return pd.DataFrame(columns=POINT_COLUMNS)
    table = pd.DataFrame(rows).rename(columns={"train_flops": "train", "flops_per_move": "test"})
    return table[POINT_COLUMNS]


def estimate_row(name: str, value: float, low: float, high: float, count: int) -> dict:
    keys = ("estimate_name", "estimate", "estimate_ci_low", "estimate_ci_high", "estimate_count")
    return dict(zip(keys, (name, float(value), float(low), float(high), count)))
