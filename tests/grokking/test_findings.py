"""The grokking findings: each estimator calibrated on simulated metric tables at the study's own
sizes (5 seeds per optimizer arm at fraction 0.3, 3 seeds at 0.5, 3 LLC trajectories), with a
planted effect and with none, and checked on small hand-made tables."""

import math

import numpy as np
import pandas as pd
import pytest

from phenomena.common.stats import EFFECT, INCONCLUSIVE
from phenomena.grokking.findings import findings

REPLICATES = 400
SECTION = {"llc": {"trajectory": {}}}
FOUND = {finding.name: finding for finding in findings(SECTION)}
SIGMA = 0.15  # spread of log steps over seeds (the default runs: ~0.1-0.15)


def arm(optimizer, weight_decay, steps, fraction=0.3, budget=4000.0, train=30.0) -> list[dict]:
    """Summary rows of one arm, a seed per entry of ``steps``; steps above ``budget``: never reached."""
    rows = []
    for seed, value in enumerate(np.atleast_1d(steps)):
        reached = value <= budget
        rows.append(
            {
                "run": f"{optimizer}_wd{weight_decay}_f{fraction}_s{seed}", "seed": seed, "operation": "add",
                "modulus": 97, "train_fraction": fraction, "weight_decay": weight_decay, "optimizer": optimizer,
                "steps_to_train_99": train, "steps_to_val_95": float(value) if reached else np.nan,
                "last_step": int(min(value * 1.1, budget)) if reached else int(budget), "generalized": bool(reached),
            }
        )  # fmt: skip
    return rows


def study(rng, grokfast=1.0, control=1.0, repository=1.0, fraction=1.0, delay=40.0) -> pd.DataFrame:
    """A simulated summary: AdamW at 0.3 (5 seeds) and 0.5 (3), its memorizers, the AdamW variants and
    the Grokfast repository's arms; each arm's steps are the baseline's over its planted speed-up."""
    base = 1200 * np.exp(rng.normal(0, SIGMA, 5))
    train = 30 * np.exp(rng.normal(0, 0.05, 5))
    noise = lambda n=5: np.exp(rng.normal(0, SIGMA, n))  # noqa: E731
    rows = [row | {"steps_to_train_99": t} for row, t in zip(arm("adamw", 1.0, train * delay * noise()), train)]
    rows += arm("adamw", 1.0, 1200 / fraction * noise(3), fraction=0.5)
    rows += arm("adamw", 0.0, [np.inf] * 5, budget=2000.0)
    rows += arm("grokfast", 1.0, base / grokfast * noise()) + arm("adamw_step_control", 1.0, base / control * noise())
    rows += arm("adam_l2", 0.005, base * noise(), budget=1e6) + arm("grokfast_adam", 0.005, base / repository * noise())
    return pd.DataFrame(rows)


def lead_table(rng, lead=1.0, control_lead=1.0, fall=2.5, control_fall=2.5) -> pd.DataFrame:
    crossing = 900 * np.exp(rng.normal(0, 0.2, 3))
    jump = crossing * lead * np.exp(rng.normal(0, SIGMA, 3))
    return pd.DataFrame(
        {
            "run": [f"grok{s}" for s in range(3)], "control_run": [f"memo{s}" for s in range(3)],
            "llc_crossing_step": crossing, "steps_to_val_95": jump, "llc_lead_ratio": jump / crossing,
            "control_crossing_step": jump / control_lead * np.exp(rng.normal(0, SIGMA, 3)),
            "llc_fall_decades": fall + rng.normal(0, 0.2, 3),
            "control_fall_decades": control_fall + rng.normal(0, 0.2, 3),
        }
    ).assign(control_lead_ratio=lambda t: t["steps_to_val_95"] / t["control_crossing_step"])  # fmt: skip


