import pytest
import torch

from phenomena.grokking.models import Transformer, build_model, weight_norm

P = 13
TOKENS = torch.tensor([[1, 2, P], [12, 0, P], [5, 5, P]])


@pytest.mark.parametrize(
    ("name", "sizes"),
    [("mlp", {"d_embed": 8, "d_hidden": 16}), ("transformer", {"d_model": 16, "n_heads": 4, "d_mlp": 32})],
)
def test_logits_over_residues(name, sizes):
    model = build_model(name, sizes, P)
    logits = model(TOKENS)
    assert logits.shape == (3, P)
    logits.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_transformer_last_position_equals_full_causal_attention():
    torch.manual_seed(0)
    model = Transformer(P + 1, P, d_model=16, n_heads=4, d_mlp=32)
    residual = model.embed(TOKENS) + model.pos_embed
    heads = lambda layer: layer(residual).view(3, 3, 4, 4).transpose(1, 2)  # noqa: E731
    q, k, v = heads(model.query), heads(model.key), heads(model.value)
    scores = q @ k.transpose(-1, -2) / 2.0 + torch.triu(torch.full((3, 3), float("-inf")), 1)
    mixed = (torch.softmax(scores, -1) @ v).transpose(1, 2).reshape(3, 3, 16)
    residual = residual + model.out(mixed)
    residual = residual + model.mlp(residual)
    torch.testing.assert_close(model(TOKENS), model.unembed(residual)[:, -1])


def test_unknown_model_and_weight_norm():
    with pytest.raises(ValueError, match="allowed: mlp, transformer"):
        build_model("rnn", {}, P)
    model = torch.nn.Linear(2, 1, bias=False)
    torch.nn.init.constant_(model.weight, 3.0)
    assert weight_norm(model) == pytest.approx(18**0.5)
