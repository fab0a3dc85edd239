"""Model families of the double-descent study, as *stacks*: M models of one shape trained at once.

Every stack maps inputs of shape ``(M, B, ...)`` (one batch per member) to logits of shape
``(M, B, classes)``. Member ``m`` only ever sees its own slice, and the loss is the sum of
the members' mean losses, so each member's gradient (and, with Adam, its update) is
exactly the one it would get if trained alone: a stack is many independent runs sharing
one process, one optimizer call and one backward pass (see ``bench/batched_sweep.py``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

MODELS = ("mlp", "resnet18")


class StackedMLP(nn.Module):
    """``members`` ReLU MLPs, each ``in -> width -> ... -> width -> classes``, as batched matmuls.

    Weights are stored as ``(M, fan_in, fan_out)`` tensors. Member ``m`` is initialised like
    ``torch.nn.Linear`` (uniform in +-1/sqrt(fan_in)) from its own ``seeds[m]``, so a member's
    initial weights do not depend on which other members share its stack.
    """

    def __init__(self, in_features: int, width: int, hidden_layers: int, classes: int, seeds: list[int]):
        super().__init__()
        sizes = [in_features] + [width] * hidden_layers + [classes]
        generators = [torch.Generator().manual_seed(seed) for seed in seeds]
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            bound = 1.0 / math.sqrt(fan_in)
            weight = torch.stack([_uniform((fan_in, fan_out), bound, g) for g in generators])
            bias = torch.stack([_uniform((1, fan_out), bound, g) for g in generators])
            self.weights.append(nn.Parameter(weight))
            self.biases.append(nn.Parameter(bias))

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        hidden = inputs.flatten(2)
        last = len(self.weights) - 1
        for index, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            hidden = torch.baddbmm(bias, hidden, weight)
            if index < last:
                hidden = F.relu(hidden)
        return hidden


def _uniform(shape: tuple[int, ...], bound: float, generator: torch.Generator) -> torch.Tensor:
    return (torch.rand(shape, generator=generator) * 2 - 1) * bound


class PreActBlock(nn.Module):
    """Pre-activation residual block (He et al. 2016), as in Nakkiran et al.'s ResNet-18."""

    def __init__(self, in_channels: int, channels: int, stride: int):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.conv1 = nn.Conv2d(in_channels, channels, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, 1, 1, bias=False)
        self.shortcut = (
            nn.Conv2d(in_channels, channels, 1, stride, bias=False) if stride != 1 or in_channels != channels else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(x))
        shortcut = self.shortcut(out) if self.shortcut is not None else x
        out = self.conv1(out)
        out = self.conv2(F.relu(self.bn2(out)))
        return out + shortcut


class ResNet18(nn.Module):
    """Pre-activation ResNet-18 with layer widths ``[k, 2k, 4k, 8k]`` (k = 64 is the usual one).

    Nakkiran et al. (2019) sweep k from 1 to 64 on CIFAR-10; test error peaks near k = 10
    with 15-20% label noise.
    """

    def __init__(self, width: int, classes: int = 10, in_channels: int = 3):
        super().__init__()
        self.stem = nn.Conv2d(in_channels, width, 3, 1, 1, bias=False)
        blocks, channels = [], width
        for stage, stride in enumerate((1, 2, 2, 2)):
            out_channels = width * 2**stage
            blocks += [PreActBlock(channels, out_channels, stride), PreActBlock(out_channels, out_channels, 1)]
            channels = out_channels
        self.blocks = nn.Sequential(*blocks)
        self.bn = nn.BatchNorm2d(channels)
        self.head = nn.Linear(channels, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn(self.blocks(self.stem(x))))
        return self.head(F.adaptive_avg_pool2d(out, 1).flatten(1))


class SingleModelStack(nn.Module):
    """A stack of one: lets a big model (ResNet-18) use the stacked training loop unchanged."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        if inputs.shape[0] != 1:
            raise ValueError(f"a single-model stack takes one member, got {inputs.shape[0]}")
        return self.model(inputs[0]).unsqueeze(0)


def build_stack(name: str, width: int, seeds: list[int], input_shape: tuple[int, ...], settings: dict) -> nn.Module:
    """The stack of ``len(seeds)`` models of family ``name`` at ``width``."""
    if name == "mlp":
        return StackedMLP(math.prod(input_shape), width, settings["hidden_layers"], 10, seeds)
    if name == "resnet18":
        if len(seeds) != 1:
            raise ValueError("resnet18 trains one model per job; got a stack of several")
        torch.manual_seed(seeds[0])
        return SingleModelStack(ResNet18(width, in_channels=input_shape[0]))
    raise ValueError(f"unknown model {name!r}; allowed: {', '.join(MODELS)}")


def count_parameters(stack: nn.Module, members: int) -> int:
    """Parameters of one member of the stack."""
    return sum(p.numel() for p in stack.parameters()) // members
