"""The grokking embed-MLP's hidden layer two ways: on the concatenated embeddings of every
example, and as a sum of per-residue projections (``EmbedMLP.forward``), side by side.

    python bench/embed_mlp_forward.py --steps 200 --repeats 5

One full-batch training step (forward, cross-entropy, backward) of the default run's model
(d_embed 64, d_hidden 256, p = 97, train fraction 0.3: 2,823 examples) on one torch thread,
alternating A/B so machine load hits both; prints ms/step (median over repeats) and the ratio,
and the largest difference of the logits and of the gradients between the two.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from phenomena.grokking.data import make_dataset
from phenomena.grokking.models import EmbedMLP


def concatenated_forward(model: EmbedMLP, tokens: torch.Tensor) -> torch.Tensor:
    """The textbook computation: embed a and b, concatenate, the hidden layer on every example."""
    operands = model.embed(tokens[:, :2]).flatten(1)
    return model.unembed(torch.relu(model.hidden(operands)))


def projected_forward(model: EmbedMLP, tokens: torch.Tensor) -> torch.Tensor:
    return model(tokens)


def step(model: EmbedMLP, forward, tokens: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    model.zero_grad(set_to_none=True)
    logits = forward(model, tokens)
    F.cross_entropy(logits, labels).backward()
    return logits


def ms_per_step(model, forward, tokens, labels, steps: int) -> float:
    started = time.perf_counter()
    for _ in range(steps):
        step(model, forward, tokens, labels)
    return (time.perf_counter() - started) / steps * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    arguments = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    data = make_dataset("add", 97, 0.3, seed=0)
    tokens, labels = data.train_inputs, data.train_labels
    model = EmbedMLP(vocab_size=98, n_classes=97, d_embed=64, d_hidden=256)

    reference = step(model, concatenated_forward, tokens, labels).detach()
    reference_grads = [p.grad.clone() for p in model.parameters()]
    projected = step(model, projected_forward, tokens, labels).detach()
    logit_gap = float((reference - projected).abs().max())
    grad_gap = max(float((g - p.grad).abs().max()) for g, p in zip(reference_grads, model.parameters()))

    times: dict[str, list[float]] = {"concatenated": [], "projected": []}
    for _ in range(arguments.repeats):
        times["concatenated"].append(ms_per_step(model, concatenated_forward, tokens, labels, arguments.steps))
        times["projected"].append(ms_per_step(model, projected_forward, tokens, labels, arguments.steps))
    base = statistics.median(times["concatenated"])
    print(f"{len(tokens)} examples, {arguments.steps} steps x {arguments.repeats} repeats, 1 thread")
    print("| hidden layer | ms/step | ratio to concatenated |\n|---|---|---|")
    for name, values in times.items():
        print(f"| {name} | {statistics.median(values):.2f} | {statistics.median(values) / base:.3f} |")
    print(f"largest difference: logits {logit_gap:.1e}, gradients {grad_gap:.1e}")


if __name__ == "__main__":
    main()
