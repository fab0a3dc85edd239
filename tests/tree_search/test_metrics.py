"""Elo tables from arena games: distinct games, opening units, gaps to perfect play."""

import torch

from phenomena.tree_search.arena import NETWORK, RANDOM, Mover, Player, openings, play_tournament
from phenomena.tree_search.game import ConnectFour
from phenomena.tree_search.metrics import pair_table
from phenomena.tree_search.network import PolicyValueNet
from phenomena.tree_search.tournament import mirror_class

GAME = ConnectFour(5, 4)


def test_deterministic_players_replaying_a_pair_count_as_distinct_games_once():
    torch.manual_seed(0)
    net = PolicyValueNet(5, 4, 16, 1).eval()
    movers = [Mover(GAME, Player(NETWORK, 0, 0), net), Mover(GAME, Player(NETWORK, 2, 0), net)]
    games = play_tournament(GAME, movers, [(0, 1), (0, 1)], openings(GAME, 1))
    pairs = pair_table(games)
    assert len(pairs) == 1 and pairs["games"].item() == 2 * 2 * 5
    # the replay repeats every game: at most one distinct game per opening and colour
    assert pairs["distinct_games"].item() <= 2 * 5
    # the 5 one-ply openings are 3 units: 0|4, 1|3 and 2 (mirror images together)
    assert games["opening_unit"].nunique() == 3


def test_random_players_rarely_repeat_a_game():
    torch.manual_seed(0)
    movers = [Mover(GAME, Player(RANDOM)), Mover(GAME, Player(RANDOM))]
    games = play_tournament(GAME, movers, [(0, 1)], openings(GAME, 2))
    assert pair_table(games)["distinct_games"].item() >= 0.9 * len(games)


def test_a_game_and_its_mirror_image_are_one_class():
    assert mirror_class(GAME, [0, 1, 4]) == mirror_class(GAME, [4, 3, 0]) == "0-1-4"
    assert mirror_class(GAME, [0, 1]) != mirror_class(GAME, [0, 3])
