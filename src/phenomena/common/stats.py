"""The one statistics layer: every headline interval of the project is a call to this module.

The unit is what is really random (a training seed, an opening, a training run); an interval
resamples or models units, never the rows inside one. The rule for few units is explicit:
with :data:`FEW_UNITS` or fewer, a percentile bootstrap is only the units' range (over 3 seeds
it covers the mean about 75% of the time), so only a t-interval (:func:`mean_interval` and the
functions built on it), a jackknife with t(G-1) or an exact method is allowed;
:func:`bootstrap_interval` refuses them. Every :class:`Interval` names its method, and each
method is checked on synthetic data with a known answer (``tests/common/test_stats.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

LEVEL = 0.95
FEW_UNITS = 5
"""At most this many units: a t-interval, a jackknife with t(G-1) or an exact method only."""

EFFECT, NO_EFFECT, INCONCLUSIVE = "effect", "no effect", "inconclusive"


@dataclass(frozen=True)
class Interval:
    """An estimate with its ``level`` interval, the method that made it and the units it rests on."""

    estimate: float
    low: float
    high: float
    method: str
    units: str
    n_units: int
    level: float = LEVEL

    def contains(self, value: float) -> bool:
        return bool(self.low <= value <= self.high)


def t_quantile(n_units: int, level: float = LEVEL) -> float:
    """The two-sided ``level`` quantile of Student's t with ``n_units - 1`` degrees of freedom."""
    from scipy import stats  # here, not at the top: the Snakefile reads the findings declarations

    return float(stats.t.ppf((1 + level) / 2, n_units - 1))


def mean_interval(values, units: str = "seeds", level: float = LEVEL) -> Interval:
    """The mean of per-unit values with its t-interval (n - 1 degrees of freedom).

    Exact for normal per-unit values at any n, so it is the rule for few units; one unit
    gives an estimate without an interval (NaN bounds)."""
    values = np.asarray(values, dtype=float)
    n_units = len(values)
    mean = float(values.mean()) if n_units else np.nan
    if n_units < 2:
        return Interval(mean, np.nan, np.nan, "t-interval (n-1 df)", units, n_units, level)
    half_width = t_quantile(n_units, level) * float(values.std(ddof=1)) / np.sqrt(n_units)
    low, high = float(mean - half_width), float(mean + half_width)
    return Interval(mean, low, high, "t-interval (n-1 df)", units, n_units, level)


def paired_difference(treated, control, units: str = "seeds", level: float = LEVEL) -> Interval:
    """The mean of ``treated - control`` paired by unit (same seed, same split), t-interval."""
    treated, control = np.asarray(treated, dtype=float), np.asarray(control, dtype=float)
    if treated.shape != control.shape:
        raise ValueError(f"paired values differ in shape: {treated.shape} vs {control.shape}")
    return replace(mean_interval(treated - control, units, level), method="paired t-interval (n-1 df)")


def geometric_mean_interval(ratios, units: str = "seeds", level: float = LEVEL) -> Interval:
    """The geometric mean of per-unit ratios (a speed-up, a lead), t-interval on their logs.

    A ratio is scale-free: 2x and 0.5x are equally far from 1, which the arithmetic mean of
    ratios is not. Ratios must be positive."""
    ratios = np.asarray(ratios, dtype=float)
    if np.any(ratios <= 0):
        raise ValueError(f"a geometric mean needs positive ratios, got {ratios[ratios <= 0].tolist()}")
    on_logs = mean_interval(np.log(ratios), units, level)
    return Interval(
        float(np.exp(on_logs.estimate)),
        float(np.exp(on_logs.low)),
        float(np.exp(on_logs.high)),
        "t-interval on log ratios (n-1 df)",
        units,
        on_logs.n_units,
        level,
    )


def jackknife_interval(values, statistic: Callable[[np.ndarray], float], units: str, level: float = LEVEL) -> Interval:
    """``statistic`` of all units, with a leave-one-unit-out jackknife standard error and t(G-1).

    ``values`` holds one entry (or row) per unit along axis 0; for a statistic that is not a
    mean (a slope, a fitted Elo difference) over few or clustered units."""
    values = np.asarray(values)
    n_units = len(values)
    estimate = float(statistic(values))
    if n_units < 2:
        return Interval(estimate, np.nan, np.nan, "jackknife, t(G-1)", units, n_units, level)
    leave_one_out = np.array([statistic(np.delete(values, unit, axis=0)) for unit in range(n_units)], dtype=float)
    spread = np.sqrt(jackknife_variance(leave_one_out))
    half_width = t_quantile(n_units, level) * spread
    low, high = float(estimate - half_width), float(estimate + half_width)
    return Interval(estimate, low, high, "jackknife, t(G-1)", units, n_units, level)


def jackknife_variance(replicates: np.ndarray) -> float:
    """The jackknife variance of a statistic from its G leave-one-unit-out replicates."""
    g = len(replicates)
    return float((g - 1) / g * ((replicates - replicates.mean()) ** 2).sum())


