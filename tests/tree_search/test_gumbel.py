"""Gumbel AlphaZero search: sequential halving's budget, and optimal moves with a perfect value oracle."""

import pytest
import torch

from phenomena.tree_search.game import ConnectFour
from phenomena.tree_search.gumbel import gumbel_search, halving_schedule
from phenomena.tree_search.mcts import rollout_evaluator
from phenomena.tree_search.solver import Solver, label_positions

GAME = ConnectFour(5, 4)


@pytest.mark.parametrize("considered", [1, 2, 3, 4, 5, 16])
@pytest.mark.parametrize("simulations", [1, 2, 3, 4, 7, 8, 16, 64, 100])
def test_sequential_halving_spends_exactly_the_budget(considered, simulations):
    schedule = halving_schedule(considered, simulations)
    assert len(schedule) == simulations
    assert schedule[0] == 0


def test_sequential_halving_halves_the_survivors():
    """4 actions, 16 simulations: two phases of 8; all four get 2 visits, the best two 4 more each."""
    state = GAME.play([0, 0, 4, 4, 4])  # column... every column open, 5 legal moves
    result = gumbel_search(GAME, rollout_evaluator(GAME, rollouts=False), state, 16, max_considered=4)
    assert result.visits.sum().item() == 16
    assert sorted(result.visits[0].tolist(), reverse=True) == [6, 6, 2, 2, 0]


@pytest.mark.parametrize("simulations", [2, 3, 5, 8, 50])
def test_search_spends_exactly_the_budget_on_every_root(simulations):
    torch.manual_seed(0)
    roots = GAME.play([2, 2, 2, 2])  # column 2 full: four legal moves
    result = gumbel_search(GAME, rollout_evaluator(GAME), roots, simulations)
    assert result.visits.sum().item() == simulations
    assert result.visits[0, 2] == 0


def perfect_oracle(solver: Solver):
    """Uniform prior; the exact value of each state for the player to move."""

    def evaluate(state):
        values = [
            float(solver.value(p, m, n))
            for p, m, n in zip(state.position.tolist(), state.mask.tolist(), state.moves.tolist())
        ]
        return torch.zeros(len(state), GAME.actions), torch.tensor(values)

    return evaluate


@pytest.fixture(scope="module")
def solver():
    return Solver(5, 4)  # its transposition table is shared by the cases below


@pytest.fixture(scope="module")
def labelled():
    return label_positions(5, 4, 40, min_ply=2, max_ply=12, seed=1)


@pytest.mark.parametrize("simulations", [5, 8, 32])
def test_with_a_perfect_value_oracle_gumbel_picks_an_optimal_move(solver, labelled, simulations):
    """Positions where not every move is optimal; the budget covers every legal move once."""
    torch.manual_seed(simulations)
    result = gumbel_search(GAME, perfect_oracle(solver), labelled.state, simulations)
    picked_optimal = labelled.optimal.gather(1, result.best_action().unsqueeze(1)).squeeze(1)
    assert bool(picked_optimal.all()), f"{int((~picked_optimal).sum())} of {len(picked_optimal)} positions missed"


def test_improved_policy_is_a_distribution_over_legal_moves():
    roots = GAME.play([2, 2, 2, 2])
    result = gumbel_search(GAME, rollout_evaluator(GAME), roots, 8)
    policy = result.policy()
    torch.testing.assert_close(policy.sum(-1), torch.ones(1))
    assert policy[0, 2] == 0


def test_gumbel_self_play_makes_examples_with_improved_policy_targets():
    from phenomena.tree_search.network import PolicyValueNet
    from phenomena.tree_search.selfplay import self_play

    torch.manual_seed(0)
    net = PolicyValueNet(5, 4, 16, 1).eval()
    examples, stats = self_play(GAME, net, 8, 4, 1.5, 1.0, 0.25, 4, search_kind="gumbel")
    assert stats.games == 8 and len(examples) == stats.positions
    torch.testing.assert_close(examples.policy.sum(-1), torch.ones(len(examples)))
    assert set(examples.value.tolist()) <= {-1.0, 0.0, 1.0}
