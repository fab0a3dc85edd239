"""Calibration of the LLC estimator (:mod:`phenomena.common.llc`) on reduced-rank regression.

Reduced-rank regression y = B A x + noise (A: H x M, B: N x H, no biases) is the simplest
singular model whose learning coefficient is known in closed form (Aoyagi & Watanabe 2005,
"Stochastic complexities of reduced rank regression in Bayesian estimation", Neural Networks
18): it depends on the shape (M inputs, N outputs, H hidden) and on the rank r of the true
matrix, and falls well below d / 2 when r < H. Each case is sampled at a sample size n with
Gaussian noise of unit variance, the model is put at the minimum of its empirical loss near
the truth, and the estimate is compared with the closed form: how far a sampler setting can
be trusted on a network, and whether it sees degeneracy at all.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd
import torch
from torch import nn

from phenomena.common.llc import SamplerSettings, estimate_member_llcs


def learning_coefficient(inputs: int, outputs: int, hidden: int, rank: int) -> float:
    """The learning coefficient (RLCT) of reduced-rank regression y = B A x, A: H x M, B: N x H,
    at a true matrix of rank r <= H (Aoyagi & Watanabe 2005, Main Theorem)."""
    m, n, h, r = inputs, outputs, hidden, rank
    if not 0 <= r <= min(h, m, n):
        raise ValueError(f"the true rank {r} must lie in [0, min(H, M, N)] = [0, {min(h, m, n)}]")
    if m + h < n + r:
        return (h * m - h * r + n * r) / 2
    if n + h < m + r:
        return (h * n - h * r + m * r) / 2
    if m + n < h + r:
        return m * n / 2
    s = 2 * (h + r) * (m + n) - (m - n) ** 2 - (h + r) ** 2
    return s / 8 if (m + h + n + r) % 2 == 0 else (s + 1) / 8


@dataclass(frozen=True)
class Case:
    """One reduced-rank regression: M inputs, N outputs, H hidden units, true rank r."""

    name: str
    inputs: int
    outputs: int
    hidden: int
    rank: int

    @classmethod
    def of(cls, inputs: int, outputs: int, hidden: int, rank: int) -> Case:
        return cls(f"m{inputs}_n{outputs}_h{hidden}_r{rank}", inputs, outputs, hidden, rank)

    @property
    def parameters(self) -> int:
        return self.hidden * (self.inputs + self.outputs)

    @property
    def truth(self) -> float:
        return learning_coefficient(self.inputs, self.outputs, self.hidden, self.rank)

    @property
    def singular(self) -> bool:
        """Rank-deficient (r < H): degenerate beyond the GL(H) symmetry every factorization has.

        Even at full rank r = H <= min(M, N) the coefficient (H (M + N) - H^2) / 2 is below
        d / 2 (the H^2 directions of A -> G A, B -> B G^-1 are flat); that case is the
        "regular" one here, the model being regular once that symmetry is taken out.
        """
        return self.rank < self.hidden and self.truth < 0.9 * self.parameters / 2


DEFAULT_CASES = (
    Case.of(3, 3, 3, 3),  # full rank: regular up to the GL(3) symmetry, truth 4.5, d/2 9
    Case.of(4, 4, 2, 2),  # full rank: truth 6, d/2 8
    Case.of(4, 4, 2, 0),  # rank 0: truth 3.5, d/2 8 (the slowest to mix)
    Case.of(6, 4, 3, 1),  # rank 1: truth 7.5, d/2 15
    Case.of(5, 5, 5, 1),  # rank 1: truth 10.5, d/2 25
    Case.of(8, 8, 4, 0),  # rank 0: truth 14, d/2 32
)

# Sampler settings and their sample size n, as calibrated (the numbers: the range of the relative
# error of the mean estimate over 4 replicates, on DEFAULT_CASES).
#
# devinterp evaluates L_n(w*) on ceil(n / batch) batches of a loader that drops the last partial
# batch, so unless batch divides n one batch counts twice: an error of about
# n beta * std(loss) / (sqrt(batch) * n / batch) in every estimate (+-2.5 at n = 4000, batch 256,
# n beta = 482). The sampled losses are minibatch losses on the same batches in the same order;
# they cancel that noise exactly when the draws cover whole epochs. So: batch divides n, and the
# draws are a multiple of n / batch.
REFERENCE_SAMPLERS: dict[str, tuple[SamplerSettings, int]] = {
    # grokking's config.yaml until 2026-12-07: gamma 100 confines the flat directions, lr n beta =
    # 0.35 inflates the stiff ones; 2823 is not a multiple of 256. -52% .. +68%, spread over
    # replicates 0.7-3.9 (-63% .. +85% on the six cases of config.yaml).
    "grokking_earlier": (
        SamplerSettings(lr=1e-3, localization=100.0, chains=2, draws=100, burn_in=25, batch_size=256),
        2823,
    ),
    # grokking's config.yaml now: the double-descent recipe with a batch that divides n = 2823
    # (3 x 941). Worst of the six cases +12% and +14% at sampler seeds 0 and 1; at batch 1000
    # (L_n(w*) with one batch twice) the same lr gave -18% to -20%, at 2 x (47 + 153) steps -18%, -26%.
    "grokking_default": (
        SamplerSettings(lr=1e-4, localization=1.0, chains=2, draws=303, burn_in=97, batch_size=941, nbeta=700.0),
        2823,
    ),
    # grokking's paper.yaml: gamma 1000 > n beta = 464 pins the chain to w*. -90% .. -50%.
    "grokking_paper": (
        SamplerSettings(lr=3e-5, localization=1000.0, chains=4, draws=200, burn_in=100, batch_size=512),
        3830,
    ),
    # double descent (n = 4000, minibatches, 400 steps a chain): n beta = 100 instead of
    # n / log n = 482, so that lr can mix the singular directions within 400 steps while
    # lr n beta = 0.1 (discretization) and lr n beta^2 / batch (minibatch noise) stay small. -15% .. +15%.
    # Batch 250 divides 4000; at batch 256 (draws 300) -27% .. +19%, -11% .. +13% were L_n(w*)
    # taken on n // batch batches.
    "double_descent": (
        SamplerSettings(lr=1e-3, localization=1.0, chains=2, draws=304, burn_in=96, batch_size=250, nbeta=100.0),
        4000,
    ),
    # toy model of superposition (1000 steps a chain): n beta = n / log n, lr = 0.05 / n beta
    # (1.9e-4 at n = 2000), gamma 3. -4% .. +10% full batch, -2% .. +10% in batches of 500;
    # the same recipe: within 6% at n = 1000 (full batch), 12% at n = 5000 (batch 500).
    "toy_model": (
        SamplerSettings(lr=1.9e-4, localization=3.0, chains=2, draws=500, burn_in=500, batch_size=500),
        2000,
    ),
}


@dataclass
class Problem:
    """A case sampled at n: its data, the model at the empirical minimum, the per-example loss."""

    case: Case
    inputs: torch.Tensor  # (n, M)
    targets: torch.Tensor  # (n, N)
    model: nn.Sequential

    def loss_of_examples(self, network: nn.Module, indices: torch.Tensor) -> torch.Tensor:
        """Negative log-likelihood of each example (unit Gaussian noise, up to a constant)."""
        return 0.5 * ((network(self.inputs[indices]) - self.targets[indices]) ** 2).sum(1)

    def empirical_loss(self, network: nn.Module | None = None) -> float:
        with torch.no_grad():
            return float(self.loss_of_examples(network or self.model, torch.arange(len(self.inputs))).mean())


def data_seed(case: Case, seed: int) -> int:
    return zlib.crc32(case.name.encode()) + 1_000_003 * seed


def true_factors(case: Case, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """A0 (H x M), B0 (N x H) whose product has rank r, singular values in [1, 2] and orthonormal
    singular vectors, split evenly between the factors (curvature of order 1)."""
    m, n, h, r = case.inputs, case.outputs, case.hidden, case.rank
    u, _ = torch.linalg.qr(torch.randn(n, n, generator=generator, dtype=torch.float64))
    v, _ = torch.linalg.qr(torch.randn(m, m, generator=generator, dtype=torch.float64))
    values = 1 + torch.rand(r, generator=generator, dtype=torch.float64)
    a0 = torch.zeros(h, m, dtype=torch.float64)
    b0 = torch.zeros(n, h, dtype=torch.float64)
    a0[:r] = values.sqrt()[:, None] * v[:, :r].T
    b0[:, :r] = u[:, :r] * values.sqrt()
    return a0, b0


def empirical_minimum(case: Case, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The global minimum of the empirical loss over products of rank <= H (reduced-rank least
    squares: the least-squares fit projected on the top H directions of its fitted outputs),
    factored evenly (A = S^1/2 V^T, B = U S^1/2). It lies within O(n^-1/2) of the truth."""
    h = case.hidden
    ols = torch.linalg.lstsq(x, y).solution  # (M, N): y ~ x @ ols
    _, _, vh = torch.linalg.svd(x @ ols, full_matrices=False)
    directions = vh[:h].T  # (N, <=H): top output directions
    product = (ols @ directions @ directions.T).T  # (N, M), rank <= H
    u, s, vh = torch.linalg.svd(product, full_matrices=False)
    k = min(h, len(s))
    a = torch.zeros(h, case.inputs, dtype=x.dtype)
    b = torch.zeros(case.outputs, h, dtype=x.dtype)
    a[:k] = s[:k].sqrt()[:, None] * vh[:k]
    b[:, :k] = u[:, :k] * s[:k].sqrt()
    return a, b


