"""The perturbation findings: the estimators with an interval calibrated at the study's seeds
(zero init: 2 seeds; diffusion: 1 seed by default, so no interval, and 3 seeds, what adding
seeds would give), and each finding on a hand-made table (right estimate, right verdict)."""

import numpy as np
import pandas as pd
import pytest

from phenomena.common.findings import findings_table
from phenomena.common.stats import verdict
from phenomena.perturbation import datasaurus
from phenomena.perturbation.findings import (
    ACCURACY_MARGIN,
    LINE_VS_NOISE_MARGIN,
    STATISTICS,
    findings,
    line_vs_noise,
    symmetry_kept,
    zero_at_chance,
)

REPLICATES = 400
ZERO_INIT_SEEDS = 2


def test_the_kept_statistics_are_the_annealings():
    assert STATISTICS == datasaurus.STATISTICS


def zero_init_summary(zero_gap, default_gap, majority=0.1, spreads=(0.0, 0.0, 1.0)) -> pd.DataFrame:
    """Per seed: each init's final test accuracy (majority rate + gap) and largest unit spread."""
    rows = []
    for seed, (zero, default) in enumerate(zip(zero_gap, default_gap)):
        runs = (("zero", zero, spreads[0]), ("constant", 0.2, spreads[1]), ("default", default, spreads[2]))
        for init, gap, spread in runs:
            rows.append({"init": init, "seed": seed, "final_test_accuracy": majority + gap,
                         "majority_rate": majority, "max_unit_spread": spread})  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize("gap", [0.0, 0.5])
def test_the_accuracy_gap_over_2_seeds_covers_the_truth(gap):
    """Per-seed gaps vary (sd 0.02) around ``gap``: the t-interval with 1 df covers it 95% of
    the time, and a gap of 0.5 (what small random weights gain) is found while none is not."""
    rng = np.random.default_rng(2)
    gaps = gap + 0.02 * rng.standard_normal((REPLICATES, ZERO_INIT_SEEDS))
    intervals = [zero_at_chance(zero_init_summary(g, g)).interval for g in gaps]
    coverage = np.mean([i.contains(gap) for i in intervals])
    detected = np.mean([verdict(i) == "effect" for i in intervals])
    assert 0.92 <= coverage <= 0.98, f"coverage {coverage:.3f} at a gap of {gap} over 2 seeds"
    assert (detected <= 0.08) if gap == 0 else (detected >= 0.9), f"effect found in {detected:.3f} at gap {gap}"


@pytest.mark.parametrize("spread", [0.0, 1.0])
def test_the_unit_spread_over_2_seeds_separates_identical_units_from_distinct(spread):
    """Identical units have spread exactly 0 on every seed: the interval is the point 0, "no
    effect"; distinct units (spread ~1, sd 0.05 over seeds) are covered 95% and found."""
    rng = np.random.default_rng(3)
    spreads = spread + (0.05 * rng.standard_normal((REPLICATES, ZERO_INIT_SEEDS)) if spread else 0.0)
    spreads = np.broadcast_to(spreads, (REPLICATES, ZERO_INIT_SEEDS))
    intervals = []
    for values in spreads:
        table = pd.DataFrame({"init": ["zero"] * 2 + ["default"] * 2, "seed": [0, 1] * 2,
                              "max_unit_spread": [*values, 1.0, 1.0]})  # fmt: skip
        intervals.append(symmetry_kept(table, "zero").interval)
    coverage = np.mean([i.contains(spread) for i in intervals])
    verdicts = [verdict(i, 0.0, 1e-6) for i in intervals]
    if spread:
        assert 0.92 <= coverage <= 0.98, f"coverage {coverage:.3f} of a unit spread of {spread} over 2 seeds"
        assert np.mean([v == "effect" for v in verdicts]) >= 0.9
    else:
        assert coverage == 1 and set(verdicts) == {"no effect"}


def diffusion_distances(line, noise, floor, sampler="ddim") -> pd.DataFrame:
    """Per seed, the final (step 2) distances of the samples from a line, from noise and the floor."""
    rows = []
    for seed, values in enumerate(zip(line, noise, floor)):
        for split, value in zip(("line", "noise", "held_out"), values):
            rows += [{"seed": seed, "sampler": sampler, "split": split, "step": step, "value": value * (3 - step)}
                     for step in (0, 1, 2)]  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize("ratio", [1.0, 2.0])
