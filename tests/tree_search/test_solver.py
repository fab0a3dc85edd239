"""The exact solver: known values of small boards, hand-made positions, labelled sets."""

import pytest
import torch

from phenomena.tree_search.game import ConnectFour
from phenomena.tree_search.solver import Solver, label_positions


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
