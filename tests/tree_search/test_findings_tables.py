"""The tree-search findings on hand-made tables: the right estimate, the right verdict, the
statement's words; two seeds as two runs in one fit."""

import numpy as np
import pandas as pd
import pytest

from phenomena.common.findings import findings_table
from phenomena.tree_search.elo import ELO_PER_NAT, fit_elo
from phenomena.tree_search.findings import findings
from phenomena.tree_search.frontier import NO_TEST_SUBSTITUTION, SUBSTITUTES
from phenomena.tree_search.players import GUMBEL, NETWORK, PERFECT, PUCT, RANDOM
from tree_search.test_findings import OPENINGS, mirror


def player(name, kind=NETWORK, search="", iteration=-1, budget=0):
    return {"player": name, "kind": kind, "network": "net" if kind == NETWORK else "", "search": search,
            "iteration": iteration, "budget": budget, "seed": 0}  # fmt: skip


SUMMARY = pd.DataFrame(
    [
        player(RANDOM, RANDOM),
        player(PERFECT, PERFECT),
        player("i0_policy", search="policy", iteration=0),
        player("i0_sims8", search=PUCT, iteration=0, budget=8),
        player("i3_policy", search="policy", iteration=3),
        player("i3_sims2", search=PUCT, iteration=3, budget=2),
        player("i3_sims4", search=PUCT, iteration=3, budget=4),
        player("i3_sims8", search=PUCT, iteration=3, budget=8),
        player("i3_gumbel2", search=GUMBEL, iteration=3, budget=2),
        player("i3_gumbel4", search=GUMBEL, iteration=3, budget=4),
    ]
)


def hand_games(results: dict[tuple[str, str], callable]) -> pd.DataFrame:
    """Games of each (player, opponent) on every opening, both colours; ``results`` gives the
    player's score from (opening, player moves first)."""
    rows = []
    for (a, b), score in results.items():
        for opening in OPENINGS:
            rows.append((a, b, opening, mirror(opening), score(opening, True)))
            rows.append((b, a, opening, mirror(opening), 1 - score(opening, False)))
    return pd.DataFrame(rows, columns=["first", "second", "opening", "opening_unit", "score_first"]).assign(seed=0)


def wins_first(opening, first):  # wins with the first move, draws with the second: 0.75
    return 1.0 if first else 0.5


def wins_off_centre(opening, first):  # wins unless the opening starts in the centre column: 0.8
    return 0.0 if opening.startswith("2-") else 1.0


GAMES = hand_games(
    {
        ("i3_sims8", "i3_policy"): wins_first,
        ("i0_sims8", "i0_policy"): wins_off_centre,
        ("i3_gumbel4", "i3_sims4"): lambda opening, first: 0.5,
        ("i3_gumbel2", "i3_sims2"): lambda opening, first: 0.0 if opening.startswith("2-") else 0.5,
        ("i3_sims8", PERFECT): lambda opening, first: 0.5 if first else 0.0,
        ("i3_policy", PERFECT): lambda opening, first: 0.0,
        ("i0_policy", RANDOM): lambda opening, first: 1.0 if opening in ("0-0", "1-1", "2-2") or first else 0.0,
        ("i3_policy", RANDOM): lambda opening, first: 0.0 if opening == "0-0" and first else 1.0,
        ("i3_policy", "i0_policy"): wins_first,
    }
)
SECTION = {"arena": {"perfect_player": True, "gumbel_pooled_budgets": [2, 4]}}


def estimates(slope: float, low: float, high: float, search_low: float, verdict_text: str) -> pd.DataFrame:
    """The metrics rule's frontier rows (:func:`phenomena.tree_search.frontier.exchange_rate`)."""
    extra = {
        "levels": 4,
        "runs": 3,
        "failed_draws": 0.01,
        "verdict": verdict_text,
        "estimate_count": 12,
        "opening_classes": 13,
    }
    return pd.DataFrame(
        [
            {"estimate_name": "frontier_slope", "estimate": slope, "estimate_ci_low": low, "estimate_ci_high": high}
            | extra,
            {"estimate_name": "test_elo_per_decade", "estimate": 90.0, "estimate_ci_low": search_low,
             "estimate_ci_high": 150.0},
            {"estimate_name": "train_elo_per_decade", "estimate": 120.0, "estimate_ci_low": 60.0,
             "estimate_ci_high": 180.0},
            {"estimate_name": "gate_ratio_slope", "estimate": -1.33, "estimate_ci_low": -2.0,
             "estimate_ci_high": -0.8},
        ]
    )  # fmt: skip


ESTIMATES = estimates(-1.1, -1.6, -0.7, 30.0, SUBSTITUTES)


@pytest.fixture(scope="module")
def table():
    tables = {"games": GAMES, "summary": SUMMARY, "estimates": ESTIMATES}
    found = findings_table(findings(SECTION), tables, study="tree_search", section=SECTION, commit="")
    return found.set_index("finding")


