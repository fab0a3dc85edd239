"""The arena: every player, every scheduled pairing, every balanced opening, both colours,
all games advanced together in one batch.

Players are network snapshots x search budgets (budget 0 = the raw policy, greedy), the
random player (the Elo anchor) and pure MCTS (uniform prior, random-playout values). At
each ply the live games are grouped by the player to move and each player moves all of
its games with one batched call, so a 256-simulation player searches hundreds of trees
at once whatever its opponents.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import pandas as pd
import torch

from phenomena.tree_search.game import ConnectFour, State
from phenomena.tree_search.mcts import masked_softmax, network_evaluator, rollout_evaluator, search

RANDOM = "random"
PURE_MCTS = "pure_mcts"
NETWORK = "network"


@dataclass(frozen=True)
class Player:
    kind: str  # random, pure_mcts or network
    budget: int = 0  # simulations per move; 0 = greedy raw policy
    iteration: int = -1  # training iteration of the network snapshot; -1 for the others

    @property
    def name(self) -> str:
        if self.kind == NETWORK:
            return f"iter{self.iteration}_sims{self.budget}"
        if self.kind == PURE_MCTS:
            return f"pure_mcts{self.budget}"
        return RANDOM


class Mover:
    """Chooses moves for one player on a batch of positions."""

    def __init__(self, game: ConnectFour, player: Player, net: torch.nn.Module | None = None, c_puct: float = 1.5):
        self.game, self.player, self.net, self.c_puct = game, player, net, c_puct
        if player.kind == NETWORK and net is None:
            raise ValueError(f"player {player.name} needs a network")

    @torch.no_grad()
    def choose(self, state: State) -> tuple[torch.Tensor, torch.Tensor]:
        """(moves, value estimate for the player to move; nan where the player has none)."""
        game, player = self.game, self.player
        legal = game.legal(state)
        if player.kind == RANDOM:
            return torch.multinomial(legal.float(), 1).squeeze(1), torch.full((len(state),), float("nan"))
        if player.kind == PURE_MCTS:
            result = search(game, rollout_evaluator(game), state, player.budget, self.c_puct)
        elif player.budget == 0:
            logits, value = self.net(game.observation(state))
            return masked_softmax(logits, legal).argmax(-1), value
        else:
            result = search(game, network_evaluator(game, self.net), state, player.budget, self.c_puct)
        visits = result.visits
        value = (visits * result.q).sum(-1) / visits.sum(-1).clamp_min(1)
        return result.best_action(), value


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


def schedule(players: list[Player], kind: str) -> list[tuple[int, int]]:
    """Pairings (indices into ``players``).

    ``round_robin``: every pair. ``ladder``: every network player against the random player
    and pure MCTS, against the other budgets of its own snapshot, and against its own
    budget at the other snapshots; random against pure MCTS. The ladder keeps the pairs
    that compare what the study compares and leaves the Elo graph connected.
    """
    pairs = list(itertools.combinations(range(len(players)), 2))
    if kind == "round_robin":
        return pairs
    if kind != "ladder":
        raise ValueError(f"unknown schedule {kind!r}; allowed: ladder, round_robin")

    def keep(i: int, j: int) -> bool:
        a, b = players[i], players[j]
        if a.kind != NETWORK or b.kind != NETWORK:
            return True
        return a.iteration == b.iteration or a.budget == b.budget

    return [(i, j) for i, j in pairs if keep(i, j)]


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
    score_first, length = play_out(game, movers, state, first, second, plies)
    names = [m.player.name for m in movers]
    return pd.DataFrame(
        {
            "game": range(len(first)),
            "first": [names[i] for i in first.tolist()],
            "second": [names[i] for i in second.tolist()],
            "opening": ["-".join(map(str, opening_moves[k])) for k in opening_index],
            "score_first": score_first.numpy(),
            "plies": length.numpy(),
        }
    )


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
    player moves all its live games in one call. Returns the first player's score and each game's length."""
    n = len(first)
    score_first = torch.full((n,), 0.5)
    length = torch.zeros(n, dtype=torch.int64)
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
        score_first[live[won]] = 1.0 if ply % 2 == 0 else 0.0
        length[live[over]] = ply + 1
        live, state = live[~over], state[~over]
        ply += 1
    return score_first, length


