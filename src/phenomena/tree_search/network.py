"""The policy-value network: an MLP over the two stone planes, a policy head and a value head.

An MLP, not a CNN: on a CPU with one thread it evaluates a batch of small boards in tens
of microseconds, which is what batched MCTS spends most of its calls on.
"""

from __future__ import annotations

import torch
from torch import nn

from phenomena.common.files import load_torch


class PolicyValueNet(nn.Module):
    """Board planes (n, 2, rows, columns) -> (policy logits (n, columns), value (n,) in [-1, 1])."""

    def __init__(self, columns: int, rows: int, hidden: int, layers: int):
        super().__init__()
        widths = [2 * columns * rows] + [hidden] * layers
        self.trunk = nn.Sequential(*(m for a, b in zip(widths, widths[1:]) for m in (nn.Linear(a, b), nn.ReLU())))
        self.policy = nn.Linear(hidden, columns)
        self.value = nn.Linear(hidden, 1)

    def forward(self, planes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.trunk(planes.flatten(1))
        return self.policy(features), torch.tanh(self.value(features)).squeeze(-1)


def parameter_count(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def forward_flops(net: nn.Module) -> int:
    """Multiply-adds x 2 of one forward pass of one board (the linear layers dominate)."""
    return 2 * sum(m.in_features * m.out_features for m in net.modules() if isinstance(m, nn.Linear))


def load_snapshot(path) -> tuple[PolicyValueNet, dict]:
    """The network of a snapshot file (eval mode) and the snapshot's record. Here, beside the network
    and not in the Lightning module: the arena and solver-accuracy jobs load snapshots without
    importing Lightning (4 s a job)."""
    record = load_torch(path)
    board, network = record["board"], record["network"]
    net = PolicyValueNet(board["columns"], board["rows"], network["hidden"], network["layers"])
    net.load_state_dict(record["state_dict"])
    return net.eval(), record
