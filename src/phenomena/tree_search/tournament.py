"""A tournament: every scheduled pair on every opening, both colours, all games advanced
together in one batch. At each ply the live games are grouped by the player to move and each
player moves all of its games with one batched call, so a 32-simulation player searches
thousands of trees at once whatever its opponents."""

from __future__ import annotations

import itertools
import time
from typing import TYPE_CHECKING

import pandas as pd
import torch

from phenomena.tree_search.game import ConnectFour, State

if TYPE_CHECKING:
    from phenomena.tree_search.arena import Mover


def openings(game: ConnectFour, plies: int) -> list[tuple[int, ...]]:
    """Every sequence of ``plies`` moves from the empty board that leaves the game open."""
    found = []
    for moves in itertools.product(range(game.columns), repeat=plies):
        try:
            state = game.play(list(moves))
        except ValueError:
            continue  # a column overflowed or the game ended inside the opening
        if not game.connected(state.position ^ state.mask).any():
            found.append(moves)
    return found


def play_tournament(
    game: ConnectFour,
    movers: list[Mover],
    pairs: list[tuple[int, int]],
    opening_moves: list[tuple[int, ...]],
) -> pd.DataFrame:
    """Play every pair on every opening with both colours; one row per game.

    ``score_first`` is 1 if the player moving first (before the opening) won, 0.5 for a
    draw, 0 for a loss. Both players play the opening's forced moves.
    """
    first, second, opening_index = seat_games(pairs, len(opening_moves))
    state = game.initial(len(first))
    plies = len(opening_moves[0]) if opening_moves else 0
    for ply in range(plies):
        moves = torch.tensor([opening_moves[k][ply] for k in opening_index])
        state, _, _ = game.step(state, moves)
    score_first, length, played = play_out(game, movers, state, first, second, plies)
    names = [m.player.name for m in movers]
    sequences = [list(opening_moves[k]) + row[row >= 0].tolist() for k, row in zip(opening_index, played.numpy())]
    return pd.DataFrame(
        {
            "game": range(len(first)),
            "first": [names[i] for i in first.tolist()],
            "second": [names[i] for i in second.tolist()],
            "opening": ["-".join(map(str, opening_moves[k])) for k in opening_index],
            "opening_unit": [mirror_class(game, opening_moves[k]) for k in opening_index],
            "moves": [mirror_class(game, moves) for moves in sequences],
            "score_first": score_first.numpy(),
            "plies": length.numpy(),
        }
    )


def mirror_class(game: ConnectFour, moves) -> str:
    """A move sequence and its left-right mirror image under one name (the smaller of the two):
    the unit a bootstrap resamples when players are deterministic and mirror-trained."""
    as_text = "-".join(map(str, moves))
    mirrored = "-".join(str(game.columns - 1 - m) for m in moves)
    return min(as_text, mirrored)


def seat_games(pairs: list[tuple[int, int]], openings: int) -> tuple[torch.Tensor, torch.Tensor, list[int]]:
    """The games of a tournament: the player moving first, the one moving second and the opening
    of each; every pair on every opening, once with each colour."""
    first, second, opening_index = [], [], []
    for i, j in pairs:
        for k in range(openings):
            first += [i, j]
            second += [j, i]
            opening_index += [k, k]
    return torch.tensor(first), torch.tensor(second), opening_index


def play_out(
    game: ConnectFour, movers: list[Mover], state: State, first: torch.Tensor, second: torch.Tensor, ply: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Play the games of ``state`` (``ply`` moves in) to their end, all together: at each ply every
    player moves all its live games in one call. Returns the first player's score, each game's
    length, and the moves played after the opening ((games, plies) columns, -1 after the end)."""
    n = len(first)
    score_first = torch.full((n,), 0.5)
    length = torch.zeros(n, dtype=torch.int64)
    played = torch.full((n, game.cells - ply), -1, dtype=torch.int64)
    start = ply
    live = torch.arange(n)
    started = time.perf_counter()
    while len(live):
        print(f"ply {ply}: {len(live)} games still running ({time.perf_counter() - started:.1f} s)", flush=True)
        to_move = first[live] if ply % 2 == 0 else second[live]
        actions = torch.empty(len(live), dtype=torch.int64)
        for player in to_move.unique().tolist():
            rows = torch.nonzero(to_move == player).squeeze(1)
            actions[rows], _ = movers[player].choose(state[rows])
        state, won, over = game.step(state, actions)
        played[live, ply - start] = actions
        score_first[live[won]] = 1.0 if ply % 2 == 0 else 0.0
        length[live[over]] = ply + 1
        live, state = live[~over], state[~over]
        ply += 1
    return score_first, length, played