CASES = {  # finding -> (table maker, planted effect, its true value, the null)
    "grokking_delay": (study, {"delay": 40.0}, 40.0, {"delay": 1.0}),
    "grokfast_speedup": (study, {"grokfast": 0.6}, 0.6, {}),
    "step_control_speedup": (study, {"control": 0.8}, 0.8, {}),
    "grokfast_repository": (study, {"repository": 1.0}, None, {}),  # Adam never reaches: a lower bound
    "grokfast_filter_with_l2": (study, {"repository": 2.0}, 2.0, {}),
    "fraction_effect": (study, {"fraction": 3.0}, 3.0, {}),
    "llc_lead": (lead_table, {"lead": 1.3}, 1.3, {}),
    "llc_fall": (lead_table, {"control_fall": 0.3}, 2.2, {}),
}


def run(name: str, table):
    finding = FOUND[name]
    return finding.estimate(**{finding.tables[0]: table})


@pytest.mark.parametrize("name", [name for name, case in CASES.items() if case[2] is not None])
def test_interval_covers_the_truth_and_the_null_is_not_detected(name):
    make, planted, truth, null_setting = CASES[name]
    rng = np.random.default_rng(7)
    covered = detected = false_alarms = null_covered = 0
    null = 0.0 if name == "llc_fall" else 1.0
    for _ in range(REPLICATES):
        interval = run(name, make(rng, **planted)).interval
        covered += interval.low <= truth <= interval.high
        detected += not interval.low <= null <= interval.high
        null_interval = run(name, make(rng, **null_setting)).interval
        false_alarms += not null_interval.low <= null <= null_interval.high
        null_covered += null_interval.low <= null <= null_interval.high
    coverage, power, alarm = covered / REPLICATES, detected / REPLICATES, false_alarms / REPLICATES
    message = f"{name}: coverage {coverage:.3f}, detected {power:.3f}, false alarms {alarm:.3f}"
    print(message)
    assert 0.92 <= coverage <= 0.98, message
    assert 0.92 <= null_covered / REPLICATES <= 0.98, message  # the null is the truth there
    assert alarm <= 0.08, message
    if name not in ("step_control_speedup", "llc_lead"):  # effects of a size the study's seeds resolve
        assert power >= 0.8, message


def test_repository_speedup_is_a_lower_bound_when_adam_never_generalizes():
    """Adam at wd 0 never reaches 95% within its 2,000 steps: each ratio is at least budget / steps,
    so the interval bounds the speed-up from below: its low end lies under the truth (conservative)."""
    rng = np.random.default_rng(3)
    below = 0
    for _ in range(REPLICATES):
        table = study(rng, repository=1.0)
        truth = 1e9  # Adam's true time is unbounded here: any finite lower bound is below it
        estimate = run("grokfast_repository", table)
        below += estimate.interval.low <= truth
        assert "lower bound: 5 censored" in estimate.interval.method
        assert estimate.slots["speedup"].startswith("at least ")
    assert below == REPLICATES


def test_findings_on_a_hand_made_table():
    rows = arm("adamw", 1.0, [1200.0, 1000.0, 1440.0]) + arm("adamw", 0.0, [np.inf] * 3, budget=2000.0)
    rows += arm("grokfast", 1.0, [2400.0, 2000.0, 2880.0]) + arm("adamw_step_control", 1.0, [1200.0, 1000.0, 5000.0])
    rows += arm("adamw", 1.0, [400.0, 1000 / 3, 480.0], fraction=0.5)
    rows += arm("grokfast_adam", 0.005, [500.0, 400.0, 500.0]) + arm("adam_l2", 0.005, [np.inf] * 3, budget=2000.0)
    summary = pd.DataFrame(rows)
    delay = run("grokking_delay", summary)
    assert delay.interval.estimate == pytest.approx((40 * 1000 / 30 * 48) ** (1 / 3))
    assert delay.control.estimate == 0 and delay.slots["memorizers_reached"] == 0
    grokfast = run("grokfast_speedup", summary)
    assert grokfast.interval.estimate == pytest.approx(0.5) and grokfast.verdict == EFFECT  # slower on every seed
    assert grokfast.interval.high == pytest.approx(0.5)
    assert grokfast.control.estimate == pytest.approx((1440 / 4000) ** (1 / 3))  # seed 2 at its budget: at most
    assert "upper bound: 1 censored" in grokfast.control.method
    repository = run("grokfast_repository", summary)
    assert repository.interval.estimate == pytest.approx((2000 / 500 * 2000 / 400 * 2000 / 500) ** (1 / 3))
    assert repository.slots["speedup"].startswith("at least ") and repository.verdict == EFFECT
    assert repository.slots["counted"] == "3 of 3 Grokfast runs"
    assert math.isnan(repository.control.estimate)  # Adam with L2 never got there either: no ratio
    fraction = run("fraction_effect", summary)
    assert fraction.interval.estimate == pytest.approx(3.0) and fraction.verdict == EFFECT
    statements = {f.name: f.sentence.format(**slots(run(f.name, summary)), **run(f.name, summary).slots)
                  for f in FOUND.values() if f.tables == ("summary",)}  # fmt: skip
    assert (
        "reached by 3 of 3 Grokfast runs and 0 of 3 Adam runs (the others not within 2,000 steps)"
        in (statements["grokfast_repository"])
    )


