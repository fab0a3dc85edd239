"""The architecture part: what a permutation of the inputs does to an MLP and to a CNN."""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F

from phenomena.inductive_bias.data import input_permutation, inputs_in_order
from phenomena.inductive_bias.models import ConvNet1d, build_mlp, parameter_count, permute_first_layer


def sgd_steps(model, inputs, labels, steps=20, lr=0.1):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        F.cross_entropy(model(inputs), labels).backward()
        optimizer.step()
    return model


def test_an_mlp_trained_on_permuted_inputs_with_its_first_layer_permuted_is_the_same_network():
    """The MLP has no notion of position: with the first layer's columns permuted to match, training
    on permuted inputs follows the same path and ends with the same predictions (exactly, up to the
    summation order of floating point)."""
    torch.manual_seed(0)
    inputs, labels = torch.randn(64, 40), torch.randint(0, 10, (64,))
    permutation = input_permutation(seed=3)
    original = build_mlp(40, 32, 2)
    permuted = copy.deepcopy(original)
    permute_first_layer(permuted, permutation)
    sgd_steps(original, inputs, labels)
    sgd_steps(permuted, inputs[:, permutation], labels)
    test_inputs = torch.randn(200, 40)
    torch.testing.assert_close(permuted(test_inputs[:, permutation]), original(test_inputs), rtol=1e-4, atol=1e-5)
    assert not torch.allclose(permuted(test_inputs), original(test_inputs))  # the permutation did matter to its inputs


def test_a_cnn_is_not_invariant_to_the_permutation():
    torch.manual_seed(0)
    cnn = ConvNet1d(40, channels=8)
    inputs = torch.randn(16, 40)
    assert not torch.allclose(cnn(inputs), cnn(inputs[:, input_permutation(seed=0)]))


def test_the_two_architectures_have_about_the_same_number_of_parameters(repo):
    from phenomena.common.config import load_config

    part = load_config(repo / "config/config.yaml")["inductive_bias"]["architecture"]
    mlp = parameter_count(build_mlp(40, part["mlp"]["width"], part["mlp"]["hidden_layers"]))
    cnn = parameter_count(ConvNet1d(40, part["cnn"]["channels"]))
    assert 0.8 < cnn / mlp < 1.25, (mlp, cnn)


def test_permuted_order_applies_one_permutation_to_both_splits_and_cuts_the_training_set():
    data = {
        "train_inputs": torch.arange(5 * 40.0).reshape(5, 40),
        "train_labels": torch.arange(5),
        "test_inputs": torch.arange(3 * 40.0).reshape(3, 40),
        "test_labels": torch.arange(3),
        "permutation": input_permutation(seed=1),
    }
    ordered = inputs_in_order(data, "permuted", train_examples=2)
    assert ordered["train_inputs"].shape == (2, 40)
    torch.testing.assert_close(ordered["train_inputs"][1], data["train_inputs"][1][data["permutation"]])
    torch.testing.assert_close(ordered["test_inputs"], data["test_inputs"][:, data["permutation"]])
    torch.testing.assert_close(inputs_in_order(data, "original")["test_inputs"], data["test_inputs"])