def polish(problem: Problem, lr: float = 0.1, tolerance: float = 1e-6, max_steps: int = 5000) -> float:
    """Full-batch gradient descent until the gradient norm is below ``tolerance``; returns it."""
    model, everything = problem.model, torch.arange(len(problem.inputs))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(max_steps):
        optimizer.zero_grad()
        problem.loss_of_examples(model, everything).mean().backward()
        norm = float(torch.sqrt(sum((p.grad**2).sum() for p in model.parameters())))
        if norm < tolerance:
            break
        optimizer.step()
    return norm


def make_problem(case: Case, n: int, seed: int = 0, start: str = "minimum") -> Problem:
    """Case ``case`` sampled at ``n`` (data seed ``seed``): x ~ N(0, I_M), y = B0 A0 x + N(0, I_N),
    the model at a minimum of the empirical loss near the truth.

    ``start``: "minimum" (default) starts gradient descent at the reduced-rank least-squares
    fit, the minimum; "truth" starts it at (A0, B0), which for r < H stays at a critical point
    of the empirical loss that is a saddle (the unused hidden units get no gradient).
    """
    generator = torch.Generator().manual_seed(data_seed(case, seed))
    a0, b0 = true_factors(case, generator)
    x = torch.randn(n, case.inputs, generator=generator, dtype=torch.float64)
    y = x @ (b0 @ a0).T + torch.randn(n, case.outputs, generator=generator, dtype=torch.float64)
    a, b = empirical_minimum(case, x, y) if start == "minimum" else (a0, b0)
    model = nn.Sequential(
        nn.Linear(case.inputs, case.hidden, bias=False), nn.Linear(case.hidden, case.outputs, bias=False)
    )
    with torch.no_grad():
        model[0].weight.copy_(a.float())
        model[1].weight.copy_(b.float())
    problem = Problem(case, x.float(), y.float(), model)
    polish(problem)
    return problem


