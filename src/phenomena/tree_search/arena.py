"""The arena: the players as movers (who they are: :mod:`phenomena.tree_search.players`), each
run's tournament, the baselines' tournament and the players' solver accuracy.

Each training run plays its own arena (its snapshots x budgets, random, pure MCTS); the perfect
player plays once, in the baselines' arena, against every run's last snapshot. The metrics rule
fits all their games on one Elo scale (:mod:`phenomena.tree_search.metrics`).
"""

from __future__ import annotations

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
from phenomena.tree_search.players import (
    GUMBEL,
    NETWORK,
    PERFECT,
    PUCT,
    PURE_MCTS,
    RANDOM,
    Player,
    baselines_arena_players,
    baselines_schedule,
    player_searches,
    run_arena_baselines,
    schedule,
)
from phenomena.tree_search.solver import Solver
from phenomena.tree_search.tournament import openings, play_tournament


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


def solver_accuracy(game: ConnectFour, mover: Mover, state: State, optimal: torch.Tensor, value: torch.Tensor) -> dict:
    """Fraction of labelled positions where the player picks an optimal move, and where its
    value estimate (win > 1/3 > draw > -1/3 > loss) names the exact value (network players)."""
    moves, estimate = mover.choose(state)
    accuracy = {"optimal_move": float(optimal.gather(1, moves.unsqueeze(1)).float().mean())}
    if not bool(torch.isnan(estimate).any()):
        predicted = torch.where(estimate > 1 / 3, 1, torch.where(estimate < -1 / 3, -1, 0))
        accuracy["value_correct"] = float((predicted == value).float().mean())
    return accuracy


def baseline_rows(players: list[Player]) -> list[dict]:
    return [
        {
            "player": player.name,
            "kind": player.kind,
            "network": "",
            "seed": -1,
            "search": "",
            "iteration": -1,
            "budget": player.budget,
            "train_flops": 0.0,
            "flops_per_move": 0.0,
        }
        for player in players
    ]


def network_row(player: Player, label: str, seed: int, record: dict) -> dict:
    return {
        "player": player.name,
        "kind": NETWORK,
        "network": label,
        "seed": seed,
        "search": player.search if player.budget else "policy",
        "iteration": record["iteration"],
        "budget": player.budget,
        "train_flops": record["train_flops"],
        # the raw policy is one evaluation; a search evaluates its root and one leaf per simulation
        "flops_per_move": float(record["flops_per_evaluation"] * (player.budget + 1)),
    }


def run_players(label: str, seed: int) -> str:
    """The name prefix of a run's players: its label and seed (names are unique across the runs
    that share the Elo fit)."""
    return f"{label}_seed{seed}"


def load_players(
    game: ConnectFour,
    snapshot_paths: list,
    arena: dict,
    label: str = "",
    comparison: list[int] = (),
    device: torch.device | str = "cpu",
    seed: int = 0,
    searches=None,
) -> tuple[list[Mover], pd.DataFrame]:
    """Movers for the run arena's baselines (random, pure MCTS) and every snapshot's network
    players (``searches(iteration)``: (search, budget) pairs, by default :func:`player_searches`);
    and a table describing them. ``label`` and ``seed`` name the training run in the network
    players' names; the networks evaluate on ``device``."""
    from phenomena.tree_search.network import load_snapshot

    c_puct = arena["c_puct"]
    searches = searches or (lambda iteration: player_searches(arena, iteration, list(comparison)))
    baselines = run_arena_baselines(arena["pure_mcts_simulations"])
    movers = [Mover(game, player, c_puct=c_puct) for player in baselines]
    rows = baseline_rows(baselines)
    for path in snapshot_paths:
        net, record = load_snapshot(path)
        net = net.to(device)
        for search_kind, budget in searches(record["iteration"]):
            player = Player(NETWORK, budget, record["iteration"], search_kind, run_players(label, seed))
            movers.append(Mover(game, player, net, c_puct))
            rows.append(network_row(player, label, seed, record))
    return movers, pd.DataFrame(rows)


def run_arena(snapshot_paths: list, settings: dict, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tournament of one training run's players and the baselines: (games, players) tables.
    ``settings``: board, arena, the run's ``label`` and the ``comparison`` snapshots."""
    board, arena = settings["board"], settings["arena"]
    torch.manual_seed(seed)  # the random player, pure MCTS's playouts; the rest is deterministic
    game = ConnectFour(board["columns"], board["rows"])
    device = evaluation_device(settings.get("accelerator", "cpu"))
    movers, players = load_players(
        game, snapshot_paths, arena, settings["label"], settings["comparison"], device, settings["seed"]
    )
    pairs = schedule([m.player for m in movers], arena["schedule"])
    games = play_tournament(game, movers, pairs, openings(game, arena["opening_plies"]))
    return games, players


def run_baselines_arena(
    last_snapshots: dict[str, dict], settings: dict, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The baselines' tournament (:func:`~phenomena.tree_search.players.baselines_arena_players`):
    the perfect player against random, pure MCTS and, for every run (``last_snapshots``: name ->
    {path, label, seed}), the raw policy and the largest PUCT budget of its last snapshot."""
    board, arena = settings["board"], settings["arena"]
    torch.manual_seed(seed)
    game = ConnectFour(board["columns"], board["rows"])
    device = evaluation_device(settings.get("accelerator", "cpu"))
    largest = [(PUCT, 0), (PUCT, max(arena["budgets"]))]
    movers, tables = [], []
    for run in last_snapshots.values():
        run_movers, players = load_players(
            game, [run["path"]], arena, run["label"], (), device, run["seed"], lambda iteration: largest
        )
        movers += run_movers[2:]  # the baselines come once, below
        tables.append(players[players["kind"] == NETWORK])
    baselines = baselines_arena_players(arena["pure_mcts_simulations"])
    movers = [Mover(game, player, c_puct=arena["c_puct"]) for player in baselines] + movers
    pairs = baselines_schedule([m.player for m in movers])
    games = play_tournament(game, movers, pairs, openings(game, arena["opening_plies"]))
    return games, pd.concat([pd.DataFrame(baseline_rows(baselines)), *tables], ignore_index=True)


def run_solver_accuracy(snapshot_paths: list, positions, settings: dict, seed: int) -> pd.DataFrame:
    """Solver accuracy of every player of a run's arena on the labelled positions: one row per player."""
    arena = settings["arena"]
    torch.manual_seed(seed)
    game = ConnectFour(positions.columns, positions.rows)
    device = evaluation_device(settings.get("accelerator", "cpu"))
    movers, players = load_players(
        game, snapshot_paths, arena, settings["label"], settings["comparison"], device, settings["seed"]
    )
    rows = [solver_accuracy(game, m, positions.state, positions.optimal, positions.value) for m in movers]
    return pd.concat([players, pd.DataFrame(rows)], axis=1)
