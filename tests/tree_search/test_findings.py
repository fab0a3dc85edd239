"""The tree-search findings: each estimator calibrated with one training run at 13 opening
classes (the 25 two-ply openings of a 5-column board, mirror images together: the fewest classes
a config gives; the default's 3-ply openings give 63, and its runs x classes intervals are
calibrated in test_scores.py), and each finding on a hand-made table (right estimate, right verdict)."""

import itertools

import numpy as np
import pandas as pd
import pytest

from phenomena.common.stats import verdict
from phenomena.tree_search.contrasts import elo_contrast
from phenomena.tree_search.players import RANDOM
from phenomena.tree_search.scores import two_way_interval

COLUMNS = 5
OPENINGS = [f"{a}-{b}" for a, b in itertools.product(range(COLUMNS), repeat=2)]
REPLICATES = 400


def mirror(opening: str) -> str:
    return min(opening, "-".join(str(COLUMNS - 1 - int(m)) for m in opening.split("-")))


CLASSES = sorted({mirror(o) for o in OPENINGS})
CLASS_SIZES = np.array([sum(mirror(o) == c for o in OPENINGS) for c in CLASSES])


def test_two_ply_openings_make_13_opening_classes():
    assert len(CLASSES) == 13 and sorted(CLASS_SIZES.tolist()) == [1] + [2] * 12


def simulated_class_scores(rng, mean: float, runs: int = 3) -> np.ndarray:
    """(replicates, classes, 2): summed score and games per class of deterministic players.

    Each class has its own expected score (Beta around ``mean``: openings differ); on a class,
    each run plays one game per colour and replays it on the mirror opening (deterministic,
    mirror-trained players), with draws a quarter of the time."""
    concentration = 6.0
    class_mean = rng.beta(mean * concentration, (1 - mean) * concentration, (REPLICATES, len(CLASSES), 1, 1))
    draw = rng.random((REPLICATES, len(CLASSES), runs, 2)) < 0.25
    win = rng.random((REPLICATES, len(CLASSES), runs, 2)) < (class_mean - 0.125) / 0.75
    score = np.where(draw, 0.5, win.astype(float)).sum((2, 3)) * CLASS_SIZES  # the mirror replays the game
    games = np.broadcast_to(CLASS_SIZES * runs * 2, score.shape)
    return np.stack([score, games], axis=-1)


@pytest.mark.parametrize("mean", [0.5, 0.75])
def test_the_score_jackknife_over_13_classes_covers_the_expected_score(mean):
    rng = np.random.default_rng(0)
    tables = simulated_class_scores(rng, mean)
    intervals = [two_way_interval(table[None, :, 0], table[None, :, 1]) for table in tables]
    coverage = np.mean([i.contains(mean) for i in intervals])
    detected = np.mean([verdict(i, 0.5) == "effect" for i in intervals])
    assert 0.92 <= coverage <= 0.98, f"coverage {coverage:.3f} at expected score {mean}"
    if mean == 0.5:
        assert detected <= 0.08, f"null detected in {detected:.3f} of replicates"
    else:
        assert detected >= 0.9, f"planted effect detected in only {detected:.3f} of replicates"


def ladder_template(elo: dict[str, float]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One arena: each pair of ``elo``'s players on every opening with both colours. Returns the
    games, the outcome each game copies, and per outcome the first player's Elo lead, its class
    and the sign with which the class's own shift of the ``last`` player enters. Games against
    the random player are independent; two network players replay one game on both openings
    of a mirror class (deterministic, mirror-trained players)."""
    rows, draw_of_game, lead, unit, sign, outcome = [], [], [], [], [], {}
    for a, b in itertools.combinations(elo, 2):
        deterministic = RANDOM not in (a, b)
        for opening, (first, second) in itertools.product(OPENINGS, [(a, b), (b, a)]):
            key = (first, second, mirror(opening) if deterministic else opening)
            if key not in outcome:
                outcome[key] = len(lead)
                lead.append(elo[first] - elo[second])
                unit.append(CLASSES.index(mirror(opening)))
                sign.append((first == "last") - (second == "last"))
            draw_of_game.append(outcome[key])
            rows.append((first, second, opening, mirror(opening)))
    games = pd.DataFrame(rows, columns=["first", "second", "opening", "opening_unit"]).assign(seed=0)
    return games, np.array(draw_of_game), np.array(lead), np.array(unit), np.array(sign)


def simulated_elo_intervals(gain: float, class_sd: float, seed: int) -> list:
    """The Elo-gain interval on simulated arenas where the last policy is ``gain`` Elo above the
    first, and each opening class shifts the last policy's strength by N(0, ``class_sd``) Elo."""
    rng = np.random.default_rng(seed)
    games, draw_of_game, lead, unit, sign = ladder_template({RANDOM: 0.0, "first": 150.0, "last": 150.0 + gain})
    intervals = []
    for _ in range(REPLICATES):
        shift = class_sd * rng.standard_normal(len(CLASSES))
        win_probability = 1 / (1 + 10 ** (-(lead + sign * shift[unit]) / 400))
        wins = (rng.random(len(lead)) < win_probability).astype(float)
        intervals.append(elo_contrast(games.assign(score_first=wins[draw_of_game]), [("run", "last", "first")]))
    return intervals


@pytest.mark.parametrize("gain", [0.0, 300.0])
def test_the_elo_jackknife_over_13_classes_covers_the_true_elo_gain(gain):
    intervals = simulated_elo_intervals(gain, class_sd=60.0, seed=1)
    coverage = np.mean([i.contains(gain) for i in intervals])
    detected = np.mean([verdict(i) == "effect" for i in intervals])
    assert 0.92 <= coverage <= 0.98, f"coverage {coverage:.3f} at an Elo gain of {gain}"
    if gain == 0:
        assert detected <= 0.08, f"null detected in {detected:.3f} of replicates"
    else:
        assert detected >= 0.9, f"planted gain detected in only {detected:.3f} of replicates"
