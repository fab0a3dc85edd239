"""Batched MCTS: tactics, statistics, and batch == one tree at a time."""

import pytest
import torch

from phenomena.tree_search.arena import NETWORK, PURE_MCTS, RANDOM, Mover, Player, openings, play_tournament
from phenomena.tree_search.game import ConnectFour, State
from phenomena.tree_search.mcts import rollout_evaluator, search

GAME = ConnectFour(5, 5)


def test_search_takes_a_win_in_one():
    state = GAME.play([0, 1, 0, 1, 0, 1])  # three in column 0 for the player to move
    result = search(GAME, rollout_evaluator(GAME, rollouts=False), state, 64)
    assert result.best_action().tolist() == [0]


def test_search_blocks_a_loss_in_one():
    state = GAME.play([0, 1, 0, 1, 0])  # the opponent threatens column 0
    torch.manual_seed(0)
    result = search(GAME, rollout_evaluator(GAME), state, 128)
    assert result.best_action().tolist() == [0]


def test_visits_add_up_to_the_simulations_and_respect_legality():
    state = GAME.play([2, 2, 2, 2, 2])  # column 2 is full
    result = search(GAME, rollout_evaluator(GAME, rollouts=False), state, 50)
    assert result.visits.sum().item() == 50
    assert result.visits[0, 2] == 0


def test_batched_search_equals_one_tree_at_a_time():
    positions = [[], [0], [2, 2], [0, 1, 0, 1, 0], [4, 3, 2, 1]]
    states = [GAME.play(moves) for moves in positions]
    batch = State(*(torch.cat([getattr(s, f) for s in states]) for f in ("position", "mask", "moves")))

    def evaluate(state):  # deterministic stand-in for a network: prefers the centre
        logits = -torch.tensor([2.0, 1.0, 0.0, 1.0, 2.0]).expand(len(state), 5)
        return logits, ((state.moves % 3) - 1).float() * 0.3

    together = search(GAME, evaluate, batch, 40)
    for i, state in enumerate(states):
        alone = search(GAME, evaluate, state, 40)
        torch.testing.assert_close(together.visits[i : i + 1], alone.visits)
        torch.testing.assert_close(together.q[i : i + 1], alone.q)


@pytest.mark.slow
def test_pure_mcts_beats_random_over_many_games():
    """Uniform prior, random playouts, 64 simulations: a clear majority against random play."""
    torch.manual_seed(0)
    movers = [Mover(GAME, Player(RANDOM)), Mover(GAME, Player(PURE_MCTS, 64))]
    games = play_tournament(GAME, movers, [(0, 1)], openings(GAME, 2))
    mcts_score = (1 - games[games["first"] == "random"]["score_first"]).tolist()
    mcts_score += games[games["first"] == "pure_mcts64"]["score_first"].tolist()
    assert len(mcts_score) == 50
    # under the null (no better than random) a mean score >= 0.8 over 50 games has p < 1e-5
    assert sum(mcts_score) / len(mcts_score) >= 0.8


def test_search_on_an_untrained_network_beats_its_raw_policy():
    from phenomena.tree_search.network import PolicyValueNet

    torch.manual_seed(0)
    net = PolicyValueNet(5, 4, 32, 1).eval()
    game = ConnectFour(5, 4)
    movers = [Mover(game, Player(NETWORK, 0, 0), net), Mover(game, Player(NETWORK, 64, 0), net)]
    games = play_tournament(game, movers, [(0, 1)], openings(game, 2))
    search_score = (1 - games[games["first"] == "iter0_sims0"]["score_first"]).mean() / 2
    search_score += games[games["first"] == "iter0_sims64"]["score_first"].mean() / 2
    assert search_score > 0.75


def test_evaluation_device_follows_the_accelerator_key(monkeypatch):
    from phenomena.common.config import ConfigError
    from phenomena.tree_search.mcts import evaluation_device

    assert evaluation_device("cpu").type == "cpu"
    assert evaluation_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)  # Apple silicon
    assert evaluation_device("auto").type == "cpu"  # not MPS: small batches cost more to send
    assert evaluation_device("gpu").type == evaluation_device("mps").type == "mps"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    for accelerator in ("gpu", "cuda", "mps"):
        with pytest.raises(ConfigError, match=f"config key accelerator: got '{accelerator}' but no"):
            evaluation_device(accelerator)
