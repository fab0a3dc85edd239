"""Connect Four on bitboards, batched as torch int64 tensors: thousands of games per call.

Layout (Pons' solver layout): column ``c`` owns bits ``c*(rows+1) .. c*(rows+1)+rows-1``,
bottom row first; one spare bit on top of each column keeps lines from wrapping between
columns. A state is two bitboards per game: ``position`` (stones of the player to move,
so every state is already canonical) and ``mask`` (all stones), plus the move count.
``columns * (rows + 1)`` must fit in 63 bits.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from phenomena.tree_search.runs import CONNECT


@dataclass
class State:
    """A batch of positions, each from the view of its player to move."""

    position: torch.Tensor  # (n,) int64: stones of the player to move
    mask: torch.Tensor  # (n,) int64: all stones
    moves: torch.Tensor  # (n,) int64: stones on the board

    def __len__(self) -> int:
        return len(self.mask)

    def __getitem__(self, index) -> State:
        return State(self.position[index], self.mask[index], self.moves[index])

    def clone(self) -> State:
        return State(self.position.clone(), self.mask.clone(), self.moves.clone())


class ConnectFour:
    """The rules for one board size; every method works on a batch of games at once."""

    def __init__(self, columns: int, rows: int):
        if columns * (rows + 1) > 63:
            raise ValueError(f"board {columns}x{rows} needs {columns * (rows + 1)} bits; at most 63 fit in int64")
        if max(columns, rows) < CONNECT:
            raise ValueError(f"board {columns}x{rows} has no line of {CONNECT}: columns or rows must be >= {CONNECT}")
        self.columns, self.rows = columns, rows
        self.cells = columns * rows
        height = rows + 1
        self.shifts = (1, height, height - 1, height + 1)  # vertical, horizontal, two diagonals
        self.bottom = torch.tensor([1 << (c * height) for c in range(columns)], dtype=torch.int64)
        self.top = torch.tensor([1 << (c * height + rows - 1) for c in range(columns)], dtype=torch.int64)
        # bit index of cell (row, column), row 0 at the bottom: for observations
        self.cell_bits = torch.tensor([[c * height + r for c in range(columns)] for r in range(rows)])

    @property
    def actions(self) -> int:
        return self.columns

    def initial(self, n: int) -> State:
        zeros = torch.zeros(n, dtype=torch.int64)
        return State(zeros, zeros.clone(), zeros.clone())

    def legal(self, state: State) -> torch.Tensor:
        """(n, columns) bool: columns whose top cell is empty."""
        return (state.mask.unsqueeze(-1) & self.top) == 0

    def connected(self, stones: torch.Tensor) -> torch.Tensor:
        """(n,) bool: ``stones`` hold four in a row in any of the four directions."""
        found = torch.zeros(stones.shape, dtype=torch.bool)
        for shift in self.shifts:
            pairs = stones & (stones >> shift)
            found |= (pairs & (pairs >> (2 * shift))) != 0
        return found

    def step(self, state: State, actions: torch.Tensor, check: bool = True) -> tuple[State, torch.Tensor, torch.Tensor]:
        """Play ``actions`` (one column per game); return (next state, mover won, game over).

        The next state is from the view of the opponent, who moves next. With ``check``,
        an illegal move (a full column, or a column out of range) raises ValueError.
        """
        actions = actions.to(torch.int64)
        if check:
            if bool(((actions < 0) | (actions >= self.columns)).any()):
                raise ValueError(f"illegal move: columns are 0..{self.columns - 1}, got {actions.tolist()}")
            if not bool(self.legal(state).gather(1, actions.unsqueeze(1)).all()):
                raise ValueError("illegal move: the column is full")
        mask = state.mask | (state.mask + self.bottom[actions])
        mover = state.position | (mask ^ state.mask)
        won = self.connected(mover)
        moves = state.moves + 1
        over = won | (moves == self.cells)
        return State(mover ^ mask, mask, moves), won, over

    def observation(self, state: State) -> torch.Tensor:
        """(n, 2, rows, columns) float: planes of the mover's and the opponent's stones."""
        own = (state.position.view(-1, 1, 1) >> self.cell_bits) & 1
        other = ((state.position ^ state.mask).view(-1, 1, 1) >> self.cell_bits) & 1
        return torch.stack([own, other], dim=1).float()

    def play(self, moves: list[int]) -> State:
        """The single position reached by playing ``moves`` (columns) from the empty board."""
        state = self.initial(1)
        for ply, move in enumerate(moves):
            state, _, over = self.step(state, torch.tensor([move]))
            if bool(over) and ply < len(moves) - 1:
                raise ValueError(f"game over before the end of {moves}")
        return state

    def render(self, state: State, index: int = 0) -> str:
        """Text picture of one game, top row first: x = player to move, o = opponent."""
        obs = self.observation(state[index : index + 1])[0]
        rows = []
        for r in reversed(range(self.rows)):
            rows.append("".join("x" if obs[0, r, c] else "o" if obs[1, r, c] else "." for c in range(self.columns)))
        return "\n".join(rows)
