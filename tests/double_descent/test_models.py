"""Stacks of models: shapes, independent members, the ResNet-18 family."""

import pytest
import torch

from phenomena.double_descent.models import ResNet18, StackedMLP, build_stack, count_parameters


def test_stacked_mlp_maps_each_member_batch_to_logits():
    stack = StackedMLP(40, width=16, hidden_layers=2, classes=10, seeds=[0, 1, 2])
    assert stack(torch.randn(3, 5, 40)).shape == (3, 5, 10)
    assert count_parameters(stack, 3) == 40 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 10


def test_member_weights_depend_on_its_seed_not_its_neighbours():
    alone = StackedMLP(40, 8, 2, 10, seeds=[5])
    shared = StackedMLP(40, 8, 2, 10, seeds=[1, 5, 9])
    for weight_alone, weight_shared in zip(alone.weights, shared.weights):
        assert torch.equal(weight_alone[0], weight_shared[1])
    x = torch.randn(1, 4, 40)
    assert torch.allclose(alone(x)[0], shared(x.expand(3, -1, -1))[1], atol=1e-6)


def test_a_member_gradient_is_its_own():
    stack = StackedMLP(40, 8, 1, 10, seeds=[0, 1])
    stack(torch.randn(2, 4, 40))[0].sum().backward()  # loss of member 0 only
    assert all(w.grad[1].abs().sum() == 0 for w in stack.weights)
    assert all(w.grad[0].abs().sum() > 0 for w in stack.weights)


@pytest.mark.parametrize("width", [1, 4])
def test_resnet18_family_scales_with_k(width):
    model = ResNet18(width)
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    assert model.head.in_features == 8 * width


def test_resnet18_trains_one_member_per_stack():
    stack = build_stack("resnet18", 2, [0], (3, 32, 32), {})
    assert stack(torch.randn(1, 2, 3, 32, 32)).shape == (1, 2, 10)
    with pytest.raises(ValueError, match="one model per job"):
        build_stack("resnet18", 2, [0, 1], (3, 32, 32), {})