def test_llc_findings_on_a_hand_made_table():
    table = pd.DataFrame(
        {
            "run": ["g0", "g1", "g2", "m0"], "control_run": ["m0", "m1", "m2", ""],
            "llc_crossing_step": [850.0, 850.0, 1075.0, 200.0], "steps_to_val_95": [1175.0, 950.0, 1300.0, np.nan],
            "control_crossing_step": [200.0, np.nan, 300.0, np.nan], "llc_fall_decades": [2.5, 2.4, 2.6, 0.3],
            "control_fall_decades": [0.3, 0.2, 0.4, np.nan],
        }
    ).assign(
        llc_lead_ratio=lambda t: t["steps_to_val_95"] / t["llc_crossing_step"],
        control_lead_ratio=lambda t: t["steps_to_val_95"] / t["control_crossing_step"],
    )  # fmt: skip
    lead = run("llc_lead", table)
    ratios = [1175 / 850, 950 / 850, 1300 / 1075]
    assert lead.interval.estimate == pytest.approx(math.exp(np.mean(np.log(ratios))))
    assert lead.control.n_units == 2 and lead.control.estimate == pytest.approx(math.sqrt(1175 / 200 * 1300 / 300))
    fall = run("llc_fall", table)
    assert fall.interval.estimate == pytest.approx(2.2) and fall.control.estimate == pytest.approx(0.3)
    assert FOUND["llc_fall"].null == 0.0
    assert lead.slots["left_basin"] == fall.slots["left_basin"] == "not checked"  # a table without the counts
    counted = run("llc_fall", table.assign(llc_snapshots=[17, 16, 17, 16], llc_left_basin=[0, 0, 0, 1]))
    assert counted.slots["left_basin"] == "1 of 66"
    assert "left the basin (sampled loss above chance, log p): 1 of 66." in FOUND["llc_fall"].sentence.format(
        **slots(counted), **counted.slots
    )


def test_no_llc_findings_without_llc():
    assert not {"llc_lead", "llc_fall"} & {f.name for f in findings({"llc": None})}


def test_a_finding_without_any_reached_run_is_inconclusive():
    never = [np.inf, np.inf]
    summary = pd.DataFrame(
        arm("adamw", 1.0, never) + arm("grokfast", 1.0, never) + arm("adamw_step_control", 1.0, never)
    )
    estimate = run("grokfast_speedup", summary)
    assert estimate.verdict == INCONCLUSIVE and estimate.slots["speedup"].startswith("not estimable")
    slower = pd.DataFrame(arm("adamw", 1.0, [1000.0, 900.0]) + arm("grokfast", 1.0, never))
    estimate = run("step_control_speedup", slower.replace("grokfast", "adamw_step_control"))
    assert estimate.slots["speedup"].startswith("at most ") and estimate.verdict == EFFECT  # at most 0.25x


def slots(estimate) -> dict:
    interval, control = estimate.interval, estimate.control
    nan = float("nan")
    return {
        "estimate": interval.estimate, "low": interval.low, "high": interval.high, "units": interval.units,
        "n_units": interval.n_units, "method": interval.method, "verdict": "",
        "control_estimate": control.estimate if control else nan, "control_low": control.low if control else nan,
        "control_high": control.high if control else nan,
    }  # fmt: skip