def test_the_line_over_noise_ratio_over_3_seeds_covers_the_truth(ratio):
    """Per-seed ratios log-normal around ``ratio`` (sd 0.1 on logs): covered 95% by 3 seeds, and
    a 2x farther line is found; the default's single seed gives no interval (inconclusive)."""
    rng = np.random.default_rng(4)
    noise = np.exp(0.1 * rng.standard_normal((REPLICATES, 3)))
    line = noise * ratio * np.exp(0.1 * rng.standard_normal((REPLICATES, 3)))
    intervals = [line_vs_noise(diffusion_distances(a, b, [0.5] * 3), "ddim").interval for a, b in zip(line, noise)]
    coverage = np.mean([i.contains(ratio) for i in intervals])
    detected = np.mean([verdict(i, 1.0) == "effect" for i in intervals])
    assert 0.92 <= coverage <= 0.98, f"coverage {coverage:.3f} of a ratio of {ratio} over 3 seeds"
    assert (detected <= 0.08) if ratio == 1 else (detected >= 0.9), f"effect found in {detected:.3f} at {ratio}"
    one_seed = line_vs_noise(diffusion_distances([1.1], [1.0], [0.5]), "ddim")
    assert one_seed.interval.estimate == pytest.approx(1.1) and np.isnan(one_seed.interval.low)
    assert "no interval" in one_seed.slots["interval_text"]


# --- hand-made tables -------------------------------------------------------------------------


def datasaurus_statistics(drift: float) -> pd.DataFrame:
    """Two shapes, three frames: statistics drifting by ``drift``, distances 10 -> 5 -> 0.5 (circle), 0.8 (x)."""
    rows = []
    for target, final in (("circle", 0.5), ("x", 0.8)):
        for step, distance in ((0, 10.0), (50, 5.0), (100, final)):
            values = {name: 50.0 + 0.4 + drift * step / 100 for name in STATISTICS} | {"mean_distance": distance}
            rows += [{"target": target, "step": step, "metric": m, "value": v} for m, v in values.items()]
    return pd.DataFrame(rows)


SECTION = {
    "datasaurus": {"decimals": 2, "tolerance": 1.0},
    "diffusion": {"sampling": {"samplers": ["ddpm", "ddim"]}},
    "zero_init": {"inits": ["default", "zero", "constant"]},
}


def table(drift=0.004, zero_gap=(0.0, 0.0)) -> pd.DataFrame:
    distances = pd.concat(
        [
            diffusion_distances([0.3, 0.33, 0.27], [0.3, 0.3, 0.3], [0.2] * 3, "ddpm"),
            diffusion_distances([0.6, 0.66, 0.63], [0.3, 0.3, 0.3], [0.2] * 3, "ddim"),
        ]
    )
    tables = {
        "datasaurus_statistics": datasaurus_statistics(drift),
        "diffusion_distances": distances,
        "zero_init_summary": zero_init_summary(zero_gap, (0.6, 0.62)),
    }
    found = findings_table(findings(SECTION), tables, study="perturbation", section=SECTION, commit="")
    return found.set_index("finding")


def test_datasaurus_findings_on_a_hand_made_table():
    kept = table()
    assert kept.loc["datasaurus_statistics_kept", "estimate"] == pytest.approx(0.004)
    assert kept.loc["datasaurus_statistics_kept", "verdict"] == "no effect"
    assert table(drift=0.02).loc["datasaurus_statistics_kept", "verdict"] == "effect"
    reached = kept.loc["datasaurus_shapes_reached"]
    assert reached["estimate"] == pytest.approx(0.8) and reached["control_estimate"] == pytest.approx(10.0)
    assert reached["verdict"] == "effect" and "(x;" in reached["statement"]


def test_diffusion_findings_on_a_hand_made_table():
    found = table()
    ddpm, ddim = found.loc["diffusion_line_ddpm"], found.loc["diffusion_line_ddim"]
    assert ddpm["estimate"] == pytest.approx(np.exp(np.mean(np.log([1.0, 1.1, 0.9]))))
    assert ddpm["control_estimate"] == pytest.approx(1.5) and ddpm["n_units"] == 3
    assert ddpm["verdict"] == "inconclusive"  # within 1 +- 0.25 at its estimate, but 3 seeds are too few to say
    assert ddim["estimate"] == pytest.approx(np.exp(np.mean(np.log([2.0, 2.2, 2.1])))) and ddim["verdict"] == "effect"
    assert LINE_VS_NOISE_MARGIN == 0.25


def test_zero_init_findings_on_a_hand_made_table():
    found = table()
    at_chance = found.loc["zero_init_at_chance"]
    assert at_chance["estimate"] == 0 and at_chance["verdict"] == "no effect"
    assert at_chance["control_estimate"] == pytest.approx(0.61)
    assert table(zero_gap=(0.1, 0.101)).loc["zero_init_at_chance", "verdict"] == "effect"
    assert table(zero_gap=(0.0, 0.002)).loc["zero_init_at_chance", "verdict"] == "inconclusive"  # t(1): wide
    assert ACCURACY_MARGIN == 0.01
    for init in ("zero", "constant"):
        row = found.loc[f"{init}_init_symmetry"]
        assert row["estimate"] == 0 and row["verdict"] == "no effect" and row["control_estimate"] == 1.0


def test_findings_follow_the_inits_and_samplers_of_the_config():
    section = {**SECTION, "diffusion": {"sampling": {"samplers": ["ddim"]}}, "zero_init": {"inits": ["zero"]}}
    assert [f.name for f in findings(section)] == ["datasaurus_statistics_kept", "datasaurus_shapes_reached",
                                                   "diffusion_line_ddim"]  # fmt: skip
