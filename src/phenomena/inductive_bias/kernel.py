"""Lazy vs rich training: the empirical neural tangent kernel of 1D regression networks.

The network has one hidden layer of ``width`` ReLU units in the NTK parameterization
(Jacot et al. 2018): ``f(x) = sum_j a_j relu(w_j x + b_j) / sqrt(width)`` with every parameter
drawn from N(0, 1). Its output is centred and scaled as in Chizat, Oyallon and Bach (2019):
the model is ``alpha * (f(x) - f_0(x))``, trained on the squared error divided by ``alpha**2``,
so that it starts at 0 and its function-space dynamics at initialization are the same for every
``alpha``; a large ``alpha`` (or a large width) keeps the parameters, and so the kernel, near
their start: the lazy regime, where the network is its linearization and training is kernel
regression with the initial kernel ``K_0``.
"""

from __future__ import annotations

import math

import pytorch_lightning as pl
import torch
from torch import nn
from torch.func import functional_call, jacrev
from torch.nn.utils import parameters_to_vector
from torch.utils.data import DataLoader

from phenomena.common.lightning import StepTicks
from phenomena.common.manual_steps import adopt_automatic_checkpoint, optimizer_steps
from phenomena.inductive_bias.stepping import steps_per_evaluation


class WideReLU(nn.Module):
    """``sum_j a_j relu(w_j x + b_j) / sqrt(width)`` on inputs of shape (n, 1); parameters N(0, 1)."""

    def __init__(self, width: int):
        super().__init__()
        self.width = width
        self.w = nn.Parameter(torch.randn(width))
        self.b = nn.Parameter(torch.randn(width))
        self.a = nn.Parameter(torch.randn(width))

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return torch.relu(inputs * self.w + self.b) @ self.a / math.sqrt(self.width)


def empirical_ntk(
    model: nn.Module, inputs: torch.Tensor, parameters: dict[str, torch.Tensor] | None = None
) -> torch.Tensor:
    """``K[i, k] = <d f(x_i) / d theta, d f(x_k) / d theta>`` at ``parameters`` (default: the model's own),
    for a model with one output per input row; float64."""
    parameters = {name: p.detach() for name, p in model.named_parameters()} if parameters is None else parameters
    jacobians = jacrev(lambda params: functional_call(model, params, (inputs,)))(parameters)
    jacobian = torch.cat([j.reshape(len(inputs), -1) for j in jacobians.values()], dim=1).double()
    return jacobian @ jacobian.T


def relative_kernel_change(initial: torch.Tensor, final: torch.Tensor) -> float:
    """``||K_T - K_0||_F / ||K_0||_F``."""
    return float(torch.linalg.matrix_norm(final - initial) / torch.linalg.matrix_norm(initial))


def linearized_prediction(
    kernel: torch.Tensor, train_count: int, targets: torch.Tensor, *, lr: float, steps: int
) -> torch.Tensor:
    """The centred network's linearization after ``steps`` of gradient descent, on every input.

    ``kernel`` is ``K_0`` over the training inputs (first ``train_count`` rows) followed by the
    others. On the loss ``mean((f - y)**2) / 2`` the linearized model's training outputs follow
    ``f_t = (I - (I - lr K / n)^t) y`` (starting at 0), and every other input moves with
    ``K(x, X) K(X, X)^-1 f_t``: kernel regression with ``K_0`` once ``t`` is large.
    """
    train = kernel[:train_count, :train_count]
    decay = torch.eye(train_count, dtype=kernel.dtype) - lr * train / train_count
    fitted = targets.double() - torch.linalg.matrix_power(decay, steps) @ targets.double()
    return kernel[:, :train_count] @ torch.linalg.solve(train, fitted)


def regression_task(settings: dict) -> dict[str, torch.Tensor]:
    """``points`` evenly spaced training inputs on [-1, 1] with targets sin(frequency x), and the
    evaluation grid, ``grid`` points on [-grid_extent, grid_extent]."""
    train_inputs = torch.linspace(-1.0, 1.0, settings["points"])[:, None]
    extent = settings["grid_extent"]
    return {
        "train_inputs": train_inputs,
        "train_targets": torch.sin(settings["frequency"] * train_inputs[:, 0]),
        "grid_inputs": torch.linspace(-extent, extent, settings["grid"])[:, None],
    }