def test_search_gain_on_a_hand_made_table(table):
    row = table.loc["search_gain"]
    assert row["estimate"] == pytest.approx(0.75) and row["low"] == pytest.approx(0.75)
    assert row["control_estimate"] == pytest.approx(0.8) and row["n_units"] == 13
    assert row["verdict"] == "effect" and "8 simulations" in row["statement"]


def test_gumbel_vs_puct_searches_and_keeps_budget_2_as_the_control(table):
    row = table.loc["gumbel_vs_puct"]
    assert row["estimate"] == pytest.approx(0.5) and row["verdict"] == "inconclusive"
    assert row["control_estimate"] == pytest.approx(0.4)  # 5 of 25 openings start in the centre: lost
    assert "4 simulations" in row["statement"]


def test_gap_to_perfect_on_a_hand_made_table(table):
    row = table.loc["gap_to_perfect"]
    assert row["estimate"] == pytest.approx(0.25) and row["control_estimate"] == pytest.approx(0.0)
    assert row["verdict"] == "effect"


def test_policy_training_gain_is_the_elo_fit_of_all_games(table):
    row = table.loc["policy_training_gain"]
    names = sorted(set(GAMES["first"]) | set(GAMES["second"]))
    index = {name: i for i, name in enumerate(names)}
    elo = fit_elo(GAMES["first"].map(index).to_numpy(), GAMES["second"].map(index).to_numpy(),
                  GAMES["score_first"].to_numpy(), len(names), index[RANDOM])  # fmt: skip
    assert row["estimate"] == pytest.approx(elo[index["i3_policy"]] - elo[index["i0_policy"]])
    assert row["control_estimate"] == pytest.approx(elo[index["i0_policy"]])
    assert row["estimate"] > 0.5 * ELO_PER_NAT and row["verdict"] == "effect"


def test_gumbel_vs_puct_is_left_out_when_every_pooled_budget_is_the_raw_policy():
    names = [f.name for f in findings({"arena": {"perfect_player": False, "gumbel_pooled_budgets": [2]}})]
    assert names == ["search_gain", "policy_training_gain", "exchange_rate"]


def test_the_exchange_rate_reads_the_frontier_rows_and_compares_with_jones(table):
    row = table.loc["exchange_rate"]
    assert (row["estimate"], row["low"], row["high"]) == (-1.1, -1.6, -0.7)
    assert row["verdict"] == "effect" and row["reproduced"] == "yes" and "Jones 2021: about -1.2" in row["paper"]
    assert "-1.10 (95% CI -1.60 to -0.70; inside the slopes -2 to -1" in row["statement"]
    assert (
        "4 Elo levels" in row["statement"]
        and "their ratio, the slope of a plane's iso-Elo lines, is -1.33" in row["statement"]
    )


def test_where_search_buys_nothing_the_exchange_rate_says_so_and_does_not_reproduce_jones():
    tables = {"games": GAMES, "summary": SUMMARY, "estimates": estimates(np.nan, np.nan, np.nan, -20.0,
                                                                          NO_TEST_SUBSTITUTION)}  # fmt: skip
    found = findings_table(findings(SECTION), tables, study="tree_search", section=SECTION, commit="")
    row = found.set_index("finding").loc["exchange_rate"]
    assert row["verdict"] == "no effect" and row["reproduced"] == "no"
    assert NO_TEST_SUBSTITUTION in row["statement"]


def test_two_seeds_are_two_runs_in_one_fit_and_their_interval_has_one_degree_of_freedom():
    renamed = {name: f"{name}_seed1" for name in SUMMARY.query("kind == 'network'")["player"]}
    second = GAMES.replace({"first": renamed, "second": renamed})
    tables = {
        "games": pd.concat([GAMES, second], ignore_index=True),
        "summary": pd.concat([SUMMARY, SUMMARY.query("kind == 'network'").replace({"player": renamed}).assign(seed=1)]),
        "estimates": ESTIMATES,
    }
    twice = findings_table(findings(SECTION), tables, study="tree_search", section=SECTION, commit="").set_index(
        "finding"
    )
    once = findings_table(
        findings(SECTION), {"games": GAMES, "summary": SUMMARY, "estimates": ESTIMATES}, study="tree_search",
        section=SECTION, commit="",
    ).set_index("finding")  # fmt: skip
    # identical runs: the same estimates; 2 runs x 13 classes: G = 2 (t with 1 degree of freedom)
    assert np.allclose(twice.loc["search_gain", "estimate"], once.loc["search_gain", "estimate"])
    assert twice.loc["search_gain", "n_units"] == 2 and once.loc["search_gain", "n_units"] == 13
    assert "2 training runs (2 seeds per width)" in twice.loc["search_gain", "statement"]
    assert "1 training run and" in once.loc["search_gain", "statement"]