class StackedRegressions(nn.Module):
    """K reduced-rank regressions of one shape side by side (``torch.bmm``), each on its own data:
    the stack :func:`phenomena.common.llc.estimate_member_llcs` takes."""

    def __init__(self, problems: list[Problem]):
        super().__init__()
        shapes = {(p.case.inputs, p.case.outputs, p.case.hidden) for p in problems}
        if len(shapes) != 1:
            raise ValueError(f"the members of a stack must have one shape, not {sorted(shapes)}")
        self.a = nn.Parameter(torch.stack([p.model[0].weight.detach().clone() for p in problems]))  # (K, H, M)
        self.b = nn.Parameter(torch.stack([p.model[1].weight.detach().clone() for p in problems]))  # (K, N, H)
        self.register_buffer("inputs", torch.stack([p.inputs for p in problems]))  # (K, n, M)
        self.register_buffer("targets", torch.stack([p.targets for p in problems]))  # (K, n, N)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(K, batch, M) -> (K, batch, N)."""
        return torch.bmm(torch.bmm(x, self.a.transpose(1, 2)), self.b.transpose(1, 2))

    @staticmethod
    def loss_of_members(stack: StackedRegressions, indices: torch.Tensor) -> torch.Tensor:
        """Each member's negative log-likelihood on its own examples ``indices``: (batch, K)."""
        residual = stack(stack.inputs[:, indices]) - stack.targets[:, indices]
        return 0.5 * (residual**2).sum(-1).T


