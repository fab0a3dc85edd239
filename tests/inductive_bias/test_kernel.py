"""The lazy-vs-rich part: the empirical tangent kernel, the linearized prediction, and laziness with width."""

from __future__ import annotations

import torch
from torch import nn

from phenomena.inductive_bias.kernel import (
    KernelRegressionModule,
    empirical_ntk,
    linearized_prediction,
    regression_task,
    relative_kernel_change,
)


class Linear(nn.Module):
    """f(x) = w . x, one output per row."""

    def __init__(self, dimension: int):
        super().__init__()
        self.w = nn.Parameter(torch.randn(dimension))

    def forward(self, inputs):
        return inputs @ self.w


def test_the_tangent_kernel_of_a_linear_model_is_the_gram_matrix():
    torch.manual_seed(0)
    inputs = torch.randn(7, 3)
    torch.testing.assert_close(empirical_ntk(Linear(3), inputs), (inputs @ inputs.T).double())


def test_the_linearized_prediction_is_gradient_descent_on_a_linear_model():
    """A linear model is its own linearization: the closed form must equal training it."""
    torch.manual_seed(0)
    train, other = torch.randn(5, 8), torch.randn(4, 8)
    targets = torch.randn(5)
    model = Linear(8)
    with torch.no_grad():
        model.w.zero_()  # starts at f = 0, as the centred network does
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(30):
        optimizer.zero_grad()
        ((model(train) - targets).pow(2).mean() / 2).backward()
        optimizer.step()
    everything = torch.cat([train, other])
    predicted = linearized_prediction((everything @ everything.T).double(), 5, targets, lr=0.05, steps=30)
    torch.testing.assert_close(predicted.float(), model(everything).detach(), rtol=1e-4, atol=1e-5)


def trained_kernel_change(width: int, steps: int = 150) -> float:
    torch.manual_seed(0)
    task = regression_task({"points": 6, "frequency": 3.0, "grid": 9, "grid_extent": 1.5})
    module = KernelRegressionModule(task, width, 1.0, {"lr": 0.5, "steps": steps, "evaluations": 1})
    initial = empirical_ntk(module.network, module.kernel_inputs())
    optimizer = module.configure_optimizers()
    for _ in range(steps):
        optimizer.zero_grad()
        module.loss().backward()
        optimizer.step()
    return relative_kernel_change(initial, empirical_ntk(module.network, module.kernel_inputs()))


def test_a_wide_network_moves_its_kernel_far_less_than_a_narrow_one():
    narrow, wide = trained_kernel_change(8), trained_kernel_change(2048)
    assert wide < narrow / 5, (narrow, wide)


def test_the_centred_network_starts_at_zero_whatever_alpha():
    task = regression_task({"points": 4, "frequency": 1.0, "grid": 5, "grid_extent": 1.0})
    module = KernelRegressionModule(task, 16, 8.0, {"lr": 0.1, "steps": 1, "evaluations": 1})
    assert torch.all(module.centred(module.kernel_inputs()) == 0)