def bootstrap_interval(
    values,
    statistic: Callable[[np.ndarray], float],
    units: str,
    *,
    resamples: int = 2000,
    seed: int = 0,
    level: float = LEVEL,
) -> Interval:
    """``statistic`` with a BCa bootstrap interval over units (``scipy.stats.bootstrap``).

    ``values`` holds one entry per unit along axis 0; units are drawn with replacement, so
    rows that belong together (a seed's curve, an opening's games) must be one unit. Refuses
    :data:`FEW_UNITS` or fewer units: use :func:`mean_interval` or :func:`jackknife_interval`."""
    values = np.asarray(values)
    n_units = len(values)
    if n_units <= FEW_UNITS:
        raise ValueError(
            f"a bootstrap over {n_units} {units} is their range, not a {level:.0%} interval; "
            f"with {FEW_UNITS} or fewer units use a t-interval or a jackknife"
        )
    from scipy import stats

    result = stats.bootstrap(
        (np.arange(n_units),),
        lambda picks: statistic(values[picks.astype(int)]),
        n_resamples=resamples,
        confidence_level=level,
        method="BCa",
        vectorized=False,
        rng=np.random.default_rng(seed),
    )
    low, high = result.confidence_interval
    return Interval(float(statistic(values)), float(low), float(high), "BCa bootstrap", units, n_units, level)


def binomial_interval(successes: int, trials: int, units: str, level: float = LEVEL) -> Interval:
    """A proportion with its exact (Clopper-Pearson) interval: a count of units that show something."""
    if trials == 0:
        return Interval(np.nan, np.nan, np.nan, "exact binomial (Clopper-Pearson)", units, 0, level)
    from scipy import stats

    low, high = stats.binomtest(successes, trials).proportion_ci(level, method="exact")
    method = "exact binomial (Clopper-Pearson)"
    return Interval(successes / trials, float(low), float(high), method, units, trials, level)


def no_interval(estimate: float, units: str, n_units: int, why: str) -> Interval:
    """An estimate that has no sampling interval (a count over a whole grid, a deterministic
    quantity); ``why`` says so in the method column."""
    return Interval(float(estimate), np.nan, np.nan, why, units, n_units)


def verdict(interval: Interval, null: float = 0.0, margin: float | None = None) -> str:
    """``effect`` when the interval excludes ``null``; ``no effect`` when it lies within
    ``null +- margin`` (an equivalence margin stated by the finding); else ``inconclusive``."""
    if not (np.isfinite(interval.low) and np.isfinite(interval.high)):
        return INCONCLUSIVE
    if interval.low > null or interval.high < null:
        return EFFECT
    if margin is not None and null - margin <= interval.low and interval.high <= null + margin:
        return NO_EFFECT
    return INCONCLUSIVE


# --- inductive_bias: a ratio of paired means (Fieller) ---


def ratio_interval(numerators, denominators, units: str = "seeds", level: float = LEVEL) -> Interval:
    """``mean(numerators) / mean(denominators)``, paired by unit (what a treatment recovers of an
    effect, both measured on the same seeds), with Fieller's interval: every ``rho`` for which the
    paired t-test of ``mean(numerator - rho x denominator) = 0`` is not rejected at ``level``.

    A t-test inverted, so exact for normal per-unit pairs at any n. When the denominator's mean
    is not itself distinguishable from 0 at ``level`` the set is unbounded: NaN bounds, and the
    method says so."""
    x, y = np.asarray(numerators, dtype=float), np.asarray(denominators, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"paired values differ in shape: {x.shape} vs {y.shape}")
    n_units, method = len(x), "Fieller ratio of paired means, t (n-1 df)"
    estimate = float(x.mean() / y.mean()) if n_units and y.mean() != 0 else np.nan
    if n_units < 2:
        return Interval(estimate, np.nan, np.nan, method, units, n_units, level)
    t_squared = t_quantile(n_units, level) ** 2
    covariance = np.cov(x, y, ddof=1) / n_units  # of the two means
    a = y.mean() ** 2 - t_squared * covariance[1, 1]
    b = x.mean() * y.mean() - t_squared * covariance[0, 1]
    c = x.mean() ** 2 - t_squared * covariance[0, 0]
    if a <= 0:
        unbounded = f"{method}; unbounded: the denominator is not distinguishable from 0"
        return Interval(estimate, np.nan, np.nan, unbounded, units, n_units, level)
    root = np.sqrt(max(b * b - a * c, 0.0))
    return Interval(estimate, float((b - root) / a), float((b + root) / a), method, units, n_units, level)


# --- grokking: paired ratios of times that may be censored at a budget
LOWER_BOUND, UPPER_BOUND = "lower bound", "upper bound"


def censored_ratio_interval(numerator, numerator_observed, denominator, denominator_observed, units: str = "seeds"):
    """The geometric mean of per-unit ratios of two times (steps to a threshold), either of which
    may be censored: never reached within a budget, so the value given (the budget) only bounds the
    time from below. Returns ``(interval, bound)``.

    Units where both times are observed give exact ratios. A unit with only the denominator
    observed has a ratio of at least budget / time; if there are such units and none of the
    reverse kind, they join the exact ones and the whole is a lower bound (``bound`` =
    :data:`LOWER_BOUND`, the method says how many units are bounds); the mirror case gives an
    upper bound. With both kinds, or none, the exact units alone (``bound`` = ""). Units with
    neither time observed carry no information and are left out. No usable unit: NaN.
    """
    numerator, denominator = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    top, bottom = np.asarray(numerator_observed, dtype=bool), np.asarray(denominator_observed, dtype=bool)
    both, lower, upper = top & bottom, ~top & bottom, top & ~bottom
    used, bound = both, ""
    if lower.any() and not upper.any():
        used, bound = both | lower, LOWER_BOUND
    elif upper.any() and not lower.any():
        used, bound = both | upper, UPPER_BOUND
    if not used.any():
        return no_interval(np.nan, units, 0, "no unit with both times observed or one-sided bounds: no ratio"), ""
    interval = geometric_mean_interval(numerator[used] / denominator[used], units)
    if bound:
        method = f"{interval.method}; a {bound}: {int((lower | upper).sum())} censored at the budget"
        interval = replace(interval, method=method)
    return interval, bound
