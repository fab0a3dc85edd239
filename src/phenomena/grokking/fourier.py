"""The Fourier picture of Nanda et al. 2023 ("Progress measures for grokking via mechanistic
interpretability", ICLR 2023, arXiv:2301.05217): waves of Z_p, an embedding's spectrum, and the
key-frequency components of the logits.

A network that groks modular addition embeds each residue as waves cos(w a), sin(w a) of a
few *key frequencies* w = 2 pi k / p, and reads the answer off cos(w (a + b - c)). The
functions here measure that on one network; :mod:`phenomena.grokking.progress` applies them
along training and :mod:`phenomena.grokking.controls` draws their controls.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from phenomena.grokking.data import all_pairs


def fourier_frequencies(p: int) -> np.ndarray:
    """The distinct non-zero frequencies k = 1 .. (p - 1) / 2 of Z_p (k and p - k are one wave)."""
    return np.arange(1, (p - 1) // 2 + 1)


def frequency_norms(embedding: torch.Tensor) -> np.ndarray:
    """Squared norm of a (p, d) embedding along the waves cos(2 pi k a / p), sin(2 pi k a / p).

    Entry k - 1 is the squared norm at frequency k (cos and sin together), k = 1 .. (p - 1) / 2;
    the constant component (the mean embedding) carries no information and is left out.
    Computed with a real FFT over the residue axis.
    """
    p = embedding.shape[0]
    spectrum = torch.fft.rfft(embedding.detach().double(), dim=0)  # (p // 2 + 1, d)
    power = (spectrum.abs() ** 2).sum(-1) * 2 / p  # |c_k|^2 + |c_{p-k}|^2 over p, for an orthonormal basis
    return power[1 : len(fourier_frequencies(p)) + 1].numpy()


def key_frequencies(norms: np.ndarray, norm_fraction: float, max_count: int) -> list[int]:
    """The fewest frequencies (at most ``max_count``) that carry ``norm_fraction`` of the norm.

    Frequencies are numbered k = 1, 2, ...; returned in order of decreasing norm.
    """
    order = np.argsort(norms)[::-1]
    shares = np.cumsum(norms[order]) / norms.sum()
    count = min(int(np.searchsorted(shares, norm_fraction - 1e-12)) + 1, max_count)
    return [int(k) + 1 for k in order[:count]]


def effective_frequencies(norms: np.ndarray) -> float:
    """exp(entropy) of the norm distribution over frequencies: 1 for a pure wave, (p - 1) / 2 for white noise.

    A scale-free measure of Fourier sparsity: it counts how many frequencies the embedding
    effectively uses.
    """
    shares = norms / norms.sum()
    shares = shares[shares > 0]
    return float(np.exp(-(shares * np.log(shares)).sum()))


def answer_waves(answers: torch.Tensor, p: int, frequencies: list[int]) -> torch.Tensor:
    """Unit-norm waves cos(2 pi k s / p), sin(2 pi k s / p) of the answers ``s``, one column each.

    Over all p^2 pairs each residue occurs p times as the answer of ``add`` or ``sub``, so these
    columns are orthonormal, and orthogonal to the constant.
    """
    angle = 2 * math.pi * answers.double()[:, None] * torch.tensor(frequencies, dtype=torch.float64) / p
    waves = torch.cat([torch.cos(angle), torch.sin(angle)], dim=1)
    return waves / waves.norm(dim=0, keepdim=True)


def key_frequency_logits(logits: torch.Tensor, answers: torch.Tensor, p: int, frequencies: list[int]) -> torch.Tensor:
    """The key-frequency components of the logits, seen as functions of the pair (a, b).

    ``logits`` are (p^2, p) over every pair: for each output class c, the column
    logits[:, c] is projected onto the waves of the answer s(a, b) at ``frequencies``
    (Nanda et al.'s cos(w (a + b)), sin(w (a + b)) directions for addition).
    """
    waves = answer_waves(answers, p, frequencies)  # (p^2, 2 K)
    return waves @ (waves.T @ logits.double())


def restricted_and_excluded_logits(
    logits: torch.Tensor, answers: torch.Tensor, p: int, frequencies: list[int]
) -> tuple[torch.Tensor, torch.Tensor]:
    """(restricted, excluded) logits over all pairs (Nanda et al. 2023, section 5.1).

    Restricted: the mean logits over pairs plus the key-frequency components, nothing else.
    Excluded: the logits less their key-frequency components.
    """
    key = key_frequency_logits(logits, answers, p, frequencies)
    mean = logits.double().mean(0, keepdim=True)
    return mean + key, logits.double() - key


def all_pair_inputs(operation: str, p: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Tokens of every pair in grid order and the answer of each (its label)."""
    inputs, labels = all_pairs(operation, p)
    return torch.from_numpy(inputs), torch.from_numpy(labels)


def embedding_of(model: nn.Module, p: int) -> torch.Tensor:
    """The (p, d) token embedding of the residues (the '=' token left out)."""
    return model.embed.weight[:p]
