"""The arena: every player, every scheduled pairing, every balanced opening, both colours,
all games advanced together in one batch.

Players are network snapshots x search budgets (budget 0 = the raw policy, greedy) for PUCT
and Gumbel search, the random player (the Elo anchor), pure MCTS (uniform prior,
random-playout values) and, on boards the solver handles, the perfect player. At
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
from phenomena.tree_search.gumbel import gumbel_search
from phenomena.tree_search.mcts import (
    evaluation_device,
    masked_softmax,
    network_evaluator,
    rollout_evaluator,
    search,
)
from phenomena.tree_search.solver import Solver

RANDOM = "random"
PURE_MCTS = "pure_mcts"
NETWORK = "network"
PERFECT = "perfect"
PUCT, GUMBEL = "puct", "gumbel"


@dataclass(frozen=True)
class Player:
    kind: str  # random, pure_mcts, perfect or network
    budget: int = 0  # simulations per move; 0 = greedy raw policy
    iteration: int = -1  # training iteration of the network snapshot; -1 for the others
    search: str = PUCT  # puct or gumbel: how a network player with budget > 0 searches
    network: str = ""  # the training run's label (e.g. h64) when several runs share an arena

    @property
    def name(self) -> str:
        if self.kind == NETWORK:
            prefix = f"{self.network}_" if self.network else ""
            return f"{prefix}iter{self.iteration}_{'gumbel' if self.search == GUMBEL else 'sims'}{self.budget}"
        if self.kind == PURE_MCTS:
            return f"pure_mcts{self.budget}"
        return self.kind  # random, perfect


class Mover:
    """Chooses moves for one player on a batch of positions."""

    def __init__(self, game: ConnectFour, player: Player, net: torch.nn.Module | None = None, c_puct: float = 1.5):
        self.game, self.player, self.net, self.c_puct = game, player, net, c_puct
        if player.kind == NETWORK and net is None:
            raise ValueError(f"player {player.name} needs a network")
        self.perfect = PerfectPlay(game) if player.kind == PERFECT else None

    @torch.no_grad()
    def choose(self, state: State) -> tuple[torch.Tensor, torch.Tensor]:
        """(moves, value estimate for the player to move; nan where the player has none)."""
        game, player = self.game, self.player
        legal = game.legal(state)
        if player.kind == RANDOM:
            return torch.multinomial(legal.float(), 1).squeeze(1), torch.full((len(state),), float("nan"))
        if player.kind == PERFECT:
            return self.perfect.choose(state)
        if player.kind == PURE_MCTS:
            result = search(game, rollout_evaluator(game), state, player.budget, self.c_puct)
        elif player.budget == 0:
            logits, value = network_evaluator(game, self.net)(state)
            return masked_softmax(logits, legal).argmax(-1), value
        elif player.search == GUMBEL:  # deterministic in the arena: no Gumbel noise
            result = gumbel_search(game, network_evaluator(game, self.net), state, player.budget, gumbel_scale=0.0)
        else:
            result = search(game, network_evaluator(game, self.net), state, player.budget, self.c_puct)
        visits = result.visits
        value = (visits * result.q).sum(-1) / visits.sum(-1).clamp_min(1)
        return result.best_action(), value


class PerfectPlay:
    """The perfect player: uniformly random among the moves the exact solver calls optimal
    (torch's global generator, seeded by the arena). Move values are cached per position, and
    the solver's transposition table is shared, so a tournament solves each position once."""

    def __init__(self, game: ConnectFour):
        self.game = game
        self.solver = Solver(game.columns, game.rows)
        self.cache: dict[tuple[int, int], list[int]] = {}

    def move_values(self, position: int, mask: int, moves: int) -> list[int]:
        """Value of each column for the player to move; -2 for a full column."""
        key = (position, mask)
        if key not in self.cache:
            values = self.solver.move_values(position, mask, moves)
            self.cache[key] = [-2 if v is None else v for v in values]
        return self.cache[key]

    def choose(self, state: State) -> tuple[torch.Tensor, torch.Tensor]:
        values = torch.tensor(
            [
                self.move_values(p, m, n)
                for p, m, n in zip(state.position.tolist(), state.mask.tolist(), state.moves.tolist())
            ],
            dtype=torch.int64,
        ).view(len(state), self.game.columns)
        best = values.max(-1).values
        optimal = values == best.unsqueeze(-1)
        return torch.multinomial(optimal.float(), 1).squeeze(1), best.float()


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

    ``round_robin``: every pair. ``ladder``, the pairs that compare what the study compares,
    keeping the Elo graph connected with far fewer games:

    - the random player (the anchor) meets everyone; pure MCTS meets every raw policy;
    - the key snapshots (those where Gumbel search plays, and each run's last) meet the
      baselines: random, pure MCTS and the perfect player;
    - within a snapshot every player meets every other, except at key snapshots with many
      players, where a search meets the raw policy, its twin of the other search at the same
      budget and its own search at the neighbouring budgets;
    - across snapshots, the same search and budget at neighbouring snapshots of the same run.
    """
    pairs = list(itertools.combinations(range(len(players)), 2))
    if kind == "round_robin":
        return pairs
    if kind != "ladder":
        raise ValueError(f"unknown schedule {kind!r}; allowed: ladder, round_robin")
    network = [p for p in players if p.kind == NETWORK]
    iterations = {
        run: sorted({p.iteration for p in network if p.network == run}) for run in {p.network for p in network}
    }
    key = {(p.network, p.iteration) for p in network if p.search == GUMBEL and p.budget > 0}
    key |= {(run, its[-1]) for run, its in iterations.items()}
    budgets = {
        (p.network, p.iteration, p.search): sorted(
            q.budget
            for q in network
            if (q.network, q.iteration, q.search) == (p.network, p.iteration, p.search) and q.budget > 0
        )
        for p in network
    }

    def search_of(p: Player) -> str:
        return p.search if p.budget > 0 else "policy"

    def baseline_meets(baseline: Player, p: Player) -> bool:
        if baseline.kind == RANDOM:
            return True
        return (p.network, p.iteration) in key or (baseline.kind == PURE_MCTS and p.budget == 0)

    def same_snapshot_meets(a: Player, b: Player) -> bool:
        if (a.network, a.iteration) not in key or a.budget == 0 or b.budget == 0:
            return True
        if a.budget == b.budget:
            return True  # Gumbel and PUCT twins
        if a.search != b.search:
            return False
        ladder = budgets[(a.network, a.iteration, a.search)]
        return abs(ladder.index(a.budget) - ladder.index(b.budget)) == 1

    def keep(i: int, j: int) -> bool:
        a, b = players[i], players[j]
        if a.kind != NETWORK and b.kind != NETWORK:
            return True
        if a.kind != NETWORK or b.kind != NETWORK:
            baseline, other = (a, b) if a.kind != NETWORK else (b, a)
            return baseline_meets(baseline, other)
        if a.network != b.network:
            return False  # runs meet through the baselines (and share their Elo fit)
        if a.iteration == b.iteration:
            return same_snapshot_meets(a, b)
        run = iterations[a.network]
        neighbours = abs(run.index(a.iteration) - run.index(b.iteration)) == 1
        return neighbours and (search_of(a), a.budget) == (search_of(b), b.budget)

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


def solver_accuracy(game: ConnectFour, mover: Mover, state: State, optimal: torch.Tensor, value: torch.Tensor) -> dict:
    """Fraction of labelled positions where the player picks an optimal move, and where its
    value estimate (win > 1/3 > draw > -1/3 > loss) names the exact value (network players)."""
    moves, estimate = mover.choose(state)
    accuracy = {"optimal_move": float(optimal.gather(1, moves.unsqueeze(1)).float().mean())}
    if not bool(torch.isnan(estimate).any()):
        predicted = torch.where(estimate > 1 / 3, 1, torch.where(estimate < -1 / 3, -1, 0))
        accuracy["value_correct"] = float((predicted == value).float().mean())
    return accuracy


def player_searches(arena: dict, iteration: int, comparison: list[int]) -> list[tuple[str, int]]:
    """(search, budget) of the network players of one snapshot: PUCT at ``arena["budgets"]``; at
    the ``comparison`` snapshots also Gumbel and PUCT at every ``arena["gumbel_budgets"]``."""
    searches = [(PUCT, b) for b in arena["budgets"]]
    if iteration in comparison:
        searches += [(PUCT, b) for b in arena["gumbel_budgets"] if b not in arena["budgets"]]
        searches += [(GUMBEL, b) for b in arena["gumbel_budgets"]]
    return searches


def load_players(
    game: ConnectFour,
    snapshot_paths: list,
    arena: dict,
    label: str = "",
    comparison: list[int] = (),
    device: torch.device | str = "cpu",
) -> tuple[list[Mover], pd.DataFrame]:
    """Movers for the baselines (random, pure MCTS, the perfect player if ``arena["perfect_player"]``)
    and every snapshot's network players (:func:`player_searches`); and a table describing them.
    ``label`` names the training run in the network players' names; the networks evaluate on ``device``."""
    from phenomena.tree_search.module import load_snapshot  # here: Lightning only in jobs that load snapshots

    c_puct = arena["c_puct"]
    baselines = [Player(RANDOM), Player(PURE_MCTS, arena["pure_mcts_simulations"])]
    if arena.get("perfect_player", False):
        baselines.append(Player(PERFECT))
    movers = [Mover(game, player, c_puct=c_puct) for player in baselines]
    rows = [
        {
            "player": player.name,
            "kind": player.kind,
            "network": "",
            "search": "",
            "iteration": -1,
            "budget": player.budget,
            "train_flops": 0.0,
            "flops_per_move": 0.0,
        }
        for player in baselines
    ]
    for path in snapshot_paths:
        net, record = load_snapshot(path)
        net = net.to(device)
        for search_kind, budget in player_searches(arena, record["iteration"], list(comparison)):
            mover = Mover(game, Player(NETWORK, budget, record["iteration"], search_kind, label), net, c_puct)
            movers.append(mover)
            rows.append(
                {
                    "player": mover.player.name,
                    "kind": NETWORK,
                    "network": label,
                    "search": search_kind if budget else "policy",
                    "iteration": record["iteration"],
                    "budget": budget,
                    "train_flops": record["train_flops"],
                    # the raw policy is one evaluation; a search evaluates its root and one leaf per simulation
                    "flops_per_move": float(record["flops_per_evaluation"] * (budget + 1)),
                }
            )
    return movers, pd.DataFrame(rows)


def run_arena(snapshot_paths: list, settings: dict, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tournament of one training run's players and the baselines: (games, players) tables.
    ``settings``: board, arena, the run's ``label`` and the ``comparison`` snapshots."""
    board, arena = settings["board"], settings["arena"]
    torch.manual_seed(seed)  # the random and perfect players, pure MCTS's playouts; the rest is deterministic
    game = ConnectFour(board["columns"], board["rows"])
    device = evaluation_device(settings.get("accelerator", "cpu"))
    movers, players = load_players(game, snapshot_paths, arena, settings["label"], settings["comparison"], device)
    pairs = schedule([m.player for m in movers], arena["schedule"])
    games = play_tournament(game, movers, pairs, openings(game, arena["opening_plies"]))
    return games, players


def run_solver_accuracy(snapshot_paths: list, positions, settings: dict, seed: int) -> pd.DataFrame:
    """Solver accuracy of every arena player on the labelled positions: one row per player."""
    arena = settings["arena"]
    torch.manual_seed(seed)
    game = ConnectFour(positions.columns, positions.rows)
    device = evaluation_device(settings.get("accelerator", "cpu"))
    movers, players = load_players(game, snapshot_paths, arena, settings["label"], settings["comparison"], device)
    rows = [solver_accuracy(game, m, positions.state, positions.optimal, positions.value) for m in movers]
    return pd.concat([players, pd.DataFrame(rows)], axis=1)
