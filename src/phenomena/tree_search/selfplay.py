"""Self-play: a batch of games of the network + MCTS against itself, as training examples."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from phenomena.tree_search.game import ConnectFour
from phenomena.tree_search.gumbel import gumbel_search
from phenomena.tree_search.mcts import network_evaluator, search


@dataclass
class Examples:
    """Training examples: board planes, MCTS visit distribution, final outcome for the mover."""

    planes: torch.Tensor  # (m, 2, rows, columns)
    policy: torch.Tensor  # (m, columns)
    value: torch.Tensor  # (m,) in {-1, 0, 1}

    def __len__(self) -> int:
        return len(self.value)

    def to(self, device: torch.device) -> Examples:
        """The examples on ``device`` (the same tensors when they are there already)."""
        return Examples(self.planes.to(device), self.policy.to(device), self.value.to(device))

    def mirrored(self) -> Examples:
        """Left-right reflections: Connect Four is symmetric under them."""
        return Examples(self.planes.flip(-1), self.policy.flip(-1), self.value)

    @staticmethod
    def concat(parts: list[Examples]) -> Examples:
        return Examples(*(torch.cat([getattr(p, f) for p in parts]) for f in ("planes", "policy", "value")))


@dataclass
class SelfPlayStats:
    games: int
    positions: int
    evaluations: int  # network evaluations spent by the searches (train-time compute)
    first_player_wins: float
    draws: float
    mean_length: float


def self_play(
    game: ConnectFour,
    net: torch.nn.Module,
    games: int,
    simulations: int,
    c_puct: float,
    dirichlet_alpha: float,
    dirichlet_fraction: float,
    temperature_moves: int,
    search_kind: str = "puct",
) -> tuple[Examples, SelfPlayStats]:
    """Play ``games`` games at once.

    ``search_kind`` ``puct``: AlphaZero; moves sampled from the visit counts for the first
    ``temperature_moves`` plies (temperature 1), the most visited move afterwards; the target is
    the visit distribution. ``gumbel``: Gumbel AlphaZero; the move is the search's own sample
    (Gumbel noise, no temperature or Dirichlet noise), the target its improved policy.
    """
    evaluate = network_evaluator(game, net)
    state = game.initial(games)
    live = torch.arange(games)
    planes, policies, owners, movers = [], [], [], []
    outcome = torch.zeros(games)  # +1 first player won, -1 second player won, 0 draw
    length = torch.zeros(games)
    evaluations, ply = 0, 0
    while len(live):
        if search_kind == "gumbel":
            result = gumbel_search(game, evaluate, state, simulations, gumbel_scale=1.0)
        else:
            result = search(game, evaluate, state, simulations, c_puct, dirichlet_alpha, dirichlet_fraction)
        evaluations += len(live) * (simulations + 1)  # an upper bound: terminal leaves need none
        target = result.policy()
        if ply < temperature_moves and search_kind != "gumbel":
            actions = torch.multinomial(target, 1).squeeze(1)
        else:
            actions = result.best_action()
        planes.append(game.observation(state))
        policies.append(target)
        owners.append(live)
        movers.append(torch.full((len(live),), 1.0 if ply % 2 == 0 else -1.0))
        state, won, over = game.step(state, actions, check=False)
        outcome[live[won]] = 1.0 if ply % 2 == 0 else -1.0
        length[live[over]] = ply + 1
        live, state = live[~over], state[~over]
        ply += 1
    owner = torch.cat(owners)
    examples = Examples(torch.cat(planes), torch.cat(policies), outcome[owner] * torch.cat(movers))
    stats = SelfPlayStats(
        games=games,
        positions=len(examples),
        evaluations=evaluations,
        first_player_wins=float((outcome > 0).float().mean()),
        draws=float((outcome == 0).float().mean()),
        mean_length=float(length.mean()),
    )
    return examples, stats


def self_play_iteration(game: ConnectFour, net: torch.nn.Module, settings: dict) -> tuple[Examples, SelfPlayStats]:
    """One iteration's games with the config's ``selfplay`` settings (``games_per_iteration``,
    ``simulations``, ``c_puct``, ``dirichlet_alpha``, ``dirichlet_fraction``, ``temperature_moves``,
    ``search``)."""
    return self_play(
        game,
        net,
        settings["games_per_iteration"],
        settings["simulations"],
        settings["c_puct"],
        settings["dirichlet_alpha"],
        settings["dirichlet_fraction"],
        settings["temperature_moves"],
        settings.get("search", "puct"),
    )
