"""SGD's implicit regularizer, made explicit: its value and its gradient, against a direct computation."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from phenomena.inductive_bias.classifier import ExampleOrder, explicit_regularizer
from phenomena.inductive_bias.models import build_mlp


def direct_regularizer(model, inputs, labels, lr, micro_batch, order):
    """(lr / 4) x the mean over minibatches of |grad of the minibatch loss|^2, one minibatch at a time."""
    norms = []
    for start in range(0, len(order) - micro_batch + 1, micro_batch):
        chosen = order[start : start + micro_batch]
        loss = F.cross_entropy(model(inputs[chosen]), labels[chosen])
        gradients = torch.autograd.grad(loss, list(model.parameters()), create_graph=True)
        norms.append(sum(g.pow(2).sum() for g in gradients))
    return lr / 4 * torch.stack(norms).mean()


def test_the_explicit_regularizer_equals_a_direct_computation_value_and_gradient():
    torch.manual_seed(0)
    model = build_mlp(6, 5, 1)
    inputs, labels = torch.randn(23, 6), torch.randint(0, 10, (23,))
    order = torch.randperm(23)  # 23 = 4 minibatches of 5 and 3 left out
    ours = explicit_regularizer(model, inputs, labels, lr=0.4, micro_batch=5, order=order)
    direct = direct_regularizer(model, inputs, labels, 0.4, 5, order)
    torch.testing.assert_close(ours, direct)
    ours_gradient = torch.autograd.grad(ours, list(model.parameters()))
    direct_gradient = torch.autograd.grad(direct, list(model.parameters()))
    for a, b in zip(ours_gradient, direct_gradient):
        torch.testing.assert_close(a, b)
    assert float(ours) > 0


def test_one_minibatch_of_everything_gives_the_full_batch_gradient_norm():
    torch.manual_seed(1)
    model = build_mlp(4, 3, 1)
    inputs, labels = torch.randn(8, 4), torch.randint(0, 10, (8,))
    full = torch.autograd.grad(F.cross_entropy(model(inputs), labels), list(model.parameters()))
    expected = 1.0 / 4 * sum(g.pow(2).sum() for g in full)
    torch.testing.assert_close(
        explicit_regularizer(model, inputs, labels, lr=1.0, micro_batch=8, order=torch.arange(8)), expected
    )


def test_the_example_order_reshuffles_every_epoch_and_resumes_from_its_state():
    order = ExampleOrder(10, seed=0)
    epoch = torch.cat([order.next_batch(5), order.next_batch(5)])
    assert sorted(epoch.tolist()) == list(range(10))
    state = order.state_dict()
    ahead = [order.next_batch(5) for _ in range(3)]
    again = ExampleOrder(10, seed=99)
    again.load_state_dict(state)
    for expected in ahead:
        torch.testing.assert_close(again.next_batch(5), expected)