class KernelRegressionModule(pl.LightningModule):
    """Full-batch gradient descent on ``alpha * (f - f_0)``; the initial parameters kept as buffers.

    One Lightning epoch is one ``training_step`` that takes all the steps between two evaluations
    (manual optimization: :mod:`phenomena.inductive_bias.stepping` says why).
    """

    def __init__(self, task: dict[str, torch.Tensor], width: int, alpha: float, training: dict):
        super().__init__()
        self.network = WideReLU(width)
        self.alpha, self.training_settings = alpha, training
        for name, tensor in task.items():
            self.register_buffer(name, tensor, persistent=False)
        for name, parameter in self.network.named_parameters():
            self.register_buffer(f"initial_{name}", parameter.detach().clone())
        self.automatic_optimization = False

    def initial_parameters(self) -> dict[str, torch.Tensor]:
        return {name: getattr(self, f"initial_{name}") for name, _ in self.network.named_parameters()}

    def centred(self, inputs: torch.Tensor) -> torch.Tensor:
        """The model: ``alpha * (f(x) - f_0(x))``."""
        initial = functional_call(self.network, self.initial_parameters(), (inputs,))
        return self.alpha * (self.network(inputs) - initial)

    def loss(self) -> torch.Tensor:
        residual = self.centred(self.train_inputs) - self.train_targets
        return residual.pow(2).mean() / (2 * self.alpha**2)

    def train_dataloader(self) -> DataLoader:
        return DataLoader(StepTicks(1), batch_size=None)  # one training_step = the steps of one evaluation

    def val_dataloader(self) -> DataLoader:
        return DataLoader(StepTicks(1), batch_size=None)

    def training_step(self, batch, batch_index) -> None:
        optimizer_steps(self, self.loss, steps_per_evaluation(self.training_settings))

    def validation_step(self, batch, batch_index) -> None:
        self.log_dict(self.record(), batch_size=1)

    def record(self) -> dict[str, float]:
        """The training loss unscaled by alpha: the mean squared error / 2 of the centred model."""
        return {"train_loss": float(self.loss().detach() * self.alpha**2)}

    def configure_optimizers(self):
        return torch.optim.SGD(self.network.parameters(), lr=self.training_settings["lr"])

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        adopt_automatic_checkpoint(checkpoint, steps_per_evaluation(self.training_settings))

    def kernel_inputs(self) -> torch.Tensor:
        """Training inputs, then the grid: the rows of the kernels measured."""
        return torch.cat([self.train_inputs, self.grid_inputs])


def kernel_measures(module: KernelRegressionModule, steps: int) -> tuple[dict[str, float], dict[str, torch.Tensor]]:
    """After training: the kernel's relative change on the grid, and the learned and the linearized
    functions on it (their distance relative to the linearized one's norm)."""
    module = module.cpu()
    inputs = module.kernel_inputs()
    current = parameters_to_vector(module.network.parameters()).detach()
    start = parameters_to_vector(module.initial_parameters().values())
    initial = empirical_ntk(module.network, inputs, module.initial_parameters())
    final = empirical_ntk(module.network, inputs)
    count = len(module.train_inputs)
    grid = slice(count, None)
    linear = linearized_prediction(initial, count, module.train_targets, lr=module.training_settings["lr"], steps=steps)
    with torch.no_grad():
        learned = module.centred(inputs).double()
    measures = {
        "kernel_change": relative_kernel_change(initial[grid, grid], final[grid, grid]),
        "distance_to_linearized": float((learned[grid] - linear[grid]).norm() / linear[grid].norm()),
        "parameter_change": float((current - start).norm() / start.norm()),
    }
    functions = {"network": learned[grid], "linearized": linear[grid]}
    return measures, functions
