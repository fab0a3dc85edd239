"""What a search asks of a position: prior logits over the moves and a value for the player to
move. The network (on its device, batched) or pure MCTS's uniform prior and random playout."""

from __future__ import annotations

from collections.abc import Callable

import torch

from phenomena.common.runtime import check_accelerator
from phenomena.tree_search.game import ConnectFour, State

Evaluator = Callable[[State], tuple[torch.Tensor, torch.Tensor]]


def network_evaluator(game: ConnectFour, net: torch.nn.Module) -> Evaluator:
    """Evaluate states with a policy-value network (no gradients), in one batch on the network's
    device (config ``accelerator``: the training run's module, or the arena's players), one
    transfer each way per call; the results come back to the CPU as float32, where the trees live."""
    device = next(net.parameters()).device

    @torch.no_grad()
    def evaluate(state: State) -> tuple[torch.Tensor, torch.Tensor]:
        if device.type == "cpu":
            return net(game.observation(state))
        logits, value = net(game.observation(state).to(device, non_blocking=True))
        return logits.float().cpu(), value.float().cpu()

    return evaluate


def evaluation_device(accelerator: str) -> torch.device:
    """The device of the study's networks for config ``accelerator``, in training, the arena and
    solver accuracy: the CPU for ``cpu``, and for ``auto`` where no CUDA GPU is visible (auto does not
    pick Apple's MPS here: one small batch per search step costs more to send than to compute); CUDA
    for ``gpu`` and ``cuda``, MPS for ``mps`` or ``gpu`` without CUDA. A device that is not there
    stops in one line (:func:`~phenomena.common.runtime.check_accelerator`)."""
    check_accelerator(accelerator)
    if accelerator == "cpu" or (accelerator == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    if accelerator == "mps" or (accelerator == "gpu" and not torch.cuda.is_available()):
        return torch.device("mps")
    return torch.device("cuda")


def rollout_evaluator(game: ConnectFour, rollouts: bool = True) -> Evaluator:
    """Pure MCTS: uniform prior; value from one uniformly random playout (or 0 without rollouts)."""

    def evaluate(state: State) -> tuple[torch.Tensor, torch.Tensor]:
        logits = torch.zeros(len(state), game.actions)
        if not rollouts:
            return logits, torch.zeros(len(state))
        return logits, random_playout(game, state)

    return evaluate


def random_playout(game: ConnectFour, state: State) -> torch.Tensor:
    """Outcome (+1/0/-1, for the player to move in ``state``) of a random game from each state."""
    value = torch.zeros(len(state))
    sign = torch.ones(len(state))  # +1 while the original player is to move
    live = torch.arange(len(state))
    state = state.clone()
    while len(live):
        legal = game.legal(state).float()
        actions = torch.multinomial(legal, 1).squeeze(1)
        state, won, over = game.step(state, actions, check=False)
        value[live] = torch.where(won, sign, value[live])
        keep = ~over
        live, state, sign = live[keep], state[keep], -sign[keep]
    return value


def masked_softmax(logits: torch.Tensor, legal: torch.Tensor) -> torch.Tensor:
    return torch.softmax(logits.masked_fill(~legal, float("-inf")), dim=-1)
