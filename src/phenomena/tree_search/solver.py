"""Exact values of Connect Four positions: negamax with alpha-beta and a transposition table.

Values are game-theoretic outcomes for the player to move: +1 win, 0 draw, -1 loss (not
distance to win). A move is *optimal* when it keeps the position's value. Plain Python on
bitboards (Python ints, same layout as :mod:`phenomena.tree_search.game`): the default
5x5 board solves from the empty board in seconds; 7x6 needs a compiled solver.

The transposition table is keyed by the canonical form of a position under the left-right
mirror (the smaller of its key and its mirror image's key), so a position and its mirror
image share one entry: about half the entries and fewer nodes, with the same values.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import torch

from phenomena.common.files import atomic_path, load_torch
from phenomena.tree_search.game import ConnectFour, State

EXACT, LOWER, UPPER = 0, 1, 2


class Solver:
    """Solve positions of one board size; the transposition table is shared across calls."""

    def __init__(self, columns: int, rows: int):
        self.columns, self.rows, self.cells = columns, rows, columns * rows
        height = rows + 1
        self.shifts = (1, height, height - 1, height + 1)
        self.bottom = [1 << (c * height) for c in range(columns)]
        self.top = [1 << (c * height + rows - 1) for c in range(columns)]
        self.order = sorted(range(columns), key=lambda c: abs(2 * c - (columns - 1)))  # centre first
        # Mirroring swaps the bit group of column c with that of column columns - 1 - c:
        # (left group, right group, shift between them) per pair; a middle column stays put.
        group = (1 << height) - 1
        self.mirror_swaps = tuple(
            (group << (c * height), group << ((columns - 1 - c) * height), (columns - 1 - 2 * c) * height)
            for c in range(columns // 2)
        )
        self.middle_column = group << (columns // 2 * height) if columns % 2 else 0
        self.table: dict[int, int] = {}  # key -> 4 * bound flag + value + 1 (small ints stay cheap)
        self.nodes = 0

    def connected(self, stones: int) -> bool:
        for shift in self.shifts:
            pairs = stones & (stones >> shift)
            if pairs & (pairs >> (2 * shift)):
                return True
        return False

    def mirror(self, bits: int) -> int:
        """The bitboard (or key) of the left-right mirror image: column groups in reverse order.

        Every column owns its own ``rows + 1`` bits, so reversing the order of the groups
        mirrors ``position``, ``mask`` and the key ``position + mask`` alike (the sum never
        carries out of a column: a column's stones plus its bottom-filled mask stay below its
        spare top bit).

        The transposition table keys a position by the smaller of ``position + mask`` and its
        mirror, so a position and its mirror image share one entry. Connect Four's rules are
        symmetric under the mirror, so the two have the same value, and a bound found for one
        (from whatever alpha-beta window) holds for the other: sharing the entry prunes more
        but cannot change an exact value, only the work spent reaching it."""
        mirrored = bits & self.middle_column
        for left, right, shift in self.mirror_swaps:
            mirrored |= (bits & left) << shift | (bits & right) >> shift
        return mirrored

    def wins_now(self, position: int, mask: int, column: int) -> bool:
        """Would the player to move make four by playing ``column``?"""
        return self.connected(position | ((mask + self.bottom[column]) & ~mask))

    def value(self, position: int, mask: int, moves: int, alpha: int = -1, beta: int = 1) -> int:
        """Negamax value for the player to move in a non-terminal position."""
        self.nodes += 1
        legal = [c for c in self.order if not mask & self.top[c]]
        for column in legal:
            if self.wins_now(position, mask, column):
                return 1
        if moves >= self.cells - 1:
            return 0  # the last stone cannot win unless it just did
        opponent = position ^ mask
        threats = [c for c in legal if self.wins_now(opponent, mask, c)]
        if len(threats) > 1:
            return -1  # two threats: one of them gets played
        if threats:
            legal = threats  # forced to block
        key = position + mask  # unique per position in this layout
        key = min(key, self.mirror(key))  # canonical: a position and its mirror image share the entry
        entry = self.table.get(key)
        if entry is not None:
            flag, stored = divmod(entry, 4)
            stored -= 1
            if flag == EXACT:
                return stored
            if flag == LOWER:
                alpha = max(alpha, stored)
            else:
                beta = min(beta, stored)
            if alpha >= beta:
                return stored
        original_alpha, best = alpha, -1
        for column in legal:
            child_mask = mask | (mask + self.bottom[column])
            score = -self.value(position ^ mask, child_mask, moves + 1, -beta, -alpha)
            if score > best:
                best = score
            alpha = max(alpha, score)
            if alpha >= beta:
                break
        flag = UPPER if best <= original_alpha else LOWER if best >= beta else EXACT
        self.table[key] = 4 * flag + best + 1
        return best

    def move_values(self, position: int, mask: int, moves: int) -> list[int | None]:
        """Value of each column for the player to move (None for a full column)."""
        values: list[int | None] = []
        for column in range(self.columns):
            if mask & self.top[column]:
                values.append(None)
            elif self.wins_now(position, mask, column):
                values.append(1)
            elif moves + 1 == self.cells:
                values.append(0)
            else:
                child_mask = mask | (mask + self.bottom[column])
                values.append(-self.value(position ^ mask, child_mask, moves + 1))
        return values


@dataclass
class LabelledPositions:
    """Evaluation positions with their exact value and each move's value, as tensors."""

    columns: int
    rows: int
    position: torch.Tensor  # (n,) int64
    mask: torch.Tensor  # (n,) int64
    moves: torch.Tensor  # (n,) int64
    value: torch.Tensor  # (n,) int64 in {-1, 0, 1}, for the player to move
    move_values: torch.Tensor  # (n, columns) int64; -2 marks a full column

    @property
    def state(self) -> State:
        return State(self.position, self.mask, self.moves)

    @property
    def optimal(self) -> torch.Tensor:
        """(n, columns) bool: moves that keep the position's value."""
        return self.move_values == self.value.unsqueeze(-1)

    def save(self, path) -> None:
        with atomic_path(path) as temporary:
            torch.save(self.__dict__, temporary)

    @classmethod
    def load(cls, path) -> LabelledPositions:
        return cls(**load_torch(path))


