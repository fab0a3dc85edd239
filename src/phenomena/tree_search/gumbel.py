"""Gumbel AlphaZero search (Danihelka et al. 2022, "Policy improvement by planning with Gumbel"),
on the same batched tree tensors as the PUCT search of :mod:`phenomena.tree_search.mcts`.

At the root: sample k actions without replacement by the Gumbel-top-k trick on the prior's
logits, then spend the simulation budget by sequential halving among them (each phase gives
the surviving actions equal visits and keeps the better half by g + logits + sigma(q)); the
move played is the best survivor. Below the root the descent is deterministic: the action
whose visit share falls furthest below the improved policy softmax(logits + sigma(completed
Q)). Completed Q fills unvisited actions with a mix of the node's value estimate and the
prior-weighted Q of the visited ones. The improved policy is the self-play target.

Values are in [-1, 1] here; sigma rescales them to [0, 1] (the paper's normalised Q).
"""

from __future__ import annotations

import math

import torch

from phenomena.tree_search.game import ConnectFour, State
from phenomena.tree_search.mcts import Evaluator, Forest, SearchResult, backup, expand, plant_roots, select


def halving_schedule(considered: int, simulations: int) -> list[int]:
    """Sequential halving as a list, one entry per simulation: the visit count the root action
    of that simulation has before it (the search visits the best action with that count).

    Phases run while budget remains: ``ceil(log2(considered))`` phases split the budget; in each
    the ``m`` surviving actions get equal extra visits (at least one), then ``m`` halves (to no
    fewer than 2). With one action considered, it takes every simulation.
    """
    if considered <= 1:
        return list(range(simulations))
    phases = math.ceil(math.log2(considered))
    visits = [0] * considered
    schedule: list[int] = []
    survivors = considered
    while len(schedule) < simulations:
        rounds = max(1, simulations // (phases * survivors))
        for _ in range(rounds):
            schedule += visits[:survivors]
            visits[:survivors] = [v + 1 for v in visits[:survivors]]
        survivors = max(2, survivors // 2)
    return schedule[:simulations]


def completed_q(n: torch.Tensor, w: torch.Tensor, p: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """Q of each edge; unvisited edges get v_mix, the node's value estimate ``value`` mixed with
    the prior-weighted mean Q of its visited edges (weights 1 and the total visits)."""
    visited = n > 0
    q = w / n.clamp_min(1)
    total = n.sum(-1)
    visited_prior = (p * visited).sum(-1)
    weighted_q = torch.where(visited_prior > 0, (p * q * visited).sum(-1) / visited_prior.clamp_min(1e-12), 0.0)
    v_mix = (value + total * weighted_q) / (1 + total)
    return torch.where(visited, q, v_mix.unsqueeze(-1))


def sigma(q: torch.Tensor, n: torch.Tensor, c_visit: float, c_scale: float) -> torch.Tensor:
    """The paper's monotone transform of Q, with Q rescaled from [-1, 1] to [0, 1]."""
    return (c_visit + n.max(-1, keepdim=True).values) * c_scale * (q + 1) / 2


def log_prior(p: torch.Tensor) -> torch.Tensor:
    return torch.log(p.clamp_min(1e-30))


class GumbelResult(SearchResult):
    """Root statistics plus the action the search chose and the improved policy."""

    def __init__(self, visits, prior, q, root_value, chosen: torch.Tensor, improved_policy: torch.Tensor):
        super().__init__(visits, prior, q, root_value)
        self.chosen, self.improved_policy = chosen, improved_policy

    def policy(self) -> torch.Tensor:
        """softmax(logits + sigma(completed Q)): the self-play policy target."""
        return self.improved_policy

    def best_action(self) -> torch.Tensor:
        """The sequential-halving winner (itself a sample when the Gumbel noise is on)."""
        return self.chosen


@torch.inference_mode()
def gumbel_search(
    game: ConnectFour,
    evaluate: Evaluator,
    roots: State,
    simulations: int,
    max_considered: int = 16,
    gumbel_scale: float = 1.0,
    c_visit: float = 50.0,
    c_scale: float = 1.0,
) -> GumbelResult:
    """Run ``simulations`` simulations of Gumbel search from each root (roots must not be terminal).

    ``gumbel_scale`` 0 makes the search deterministic (top-k of the prior): evaluation play;
    1 samples actions as the paper's self-play does.
    """
    batch = len(roots)
    forest = Forest(batch, simulations + 1, game.actions)
    root_value = plant_roots(forest, game, evaluate, roots, None, 0.0)
    base = forest.base
    legal = game.legal(roots)
    gumbel = -torch.log(-torch.log(torch.rand(batch, game.actions).clamp(1e-20, 1 - 1e-7))) * gumbel_scale
    noisy_logits = torch.where(legal, gumbel + log_prior(forest.prior[base]), float("-inf"))
    considered_count = legal.sum(-1).clamp_max(min(max_considered, simulations))
    ranks = noisy_logits.argsort(-1, descending=True).argsort(-1)
    considered = ranks < considered_count.unsqueeze(-1)
    schedules = torch.tensor(
        [halving_schedule(k, simulations) for k in range(game.actions + 1)], dtype=torch.float32
    ).view(game.actions + 1, simulations)
    targets = schedules[considered_count]  # (batch, simulations)

    def root_scores() -> torch.Tensor:
        n, w, p = forest.visits[base], forest.value_sum[base], forest.prior[base]
        return noisy_logits + sigma(completed_q(n, w, p, forest.node_value[base]), n, c_visit, c_scale)

    def interior_scores(node, n, w, p) -> torch.Tensor:
        improved = torch.softmax(
            log_prior(p) + sigma(completed_q(n, w, p, forest.node_value[node]), n, c_visit, c_scale), -1
        )
        return improved - n / (1 + n.sum(-1, keepdim=True))

    for simulation in range(simulations):
        due = considered & (forest.visits[base] == targets[:, simulation : simulation + 1])
        due = torch.where(due.any(-1, keepdim=True), due, considered)  # a guard; the schedule always has one
        root_actions = root_scores().masked_fill(~due, float("-inf")).argmax(-1)
        path = select(forest, interior_scores, root_actions)
        leaf_value = expand(forest, game, evaluate, path.nodes[-1], path.actions[-1])
        backup(forest, path, leaf_value)

    n, w, p = forest.visits[base], forest.value_sum[base], forest.prior[base]
    most_visited = considered & (n == n.masked_fill(~considered, -1).max(-1, keepdim=True).values)
    chosen = root_scores().masked_fill(~most_visited, float("-inf")).argmax(-1)
    q_completed = completed_q(n, w, p, root_value)
    improved = torch.softmax(
        torch.where(legal, log_prior(p) + sigma(q_completed, n, c_visit, c_scale), float("-inf")), -1
    )
    q = torch.where(n > 0, w / n.clamp_min(1), 0.0)
    return GumbelResult(n, p, q, root_value, chosen, improved)
