"""The arena's players and who meets whom: pure Python, so that the workflow, the findings and the
synthetic arenas of the tests read them without loading torch.

Players are network snapshots x search budgets (budget 0 = the raw policy, greedy) for PUCT
and Gumbel search, the random player (the Elo anchor), pure MCTS (uniform prior,
random-playout values) and the perfect player.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

RANDOM = "random"
PURE_MCTS = "pure_mcts"
NETWORK = "network"
PERFECT = "perfect"
PUCT, GUMBEL = "puct", "gumbel"
RAW_POLICY_SIMULATIONS = 2
"""PUCT with this many simulations or fewer plays the raw policy's move (its one searched child is
the prior's argmax): no test budget of its own, and no search to compare Gumbel with."""


@dataclass(frozen=True)
class Player:
    kind: str  # random, pure_mcts, perfect or network
    budget: int = 0  # simulations per move; 0 = greedy raw policy
    iteration: int = -1  # training iteration of the network snapshot; -1 for the others
    search: str = PUCT  # puct or gumbel: how a network player with budget > 0 searches
    network: str = ""  # the training run's label (e.g. h64) when several runs share an arena

    @property
    def name(self) -> str:
        if self.kind == NETWORK:
            prefix = f"{self.network}_" if self.network else ""
            return f"{prefix}iter{self.iteration}_{'gumbel' if self.search == GUMBEL else 'sims'}{self.budget}"
        if self.kind == PURE_MCTS:
            return f"pure_mcts{self.budget}"
        return self.kind  # random, perfect


def schedule(players: list[Player], kind: str) -> list[tuple[int, int]]:
    """Pairings (indices into ``players``).

    ``round_robin``: every pair. ``ladder``, the pairs that compare what the study compares,
    keeping the Elo graph connected with far fewer games:

    - the random player (the anchor) meets everyone; pure MCTS meets every raw policy, at
      every snapshot of every run: a fixed opponent that ties the runs' scales together;
    - the perfect player meets everyone (it plays in the baselines' arena only:
      :func:`baselines_arena_players`);
    - within a snapshot every player meets every other, except at key snapshots with many
      players, where a search meets the raw policy, its twin of the other search at the same
      budget and its own search at the neighbouring budgets;
    - across snapshots, the same search and budget at neighbouring snapshots of the same run.
    """
    pairs = list(itertools.combinations(range(len(players)), 2))
    if kind == "round_robin":
        return pairs
    if kind != "ladder":
        raise ValueError(f"unknown schedule {kind!r}; allowed: ladder, round_robin")
    network = [p for p in players if p.kind == NETWORK]
    iterations = {
        run: sorted({p.iteration for p in network if p.network == run}) for run in {p.network for p in network}
    }
    key = {(p.network, p.iteration) for p in network if p.search == GUMBEL and p.budget > 0}
    key |= {(run, its[-1]) for run, its in iterations.items()}
    budgets = {
        (p.network, p.iteration, p.search): sorted(
            q.budget
            for q in network
            if (q.network, q.iteration, q.search) == (p.network, p.iteration, p.search) and q.budget > 0
        )
        for p in network
    }

    def search_of(p: Player) -> str:
        return p.search if p.budget > 0 else "policy"

    def baseline_meets(baseline: Player, p: Player) -> bool:
        return baseline.kind != PURE_MCTS or p.budget == 0

    def same_snapshot_meets(a: Player, b: Player) -> bool:
        if (a.network, a.iteration) not in key or a.budget == 0 or b.budget == 0:
            return True
        if a.budget == b.budget:
            return True  # Gumbel and PUCT twins
        if a.search != b.search:
            return False
        ladder = budgets[(a.network, a.iteration, a.search)]
        return abs(ladder.index(a.budget) - ladder.index(b.budget)) == 1

    def keep(i: int, j: int) -> bool:
        a, b = players[i], players[j]
        if a.kind != NETWORK and b.kind != NETWORK:
            return True
        if a.kind != NETWORK or b.kind != NETWORK:
            baseline, other = (a, b) if a.kind != NETWORK else (b, a)
            return baseline_meets(baseline, other)
        if a.network != b.network:
            return False  # runs meet through the baselines (and share their Elo fit)
        if a.iteration == b.iteration:
            return same_snapshot_meets(a, b)
        run = iterations[a.network]
        neighbours = abs(run.index(a.iteration) - run.index(b.iteration)) == 1
        return neighbours and (search_of(a), a.budget) == (search_of(b), b.budget)

    return [(i, j) for i, j in pairs if keep(i, j)]


def player_searches(arena: dict, iteration: int, comparison: list[int]) -> list[tuple[str, int]]:
    """(search, budget) of the network players of one snapshot: PUCT at ``arena["budgets"]``; at
    the ``comparison`` snapshots also Gumbel and PUCT at every ``arena["gumbel_budgets"]``."""
    searches = [(PUCT, b) for b in arena["budgets"]]
    if iteration in comparison:
        searches += [(PUCT, b) for b in arena["gumbel_budgets"] if b not in arena["budgets"]]
        searches += [(GUMBEL, b) for b in arena["gumbel_budgets"]]
    return searches


def run_arena_baselines(pure_mcts_simulations: int) -> list[Player]:
    """The baselines of every run's arena, before its network players: random and pure MCTS."""
    return [Player(RANDOM), Player(PURE_MCTS, pure_mcts_simulations)]


def baselines_arena_players(pure_mcts_simulations: int) -> list[Player]:
    """The baselines of the baselines' arena: random, pure MCTS and the perfect player, who meet
    each run's last snapshot there (raw policy and largest PUCT budget). Its games join every
    run's arena in one Elo fit; one arena for all runs, so the solver's work on the early
    positions (the expensive ones) is done once."""
    return [*run_arena_baselines(pure_mcts_simulations), Player(PERFECT)]


def baselines_schedule(players: list[Player]) -> list[tuple[int, int]]:
    """The perfect player meets everyone in the baselines' arena; random meets pure MCTS."""
    perfect = next(i for i, p in enumerate(players) if p.kind == PERFECT)
    pairs = [(min(i, perfect), max(i, perfect)) for i in range(len(players)) if i != perfect]
    kinds = [p.kind for p in players]
    return sorted(pairs + [(kinds.index(RANDOM), kinds.index(PURE_MCTS))])
