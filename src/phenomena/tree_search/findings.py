"""The tree-search study's answers, read from its metric tables ``games``, ``summary`` and
``estimates``.

Two sources of chance: the training runs (seeds x widths) and the openings. An opening's mirror
class (column ``opening_unit``: an opening with both colours and its left-right mirror image) is
one unit, since deterministic players replay the same game on the same opening. Scores have a
two-way jackknife interval over runs and classes (:mod:`phenomena.tree_search.scores`); the Elo
contrast adds the leave-one-run-out and the leave-one-class-out variances (the class replicates
refit the Elo by one Newton step each); the exchange rate's interval is the metrics rule's
bootstrap over both (:mod:`phenomena.tree_search.estimates`).

Budgets: PUCT with 2 simulations plays the raw policy's move (its one searched child is the
prior's argmax), so Gumbel is compared with PUCT only at budgets above 2, and "Gumbel at 2
simulations against PUCT at 2" is Gumbel against the raw policy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phenomena.common.findings import Estimate, Finding
from phenomena.common.stats import NO_EFFECT, Interval
from phenomena.tree_search.contrasts import against, elo_contrast, matched, network_players, snapshot_players
from phenomena.tree_search.frontier import CALIBRATED_SLOPES, JONES_SLOPE
from phenomena.tree_search.players import GUMBEL, PERFECT, PUCT, RANDOM, RAW_POLICY_SIMULATIONS
from phenomena.tree_search.scores import score_interval


def search_gain(games: pd.DataFrame, summary: pd.DataFrame) -> Estimate:
    """Score of PUCT at its largest budget against the raw policy of the same last snapshot;
    control: the same at the first (untrained) snapshot (its largest budget may be smaller: only
    the comparison snapshots play the Gumbel budgets)."""
    intervals, budgets = [], []
    for which in ("last", "first"):
        players = snapshot_players(summary, which)
        puct = players[players["search"] == PUCT]
        largest = puct[puct["budget"] == puct.groupby(["seed", "network"])["budget"].transform("max")]
        policy = players[players["budget"] == 0]
        intervals.append(score_interval(games, matched(largest, policy, ["seed", "network"])))
        budgets.append(int(largest["budget"].max()))
    slots = run_slots(summary) | {"budget": budgets[0], "control_budget": budgets[1]}
    return Estimate(intervals[0], control=intervals[1], slots=slots)


def gumbel_vs_puct(games: pd.DataFrame, summary: pd.DataFrame, budgets: list[int]) -> Estimate:
    """Head-to-head score of Gumbel against PUCT at the same budget and snapshot, pooled over
    ``budgets`` above :data:`RAW_POLICY_SIMULATIONS`; control: the same at budgets up to it (PUCT
    there is the raw policy)."""
    players = network_players(summary)
    twins = ["seed", "network", "iteration", "budget"]
    gumbel, puct = players[players["search"] == GUMBEL], players[players["search"] == PUCT]
    searching = [b for b in budgets if b > RAW_POLICY_SIMULATIONS]
    interval = score_interval(games, matched(gumbel[gumbel["budget"].isin(searching)], puct, twins))
    low = gumbel[gumbel["budget"] <= RAW_POLICY_SIMULATIONS]
    control = score_interval(games, matched(low, puct, twins)) if len(low) else None
    slots = run_slots(summary) | {"budgets": ", ".join(map(str, searching)), "snapshots": gumbel["iteration"].nunique()}
    return Estimate(interval, control=control, slots=slots)


def policy_training_gain(games: pd.DataFrame, summary: pd.DataFrame) -> Estimate:
    """Elo of the raw policy at the last snapshot minus at the first; control: the first
    snapshot's raw policy minus the random player (an untrained network plays near random)."""
    first = snapshot_players(summary, "first").query("budget == 0")
    last = snapshot_players(summary, "last").query("budget == 0")
    interval = elo_contrast(games, matched(last, first, ["seed", "network"]))
    control = elo_contrast(games, against(first, RANDOM))
    return Estimate(interval, control=control, slots=run_slots(summary))


