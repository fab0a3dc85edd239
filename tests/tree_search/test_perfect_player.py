"""The perfect player: never loses a game it does not start lost, and tops the Elo scale."""

import pandas as pd
import torch

from phenomena.tree_search.arena import NETWORK, PERFECT, RANDOM, Mover, Player, openings, play_tournament
from phenomena.tree_search.estimates import fit_arena
from phenomena.tree_search.game import ConnectFour
from phenomena.tree_search.network import PolicyValueNet
from phenomena.tree_search.solver import Solver

GAME = ConnectFour(5, 4)
PLAYERS = [Player(PERFECT), Player(RANDOM), Player(NETWORK, 0, 0), Player(NETWORK, 8, 0)]


def tournament(plies: int, pairs: list[tuple[int, int]]) -> pd.DataFrame:
    torch.manual_seed(0)
    net = PolicyValueNet(5, 4, 16, 1).eval()
    movers = [Mover(GAME, p, net if p.kind == NETWORK else None) for p in PLAYERS]
    return play_tournament(GAME, movers, pairs, openings(GAME, plies))


def perfect_scores(games: pd.DataFrame) -> pd.Series:
    games = games[(games["first"] == PERFECT) | (games["second"] == PERFECT)]
    return games["score_first"].where(games["first"] == PERFECT, 1 - games["score_first"])


def test_the_perfect_player_loses_no_game():
    """5x4 is a draw: from the empty board the perfect player never loses, with either colour."""
    games = tournament(0, [(0, 1), (0, 2), (0, 3), (0, 1), (0, 1)])
    assert len(games) == 10 and (perfect_scores(games) >= 0.5).all()


def test_from_any_opening_the_perfect_player_scores_at_least_the_exact_value():
    games = tournament(1, [(0, 1), (0, 2), (0, 3)])
    solver = Solver(5, 4)
    for (_, game), score in zip(games.iterrows(), perfect_scores(games)):
        opening = [int(m) for m in game["opening"].split("-")]
        state = GAME.play(opening)
        value_for_mover = solver.value(int(state.position), int(state.mask), int(state.moves))
        perfect_moves_next = (game["first"] == PERFECT) == (len(opening) % 2 == 0)
        exact = value_for_mover if perfect_moves_next else -value_for_mover
        assert score >= (exact + 1) / 2, f"{game.to_dict()} (exact value {exact})"


def test_every_player_has_its_elo_gap_to_perfect_play():
    games = tournament(1, [(i, j) for i in range(4) for j in range(i + 1, 4)])
    players = pd.DataFrame({"player": [p.name for p in PLAYERS], "kind": [p.kind for p in PLAYERS]})
    table = fit_arena(games, players, 50, 0)[0].set_index("player")
    assert table.loc[PERFECT, "elo_vs_perfect"] == 0 and (table["elo_vs_perfect"].drop(PERFECT) < 0).all()
    assert (table["elo_vs_perfect_ci_low"] <= table["elo_vs_perfect"] + 1e-9).all()
    assert table.loc[RANDOM, "elo"] == 0