def solver_accuracy(game: ConnectFour, mover: Mover, state: State, optimal: torch.Tensor, value: torch.Tensor) -> dict:
    """Fraction of labelled positions where the player picks an optimal move, and where its
    value estimate (win > 1/3 > draw > -1/3 > loss) names the exact value (network players)."""
    moves, estimate = mover.choose(state)
    accuracy = {"optimal_move": float(optimal.gather(1, moves.unsqueeze(1)).float().mean())}
    if not bool(torch.isnan(estimate).any()):
        predicted = torch.where(estimate > 1 / 3, 1, torch.where(estimate < -1 / 3, -1, 0))
        accuracy["value_correct"] = float((predicted == value).float().mean())
    return accuracy


def load_players(
    game: ConnectFour, snapshot_paths: list, budgets: list[int], pure_mcts_simulations: int, c_puct: float
) -> tuple[list[Mover], pd.DataFrame]:
    """Movers for random, pure MCTS and every snapshot x budget; and a table describing them."""
    from phenomena.tree_search.module import load_snapshot  # here: Lightning only in jobs that load snapshots

    movers = [Mover(game, Player(RANDOM)), Mover(game, Player(PURE_MCTS, pure_mcts_simulations), c_puct=c_puct)]
    rows = [
        {"player": RANDOM, "kind": RANDOM, "iteration": -1, "budget": 0, "train_flops": 0.0, "flops_per_move": 0.0},
        {
            "player": movers[1].player.name,
            "kind": PURE_MCTS,
            "iteration": -1,
            "budget": pure_mcts_simulations,
            "train_flops": 0.0,
            "flops_per_move": 0.0,
        },
    ]
    for path in snapshot_paths:
        net, record = load_snapshot(path)
        for budget in budgets:
            mover = Mover(game, Player(NETWORK, budget, record["iteration"]), net, c_puct)
            movers.append(mover)
            rows.append(
                {
                    "player": mover.player.name,
                    "kind": NETWORK,
                    "iteration": record["iteration"],
                    "budget": budget,
                    "train_flops": record["train_flops"],
                    # the raw policy is one evaluation; a search evaluates its root and one leaf per simulation
                    "flops_per_move": float(record["flops_per_evaluation"] * (budget + 1)),
                }
            )
    return movers, pd.DataFrame(rows)


def run_arena(snapshot_paths: list, settings: dict, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tournament of one training run: (games, players) tables."""
    board, arena = settings["board"], settings["arena"]
    torch.manual_seed(seed)  # the random player and pure MCTS's playouts; the rest is deterministic
    game = ConnectFour(board["columns"], board["rows"])
    movers, players = load_players(
        game, snapshot_paths, arena["budgets"], arena["pure_mcts_simulations"], arena["c_puct"]
    )
    pairs = schedule([m.player for m in movers], arena["schedule"])
    games = play_tournament(game, movers, pairs, openings(game, arena["opening_plies"]))
    return games, players


def run_solver_accuracy(snapshot_paths: list, positions, settings: dict, seed: int) -> pd.DataFrame:
    """Solver accuracy of every arena player on the labelled positions: one row per player."""
    arena = settings["arena"]
    torch.manual_seed(seed)
    game = ConnectFour(positions.columns, positions.rows)
    movers, players = load_players(
        game, snapshot_paths, arena["budgets"], arena["pure_mcts_simulations"], arena["c_puct"]
    )
    rows = [solver_accuracy(game, m, positions.state, positions.optimal, positions.value) for m in movers]
    return pd.concat([players, pd.DataFrame(rows)], axis=1)