def sample_positions(game: ConnectFour, min_ply: int, max_ply: int, seed: int, attempts: int = 100_000):
    """Yield move sequences of distinct non-terminal positions reached by uniformly random play."""
    rng = random.Random(seed)
    seen = set()
    for _ in range(attempts):
        target = rng.randint(min_ply, max_ply)
        state, moves = game.initial(1), []
        while len(moves) < target:
            legal = torch.nonzero(game.legal(state)[0]).flatten().tolist()
            move = rng.choice(legal)
            state, _, over = game.step(state, torch.tensor([move]), check=False)
            moves.append(move)
            if bool(over):
                break
        key = (int(state.position), int(state.mask))
        if not bool(over) and key not in seen:
            seen.add(key)
            yield moves


def label_positions(
    columns: int,
    rows: int,
    count: int,
    min_ply: int,
    max_ply: int,
    seed: int,
    informative_only: bool = True,
    backend: str = "python",
) -> LabelledPositions:
    """Sample ``count`` positions from random play and solve every move of each.

    With ``informative_only``, positions where every legal move has the same value are
    skipped: any move is optimal there, so they measure nothing. ``backend`` is ``python``
    (:class:`Solver`) or ``bitbully`` (the optional compiled solver, standard 7x6 board).
    """
    game = ConnectFour(columns, rows)
    move_values = python_move_values(columns, rows) if backend == "python" else bitbully_move_values(columns, rows)
    rows_out = []
    for moves in sample_positions(game, min_ply, max_ply, seed):
        state = game.play(moves)
        values = move_values(moves, int(state.position), int(state.mask), int(state.moves))
        legal_values = [v for v in values if v is not None]
        if informative_only and len(set(legal_values)) == 1:
            continue
        rows_out.append(
            (
                int(state.position),
                int(state.mask),
                int(state.moves),
                max(legal_values),
                [-2 if v is None else v for v in values],
            )
        )
        if len(rows_out) == count:
            break
    if len(rows_out) < count:
        raise ValueError(f"found only {len(rows_out)} informative positions at plies {min_ply}..{max_ply}")
    column = lambda i: torch.tensor([r[i] for r in rows_out], dtype=torch.int64)  # noqa: E731
    return LabelledPositions(columns, rows, column(0), column(1), column(2), column(3), column(4))


def python_move_values(columns: int, rows: int):
    solver = Solver(columns, rows)
    return lambda moves, position, mask, ply: solver.move_values(position, mask, ply)


def bitbully_move_values(columns: int, rows: int):
    """Move values from the ``bitbully`` package (AGPL-3.0, an optional extra: 7x6 only)."""
    if (columns, rows) != (7, 6):
        raise ValueError(f"bitbully solves the 7x6 board only, not {columns}x{rows}")
    try:
        from bitbully import BitBully, Board
    except ImportError as error:
        raise ImportError("solver backend 'bitbully' needs the optional package: pip install bitbully") from error
    agent = BitBully()

    def move_values(moves, position, mask, ply):
        scores = agent.score_all_moves(Board.from_moves(list(moves)))  # distance-aware; the sign is the value
        return [None if c not in scores else (scores[c] > 0) - (scores[c] < 0) for c in range(columns)]

    return move_values


def label(board: dict, solver: dict) -> LabelledPositions:
    """Label evaluation positions as config ``tree_search.solver`` says."""
    return label_positions(
        board["columns"],
        board["rows"],
        solver["positions"],
        solver["min_ply"],
        solver["max_ply"],
        solver["seed"],
        backend=solver["backend"],
    )
