"""The controls of the progress measures (random frequency sets, residue permutations, the
memorizer's name) and where a run's measure leaves their band."""

import numpy as np
import pandas as pd

from phenomena.grokking.controls import (
    departure_from_controls,
    departure_steps,
    draw_random_frequencies,
    draw_residue_permutations,
)

P = 31
KEYS = [3, 7, 11]
STEPS = [10, 20, 40, 80, 160, 320]


def test_random_frequency_sets_avoid_the_keys_and_repeat_with_the_seed():
    sets = draw_random_frequencies(P, KEYS, count=4, seed=1)
    assert len(sets) == 4 and all(len(s) == len(KEYS) and not set(s) & set(KEYS) for s in sets)
    assert sets == draw_random_frequencies(P, KEYS, count=4, seed=1) != draw_random_frequencies(P, KEYS, 4, seed=2)


def test_residue_permutations_are_permutations_and_repeat_with_the_seed():
    orders = draw_residue_permutations(P, count=3, seed=4)
    assert all(sorted(order) == list(range(P)) for order in orders) and len({tuple(o) for o in orders}) == 3
    assert all((a == b).all() for a, b in zip(orders, draw_residue_permutations(P, 3, seed=4)))


def rows(run: str, control: str, number: int, values, split: str = "train", steps=STEPS) -> list[dict]:
    return [
        {"run": run, "control": control, "frequency_set": number, "step": step, "split": split,
         "metric": "restricted_loss", "value": value}
        for step, value in zip(steps, values)
    ]  # fmt: skip


def test_departure_is_the_step_from_which_the_run_stays_below_every_control():
    table = pd.DataFrame(
        rows("a", "none", 0, [3.0, 2.0, 3.0, 1.0, 0.5, 0.1])  # dips below at 20, comes back, leaves at 80
        + rows("a", "random_frequencies", 1, [2.5, 2.5, 2.5, 2.5, 2.5, 2.5])
        + rows("a", "random_frequencies", 2, [2.8] * 6)
        + rows("a", "memorizer", 0, [2.9, 2.9, 2.9, 0.8, 0.8], steps=STEPS[:5])  # shorter: 320 does not count
        + rows("a", "none", 0, [3.0] * 6, split="val")
        + rows("a", "random_frequencies", 1, [2.0] * 6, split="val")
        + rows("b", "none", 0, [3.0, 3.0, 3.0, 3.0, 3.0, 1.0])
        + rows("b", "random_frequencies", 1, [2.0] * 6)
        + rows("c", "none", 0, [1.0] * 6)  # no controls: no departure
    )
    assert departure_from_controls(table, "a") == 160  # the memorizer is below at 80
    assert departure_from_controls(table, "a", controls=("random_frequencies",)) == 80
    assert np.isnan(departure_from_controls(table, "a", split="val"))  # never below on the other split
    assert departure_from_controls(table, "a", controls=("random_frequencies",), factor=0.5) == 80  # < 1.25
    assert np.isnan(departure_from_controls(table, "a", factor=0.5))  # never below half the memorizer's 0.8
    steps = departure_steps(table)
    assert steps.to_dict() == {"a": 160.0, "b": 320.0}  # runs with controls only
    assert np.isnan(departure_from_controls(table, "c"))


def test_a_run_below_its_band_from_the_first_step_departs_at_the_first_step():
    table = pd.DataFrame(rows("a", "none", 0, [1.0] * 6) + rows("a", "random_frequencies", 1, [2.0] * 6))
    assert departure_from_controls(table, "a") == 10
