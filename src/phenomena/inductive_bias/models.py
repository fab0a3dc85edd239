"""The classifiers of the architecture and SGD parts: an MLP, and a 1D CNN of about its size."""

from __future__ import annotations

import torch
from torch import nn

NUM_CLASSES = 10


def build_mlp(inputs: int, width: int, hidden_layers: int) -> nn.Sequential:
    """``inputs -> width -> ... -> 10`` with ReLUs: ``hidden_layers`` hidden layers of ``width`` units."""
    sizes = [inputs, *[width] * hidden_layers]
    layers: list[nn.Module] = []
    for size_in, size_out in zip(sizes, sizes[1:]):
        layers += [nn.Linear(size_in, size_out), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(sizes[-1], NUM_CLASSES))


class ConvNet1d(nn.Module):
    """Three strided convolutions (kernel 5, then 3 and 3; stride 2) and a linear read-out.

    The layout of the MNIST-1D paper's CNN (Greydanus 2020); with 48 channels it has 16.6k
    parameters, the 100-unit two-layer MLP 15.2k. Locality and weight sharing are its prior:
    a permutation of the input positions leaves it the same parameters but breaks both.
    """

    def __init__(self, inputs: int, channels: int):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(1, channels, kernel_size=5, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv1d(channels, channels, kernel_size=3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv1d(channels, channels, kernel_size=3, stride=2, padding=1),
            nn.ReLU(),
        )
        length = self.features(torch.zeros(1, 1, inputs)).shape[-1]
        self.readout = nn.Linear(channels * length, NUM_CLASSES)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.readout(self.features(inputs[:, None, :]).flatten(1))


def build_classifier(name: str, inputs: int, settings: dict) -> nn.Module:
    """``mlp`` (``width``, ``hidden_layers``) or ``cnn`` (``channels``) from its settings."""
    if name == "mlp":
        return build_mlp(inputs, settings["width"], settings["hidden_layers"])
    if name == "cnn":
        return ConvNet1d(inputs, settings["channels"])
    raise ValueError(f"unknown model {name!r}; known: mlp, cnn")


def parameter_count(model: nn.Module) -> int:
    return sum(parameter.numel() for parameter in model.parameters())


@torch.no_grad()
def permute_first_layer(mlp: nn.Sequential, permutation: torch.Tensor) -> None:
    """Reorder the input columns of the MLP's first layer so that it computes on permuted inputs
    ``x[:, permutation]`` exactly what it computed on ``x``: the MLP cannot tell the orders apart."""
    first = mlp[0]
    first.weight.copy_(first.weight[:, permutation])