def gap_to_perfect(games: pd.DataFrame, summary: pd.DataFrame) -> Estimate:
    """Score of the last snapshot's PUCT at its largest budget against the perfect player
    (0.5: as good as perfect play); control: the raw policy of the same snapshot."""
    players = snapshot_players(summary, "last")
    puct = players[players["search"] == PUCT]
    largest = puct[puct["budget"] == puct.groupby(["seed", "network"])["budget"].transform("max")]
    policy = players[players["budget"] == 0]
    interval = score_interval(games, against(largest, PERFECT))
    control = score_interval(games, against(policy, PERFECT))
    return Estimate(interval, control=control, slots=run_slots(summary) | {"budget": int(largest["budget"].max())})


def exchange_rate(estimates: pd.DataFrame) -> Estimate:
    """Jones's slope from the metrics rule's estimates (:mod:`phenomena.tree_search.frontier`):
    nan with the verdict "test compute does not substitute" where the search gate fails."""
    rows = estimates.set_index("estimate_name")
    slope, search, training, ratio = (rows.loc[name] for name in FRONTIER_ROWS)
    method = "percentile bootstrap over opening classes (Elo refitted by one Newton step) and runs (wild)"
    low, high = CALIBRATED_SLOPES
    if np.isfinite(slope["estimate"]) and not low <= slope["estimate"] <= high:
        method += f"; calibrated for slopes {low:g} to {high:g} only"
    interval = Interval(
        float(slope["estimate"]),
        float(slope["estimate_ci_low"]),
        float(slope["estimate_ci_high"]),
        method,
        f"training runs (and {int(slope['opening_classes'])} opening classes)",
        int(slope["runs"]),
    )
    if np.isfinite(interval.estimate):
        inside = "inside" if low <= interval.estimate <= high else "outside"
        slope_text = (
            f"{interval.estimate:.2f} (95% CI {interval.low:.2f} to {interval.high:.2f}; {inside} the slopes "
            f"{low:g} to {high:g} where this interval is calibrated)"
        )
    else:
        slope_text = "not estimated (no Elo level has 3 fitted envelope points)"
    slots = {
        "verdict_text": slope["verdict"],
        "slope_text": slope_text,
        "levels": int(slope["levels"]),
        "points": int(slope["estimate_count"]),
        "failed": float(slope["failed_draws"]),
        "search_gate": gate_text(search),
        "training_gate": gate_text(training),
        "ratio": f"{ratio['estimate']:.2f} (95% CI {ratio['estimate_ci_low']:.2f} to {ratio['estimate_ci_high']:.2f})",
    }
    explicit = None if np.isfinite(interval.estimate) else NO_EFFECT
    return Estimate(interval, verdict=explicit, slots=slots)


def gate_text(row: pd.Series) -> str:
    return f"{row['estimate']:.0f} Elo (95% CI {row['estimate_ci_low']:.0f} to {row['estimate_ci_high']:.0f})"


FRONTIER_ROWS = ("frontier_slope", "test_elo_per_decade", "train_elo_per_decade", "gate_ratio_slope")


def run_slots(summary: pd.DataFrame) -> dict:
    """The training runs a pooled statistic rests on (one per width and seed), as words."""
    runs = network_players(summary)[["seed", "network"]].drop_duplicates()
    seeds = runs["seed"].nunique()
    per_width = f"{seeds} seed{'s' if seeds > 1 else ''} per width"
    return {"runs": "1 training run" if len(runs) == 1 else f"{len(runs)} training runs ({per_width})"}


CONDITIONAL = "resampling {runs} and the opening classes"
INTERVAL = "95% CI {low:.3f}-{high:.3f}, {method}, G = {n_units}"


