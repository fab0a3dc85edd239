"""Grokfast-EMA (Lee et al. 2024, arXiv:2405.20233): amplify the slow part of the gradient.

Before each optimizer step every gradient g is replaced by g + lambda * ema(g), where
ema_t = alpha * ema_{t-1} + (1 - alpha) * g_t starts from the first gradient. Under Adam the
amplified gradient barely changes the step (Adam divides by the gradient's running RMS), so
the fair comparison is AdamW at the same lr and weight decay; the step each optimizer really
takes is recorded in the curves (``update_norm``).
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


class SlowGradientFilter:
    """The EMA gradient filter, applied in place to the ``.grad`` of each parameter."""

    def __init__(self, alpha: float, lamb: float):
        if not 0.0 <= alpha < 1.0:
            raise ValueError(f"alpha must lie in [0, 1), got {alpha}")
        self.alpha, self.lamb = alpha, lamb
        self.averages: list[torch.Tensor] | None = None

    @torch.no_grad()
    def apply(self, parameters: Iterable[torch.nn.Parameter]) -> None:
        with_grad = [p for p in parameters if p.grad is not None]
        if self.averages is None:
            self.averages = [p.grad.detach().clone() for p in with_grad]
        else:
            for average, parameter in zip(self.averages, with_grad):
                average.mul_(self.alpha).add_(parameter.grad, alpha=1.0 - self.alpha)
        for average, parameter in zip(self.averages, with_grad):
            parameter.grad.add_(average, alpha=self.lamb)

    def to(self, device: torch.device) -> None:
        """Move the slow gradients to ``device``: after a resume they are where Lightning loaded the
        checkpoint (the CPU), while the gradients are on the accelerator."""
        if self.averages is not None:
            self.averages = [average.to(device) for average in self.averages]

    def state_dict(self) -> dict:
        return {"averages": self.averages}

    def load_state_dict(self, state: dict) -> None:
        self.averages = state["averages"]
