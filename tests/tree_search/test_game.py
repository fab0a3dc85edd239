"""The batched Connect Four engine: rules, canonical views, and batch == one game at a time."""

import pytest
import torch

from phenomena.tree_search.game import ConnectFour

GAME = ConnectFour(7, 6)


def outcome(moves: list[int], game: ConnectFour = GAME) -> tuple[bool, bool]:
    """(did the last move win, is the game over) after playing ``moves``."""
    state = game.play(moves[:-1])
    _, won, over = game.step(state, torch.tensor([moves[-1]]))
    return bool(won), bool(over)


@pytest.mark.parametrize(
    ("direction", "moves"),
    [
        ("vertical", [0, 1, 0, 1, 0, 1, 0]),
        ("horizontal", [0, 0, 1, 1, 2, 2, 3]),
        ("diagonal /", [0, 1, 1, 2, 2, 3, 2, 3, 3, 6, 3]),
        ("diagonal \\", [6, 5, 5, 4, 4, 3, 4, 3, 3, 0, 3]),
    ],
)
def test_four_in_a_row_wins_in_every_direction(direction, moves):
    assert outcome(moves) == (True, True), direction
    assert outcome(moves[:-2] + [moves[-1]]) == (False, False), f"{direction}: three in a row is no win"


def test_lines_do_not_wrap_between_columns():
    # the first player holds the top two cells of column 0 and the bottom two of column 1:
    # adjacent bits were there no spare bit on top of each column
    game = ConnectFour(4, 4)
    assert outcome([1, 0, 1, 0, 0, 2, 0], game) == (False, False)


def test_full_board_without_line_is_a_draw():
    game = ConnectFour(4, 4)
    moves = [0, 1, 0, 1, 1, 0, 1, 0, 2, 3, 2, 3, 3, 2, 3, 2]
    state = game.play(moves[:-1])
    _, won, over = game.step(state, torch.tensor([moves[-1]]))
    assert not bool(won) and bool(over)
    assert int(state.moves) == 15


def test_illegal_moves_are_rejected():
    game = ConnectFour(5, 4)
    state = game.play([2, 2, 2, 2])
    assert game.legal(state).tolist() == [[True, True, False, True, True]]
    with pytest.raises(ValueError, match="column is full"):
        game.step(state, torch.tensor([2]))
    with pytest.raises(ValueError, match="columns are 0..4"):
        game.step(state, torch.tensor([5]))


def test_observation_is_from_the_player_to_move():
    game = ConnectFour(5, 4)
    state = game.play([1])
    planes = game.observation(state)[0]
    assert planes[0].sum() == 0 and planes[1, 0, 1] == 1  # the opponent's stone, bottom row, column 1
    state, _, _ = game.step(state, torch.tensor([3]))
    planes = game.observation(state)[0]
    assert planes[0, 0, 1] == 1 and planes[1, 0, 3] == 1
    assert game.render(state) == ".....\n.....\n.....\n.x.o."


def test_batch_of_games_equals_games_played_one_by_one():
    game = ConnectFour(6, 5)
    generator = torch.Generator().manual_seed(0)
    n = 64
    batch = game.initial(n)
    singles = [game.initial(1) for _ in range(n)]
    done = torch.zeros(n, dtype=torch.bool)
    for _ in range(game.cells):
        legal = game.legal(batch)
        actions = torch.multinomial(legal.float() + 1e-9 * done.unsqueeze(1), 1, generator=generator).squeeze(1)
        actions[done] = 0
        live = torch.nonzero(~done).squeeze(1)
        next_batch, won, over = game.step(batch[live], actions[live])
        for k, i in enumerate(live.tolist()):
            singles[i], single_won, single_over = game.step(singles[i], actions[i : i + 1])
            assert (bool(single_won), bool(single_over)) == (bool(won[k]), bool(over[k]))
            assert int(singles[i].position) == int(next_batch.position[k])
            assert int(singles[i].mask) == int(next_batch.mask[k])
        batch.position[live], batch.mask[live], batch.moves[live] = (
            next_batch.position,
            next_batch.mask,
            next_batch.moves,
        )
        done[live] |= over
        if bool(done.all()):
            break
    assert bool(done.all())


def test_board_sizes_are_checked():
    with pytest.raises(ValueError, match="at most 63"):
        ConnectFour(9, 7)
    with pytest.raises(ValueError, match="no line of 4"):
        ConnectFour(3, 3)
