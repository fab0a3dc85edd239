"""The ladder schedule: few games, every player connected, the comparisons the study makes."""

import itertools

from phenomena.tree_search.arena import (
    GUMBEL,
    NETWORK,
    PERFECT,
    PUCT,
    PURE_MCTS,
    RANDOM,
    Player,
    player_searches,
    schedule,
)

ARENA = {"budgets": [0, 2, 8, 32], "gumbel_budgets": [2, 4, 8, 16, 64]}
ITERATIONS, COMPARISON = list(range(0, 31, 3)), [15, 30]


def players(networks=("h32", "h64")) -> list[Player]:
    found = [Player(RANDOM), Player(PURE_MCTS, 64), Player(PERFECT)]
    for network, iteration in itertools.product(networks, ITERATIONS):
        found += [Player(NETWORK, b, iteration, s, network) for s, b in player_searches(ARENA, iteration, COMPARISON)]
    return found


def test_ladder_connects_every_player_with_far_fewer_pairs_than_a_round_robin():
    everyone = players()
    pairs = schedule(everyone, "ladder")
    assert len(pairs) < 0.1 * len(schedule(everyone, "round_robin"))
    reached, frontier = {0}, [0]
    neighbours = {i: set() for i in range(len(everyone))}
    for i, j in pairs:
        neighbours[i].add(j)
        neighbours[j].add(i)
    while frontier:
        for k in neighbours[frontier.pop()] - reached:
            reached.add(k)
            frontier.append(k)
    assert reached == set(range(len(everyone)))


def test_ladder_holds_the_comparisons_of_the_study():
    everyone = players()
    pairs = {frozenset((everyone[i].name, everyone[j].name)) for i, j in schedule(everyone, "ladder")}
    for network, iteration in itertools.product(("h32", "h64"), COMPARISON):
        for budget in ARENA["gumbel_budgets"]:
            gumbel, puct = (Player(NETWORK, budget, iteration, s, network).name for s in (GUMBEL, PUCT))
            assert frozenset((gumbel, puct)) in pairs  # equal budgets, same snapshot
            assert frozenset((gumbel, Player(NETWORK, 0, iteration, PUCT, network).name)) in pairs
            assert frozenset((gumbel, PERFECT)) in pairs
    for iteration in ITERATIONS:  # every snapshot's raw policy meets random and pure MCTS
        policy = Player(NETWORK, 0, iteration, PUCT, "h32").name
        assert {frozenset((policy, RANDOM)), frozenset((policy, "pure_mcts64"))} <= pairs