def findings(section: dict) -> list[Finding]:
    arena = section["arena"]
    found = [
        Finding(
            name="search_gain",
            question="How much does search add to the trained network's raw policy?",
            tables=("games", "summary"),
            estimate=search_gain,
            sentence=(
                "At the last snapshot, PUCT with {budget} simulations scores {estimate:.3f} against the raw policy "
                f"of the same network (0.5 = even; {INTERVAL}; {CONDITIONAL}); at the first, untrained "
                "snapshot PUCT with {control_budget} simulations scores {control_estimate:.3f} "
                "({control_low:.3f}-{control_high:.3f})."
            ),
            control="PUCT at its largest budget against the raw policy at the first (untrained) snapshot",
            null=0.5,
            paper=("above", "Silver et al. 2018"),
        ),
        Finding(
            name="policy_training_gain",
            question="How much Elo does the raw policy gain over training?",
            tables=("games", "summary"),
            estimate=policy_training_gain,
            sentence=(
                "The raw policy of the last snapshot is {estimate:.0f} Elo above that of the first "
                "(95% CI {low:.0f}-{high:.0f}, {method}, G = {n_units}; "
                f"{CONDITIONAL}); the first snapshot's raw policy stands at {{control_estimate:+.0f}} "
                "Elo against the random player's 0 ({control_low:+.0f} to {control_high:+.0f})."
            ),
            control="the first snapshot's raw policy against the random player",
        ),
    ]
    found.append(
        Finding(
            name="exchange_rate",
            question="How much test-time search is one unit of training compute worth (Jones's frontier slope)?",
            tables=("estimates",),
            estimate=exchange_rate,
            sentence=(
                "On Jones's iso-Elo frontier over {n_units} networks, {verdict_text}: the common slope of log test "
                "compute on log train compute is {slope_text} ({method}; {levels} Elo levels, {points} fitted "
                f"points; {{failed:.0%}} of draws had no level to fit); Jones (2021) measured about {JONES_SLOPE} "
                "on Hex. At a fixed snapshot a decade of test compute buys {search_gate}; "
                "on a fixed run and budget a decade of training buys {training_gate}; their ratio, the slope of a "
                "plane's iso-Elo lines, is {ratio}."
            ),
            control="",
            null=0.0,
            paper=("below", f"Jones 2021: about {JONES_SLOPE} on Hex"),
        )
    )
    if arena.get("perfect_player", False):
        found.append(
            Finding(
                name="gap_to_perfect",
                question="How far from perfect play is the trained network with search?",
                tables=("games", "summary"),
                estimate=gap_to_perfect,
                sentence=(
                    "Against the perfect player, PUCT with {budget} simulations at the last snapshot scores "
                    f"{{estimate:.3f}} (0.5 = as good as perfect; {INTERVAL}; {CONDITIONAL}); the raw policy of "
                    "the same snapshot scores {control_estimate:.3f} ({control_low:.3f}-{control_high:.3f})."
                ),
                control="the raw policy of the same snapshot against the perfect player",
                null=0.5,
            )
        )
    if any(b > RAW_POLICY_SIMULATIONS for b in arena["gumbel_pooled_budgets"]):
        budgets = list(arena["gumbel_pooled_budgets"])
        found.append(
            Finding(
                name="gumbel_vs_puct",
                question="Does Gumbel search beat PUCT at small budgets that search?",
                tables=("games", "summary"),
                estimate=lambda games, summary: gumbel_vs_puct(games, summary, budgets),
                sentence=(
                    "Head to head at the same snapshot and budget ({budgets} simulations; snapshots per run: "
                    f"{{snapshots}}), Gumbel search scores {{estimate:.3f}} against PUCT (0.5 = even; {INTERVAL}; "
                    f"{CONDITIONAL}); at 2 simulations, where PUCT plays the raw policy's move, Gumbel scores "
                    "{control_estimate:.3f} ({control_low:.3f}-{control_high:.3f}) against it."
                ),
                control="Gumbel at 2 simulations against PUCT-2, which is the raw policy",
                null=0.5,
                paper=("above", "Danihelka et al. 2022"),
            )
        )
    return found
