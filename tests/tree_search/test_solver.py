"""The exact solver: known values of small boards, hand-made positions, labelled sets."""

import pytest
import torch

from phenomena.tree_search.game import ConnectFour
from phenomena.tree_search.solver import Solver, label_positions, sample_positions


@pytest.mark.parametrize(("columns", "rows", "value"), [(4, 4, 0), (5, 4, 0), (4, 5, 0)])
def test_small_boards_have_their_known_values(columns, rows, value):
    """Values solved while planning (../shared/design.md): all draws."""
    assert Solver(columns, rows).value(0, 0, 0) == value


def values_after(moves: list[int], columns: int = 5, rows: int = 5) -> list:
    state = ConnectFour(columns, rows).play(moves)
    return Solver(columns, rows).move_values(int(state.position), int(state.mask), int(state.moves))


def test_win_in_one_is_the_only_optimal_move_when_it_decides():
    values = values_after([0, 1, 0, 1, 0])  # first player threatens column 0; second to move must block
    assert values[0] == max(v for v in values if v is not None)
    assert all(v == -1 for c, v in enumerate(values) if c != 0)


def test_immediate_win_scores_one():
    values = values_after([0, 1, 0, 1, 0, 1])  # first player to move, three in column 0
    assert values[0] == 1


def test_full_column_has_no_value():
    assert values_after([2, 2, 2, 2, 2], 5, 5)[2] is None


def unmirrored_solver(columns: int, rows: int) -> Solver:
    """The solver with its previous key, ``position + mask``: a mirror that is the identity."""
    solver = Solver(columns, rows)
    solver.mirror_swaps, solver.middle_column = (), -1
    return solver


@pytest.mark.parametrize(("columns", "rows"), [(5, 5), (4, 5), (7, 6)])
def test_mirror_reverses_the_columns_and_is_an_involution(columns, rows):
    game, solver = ConnectFour(columns, rows), Solver(columns, rows)
    for moves in [[0], [0, 0, 1], [columns - 1, 1, 2, 2, 0], list(range(columns)) * 2]:
        state = game.play(moves)
        mirrored = game.play([columns - 1 - c for c in moves])
        position, mask = int(state.position), int(state.mask)
        assert solver.mirror(position) == int(mirrored.position)
        assert solver.mirror(mask) == int(mirrored.mask)
        assert solver.mirror(position + mask) == int(mirrored.position) + int(mirrored.mask)
        assert solver.mirror(solver.mirror(position + mask)) == position + mask
    assert all(
        solver.mirror(solver.mirror(key)) == key
        for key in range(0, 1 << (columns * (rows + 1)), 1 << (columns * (rows + 1) - 10))
    )


def test_a_position_and_its_mirror_image_share_one_table_entry():
    game, solver = ConnectFour(4, 4), Solver(4, 4)
    state, mirrored = game.play([0, 1, 0]), game.play([3, 2, 3])
    key, mirrored_key = int(state.position) + int(state.mask), int(mirrored.position) + int(mirrored.mask)
    assert key != mirrored_key and min(key, solver.mirror(key)) == min(mirrored_key, solver.mirror(mirrored_key))
    value = solver.value(int(state.position), int(state.mask), 3)
    entries, nodes = len(solver.table), solver.nodes
    assert solver.value(int(mirrored.position), int(mirrored.mask), 3) == value
    assert (len(solver.table), solver.nodes) == (entries, nodes + 1), "answered from the shared entry"


def test_the_mirrored_key_keeps_every_exact_value():
    """Same move values as the previous key, and the mirror image's values are the mirror of them."""
    game = ConnectFour(4, 4)
    mirrored_key, previous_key, fresh = Solver(4, 4), unmirrored_solver(4, 4), Solver(4, 4)
    assert mirrored_key.value(0, 0, 0) == previous_key.value(0, 0, 0) == 0
    for moves, _ in zip(sample_positions(game, 2, 12, seed=0), range(40)):
        state = game.play(moves)
        key = (int(state.position), int(state.mask), int(state.moves))
        values = mirrored_key.move_values(*key)
        assert values == previous_key.move_values(*key)
        assert fresh.move_values(mirrored_key.mirror(key[0]), mirrored_key.mirror(key[1]), key[2]) == values[::-1]
    assert len(mirrored_key.table) < len(previous_key.table)


def test_labelled_positions_are_informative_and_consistent():
    labelled = label_positions(4, 4, count=15, min_ply=3, max_ply=10, seed=0)
    assert len(labelled.value) == 15
    legal = labelled.move_values > -2
    assert labelled.optimal.any(1).all()
    assert (labelled.optimal & legal).sum(1).lt(legal.sum(1)).all(), "some move must be a mistake"
    assert torch.equal(labelled.value, torch.where(legal, labelled.move_values, -2).max(1).values)
    assert labelled.moves.min() >= 3 and labelled.moves.max() <= 10


@pytest.mark.slow
def test_bitbully_backend_agrees_with_the_python_solver_on_7x6():
    pytest.importorskip("bitbully")  # optional extra (AGPL): pip install -e ".[solver]"
    compiled = label_positions(7, 6, count=10, min_ply=28, max_ply=34, seed=1, backend="bitbully")
    python = label_positions(7, 6, count=10, min_ply=28, max_ply=34, seed=1, backend="python")
    assert torch.equal(compiled.move_values, python.move_values)
    assert torch.equal(compiled.value, python.value)
