"""SGD's implicit regularizer, made explicit: its value and its gradient, against a direct computation."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from phenomena.inductive_bias.classifier import ClassifierModule, ExampleOrder, explicit_regularizer
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
    assert float(ours.detach()) > 0


def test_one_minibatch_of_everything_gives_the_full_batch_gradient_norm():
    torch.manual_seed(1)
    model = build_mlp(4, 3, 1)
    inputs, labels = torch.randn(8, 4), torch.randint(0, 10, (8,))
    full = torch.autograd.grad(F.cross_entropy(model(inputs), labels), list(model.parameters()))
    expected = 1.0 / 4 * sum(g.pow(2).sum() for g in full)
    torch.testing.assert_close(
        explicit_regularizer(model, inputs, labels, lr=1.0, micro_batch=8, order=torch.arange(8)), expected
    )


def test_the_exact_form_is_sgds_term_minus_gradient_descents_own():
    """Over a partition of every example: mean_k |g_k|^2 = |g|^2 + mean_k |g_k - g|^2 (g = mean_k g_k,
    the full-batch gradient), so full batch (its own (lr/4)|g|^2) + exact = SGD's modified loss."""
    torch.manual_seed(2)
    model = build_mlp(6, 5, 1)
    inputs, labels = torch.randn(20, 6), torch.randint(0, 10, (20,))
    order = torch.randperm(20)
    paper = explicit_regularizer(model, inputs, labels, lr=0.4, micro_batch=5, order=order)
    exact = explicit_regularizer(model, inputs, labels, lr=0.4, micro_batch=5, order=order, form="exact")
    full = torch.autograd.grad(F.cross_entropy(model(inputs), labels), list(model.parameters()), create_graph=True)
    gradient_descent = 0.4 / 4 * sum(g.pow(2).sum() for g in full)
    torch.testing.assert_close(exact + gradient_descent, paper)
    for a, b in zip(
        torch.autograd.grad(exact + gradient_descent, list(model.parameters())),
        torch.autograd.grad(paper, list(model.parameters())),
    ):
        torch.testing.assert_close(a, b)
    assert 0 < float(exact.detach()) < float(paper.detach())
    with pytest.raises(ValueError, match="regularizer form 'fresh'"):
        explicit_regularizer(model, inputs, labels, lr=0.4, micro_batch=5, order=order, form="fresh")


def test_the_trained_regularizer_uses_one_partition_drawn_from_the_seed():
    torch.manual_seed(3)
    data = {
        "train_inputs": torch.randn(20, 6),
        "train_labels": torch.randint(0, 10, (20,)),
        "test_inputs": torch.randn(4, 6),
        "test_labels": torch.randint(0, 10, (4,)),
    }
    training = {"optimizer": "sgd", "lr": 0.4, "batch_size": 20, "steps": 4, "evaluations": 1}
    training |= {"regularizer_batch": 5, "regularizer_form": "exact", "log_regularizer_batch": None}
    module = ClassifierModule(build_mlp(6, 5, 1), data, training, order_seed=7)
    losses = [module.step_loss() for _ in range(2)]
    torch.testing.assert_close(losses[0], losses[1])  # deterministic: the same loss, step after step

    def partition(seed: int) -> torch.Tensor:
        return ClassifierModule(build_mlp(6, 5, 1), data, training, order_seed=seed).partition

    torch.testing.assert_close(module.partition, partition(7))
    assert not torch.equal(module.partition, partition(8))
    inputs, labels = data["train_inputs"], data["train_labels"]
    plain = F.cross_entropy(module.model(inputs), labels)
    order = module.partition
    expected = explicit_regularizer(module.model, inputs, labels, lr=0.4, micro_batch=5, order=order, form="exact")
    torch.testing.assert_close(losses[0], plain + expected)


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