def calibrate(
    cases: Iterable[Case],
    samplers: dict[str, tuple[SamplerSettings, int]],
    replicates: int,
    progress: Callable[[str], object] = print,
    start: str = "minimum",
) -> pd.DataFrame:
    """One LLC estimate per sampler (settings, sample size n) x case x replicate (a data set of its
    own), against the closed form: one row each. The replicates of a case share one SGLD run as a
    stack (:class:`StackedRegressions`): each moves on its own data with its own noise."""
    rows = []
    cases = list(cases)
    for sampler_name, (settings, n) in samplers.items():
        for case in cases:
            problems = [make_problem(case, n, seed=replicate, start=start) for replicate in range(replicates)]
            started = time.perf_counter()
            stack = StackedRegressions(problems)
            estimates = estimate_member_llcs(stack, StackedRegressions.loss_of_members, n, replicates, settings)
            seconds = (time.perf_counter() - started) / replicates
            for replicate, estimate in enumerate(estimates):
                rows.append(calibration_row(sampler_name, n, case, replicate, estimate))
            values = ", ".join(f"{estimate['llc']:.2f}" for estimate in estimates)
            mean = sum(estimate["llc"] for estimate in estimates) / replicates
            progress(
                f"{sampler_name} n={n} {case.name}: LLC {values} (mean {mean:.2f}; truth {case.truth:g},"
                f" d/2 {case.parameters / 2:g}, {mean / case.truth - 1:+.0%}) {seconds:.2f} s per estimate"
            )
    return pd.DataFrame(rows)


def calibration_row(sampler: str, n: int, case: Case, replicate: int, estimate: dict) -> dict:
    """One estimate of the calibration table (no timing: a rebuilt table must be the same bytes;
    the log gives the seconds per estimate)."""
    return {
        "sampler": sampler,
        "n": n,
        "case": case.name,
        "inputs": case.inputs,
        "outputs": case.outputs,
        "hidden": case.hidden,
        "rank": case.rank,
        "parameters": case.parameters,
        "half_dimension": case.parameters / 2,
        "truth": case.truth,
        "singular": case.singular,
        "replicate": replicate,
        "llc": estimate["llc"],
        "llc_std": estimate["llc_std"],
        "relative_error": estimate["llc"] / case.truth - 1,
    }


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean estimate over replicates per sampler x case and its relative error."""
    grouped = table.groupby(["sampler", "case"], sort=False)
    out = grouped.agg(
        n=("n", "first"),
        truth=("truth", "first"),
        half_dimension=("half_dimension", "first"),
        singular=("singular", "first"),
        llc=("llc", "mean"),
        llc_spread=("llc", "std"),
    ).reset_index()
    out["relative_error"] = out["llc"] / out["truth"] - 1
    return out
