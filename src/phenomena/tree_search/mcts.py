"""Batched PUCT Monte Carlo tree search: one tree per game, all trees advanced together.

Every tree lives in preallocated tensors with room for ``simulations + 1`` nodes; edge
statistics (prior, visits, value sum) sit at the parent, indexed (game, node, action).
One simulation step descends all trees at once (a few tensor ops per depth level),
expands one leaf per tree, evaluates all new leaves in one batch, and backs the values up
with one scatter-add. An evaluator maps a batch of states to (prior logits, value for the
player to move): the network, or the pure-MCTS baseline's uniform prior and random rollout.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import torch

from phenomena.tree_search.evaluators import (  # noqa: F401 (re-exported: the search's evaluators)
    Evaluator,
    evaluation_device,
    masked_softmax,
    network_evaluator,
    random_playout,
    rollout_evaluator,
)
from phenomena.tree_search.game import ConnectFour, State


class SearchResult:
    """Root statistics of a finished search."""

    def __init__(self, visits: torch.Tensor, prior: torch.Tensor, q: torch.Tensor, root_value: torch.Tensor):
        self.visits, self.prior, self.q, self.root_value = visits, prior, q, root_value

    def policy(self) -> torch.Tensor:
        """Visit distribution at the root: the self-play policy target."""
        return self.visits / self.visits.sum(-1, keepdim=True).clamp_min(1)

    def best_action(self) -> torch.Tensor:
        """Most visited move; ties go to the higher prior."""
        return (self.visits + 1e-3 * self.prior).argmax(-1)


class Forest:
    """One preallocated tree per game, all stored in the same tensors.

    Node ``i`` of game ``g`` is row ``g * size + i``; a tree's nodes are numbered in the order
    they were created, its root 0. Edge statistics sit at the parent, per action.
    """

    def __init__(self, batch: int, size: int, actions: int):
        rows = batch * size
        self.games = torch.arange(batch)
        self.base = self.games * size  # row of each root
        self.children = torch.full((rows, actions), -1, dtype=torch.int64)  # node number of the child; -1: none
        # Edge statistics side by side, so that one gather per tree level reads them all:
        # visits, value sum (for the player choosing the edge), prior, and 0 / -inf for legal / illegal.
        self.stats = torch.zeros(rows, 4, actions)
        self.visits, self.value_sum, self.prior, self.illegal = self.stats.unbind(1)
        self.flat_stats = self.stats.view(-1)
        self.position = torch.zeros(rows, dtype=torch.int64)
        self.mask = torch.zeros(rows, dtype=torch.int64)
        self.moves = torch.zeros(rows, dtype=torch.int64)
        self.terminal_value = torch.full((rows,), float("nan"))  # value for the player to move; nan: not terminal
        self.node_value = torch.zeros(rows)  # evaluator's (or terminal) value for the player to move
        self.next_free = torch.ones(batch, dtype=torch.int64)  # node number the next child of each tree gets

    def state(self, rows: torch.Tensor) -> State:
        return State(self.position[rows], self.mask[rows], self.moves[rows])

    def store(self, rows: torch.Tensor, state: State) -> None:
        self.position[rows], self.mask[rows], self.moves[rows] = state.position, state.mask, state.moves


class Path(NamedTuple):
    """The edges of one descent, level by level: (depth, batch) each."""

    nodes: torch.Tensor  # row of the node the edge leaves
    actions: torch.Tensor
    live: torch.Tensor  # whether the game's descent reached this level


@torch.inference_mode()
def search(
    game: ConnectFour,
    evaluate: Evaluator,
    roots: State,
    simulations: int,
    c_puct: float = 1.5,
    dirichlet_alpha: float | None = None,
    dirichlet_fraction: float = 0.25,
) -> SearchResult:
    """Run ``simulations`` PUCT simulations from each root (roots must not be terminal).

    With ``dirichlet_alpha`` the root priors are mixed with Dirichlet noise (self-play).
    """
    forest = Forest(len(roots), simulations + 1, game.actions)
    root_value = plant_roots(forest, game, evaluate, roots, dirichlet_alpha, dirichlet_fraction)
    for _ in range(simulations):
        path = select(forest, lambda node, n, w, p: puct_scores(n, w, p, c_puct))
        leaf_value = expand(forest, game, evaluate, path.nodes[-1], path.actions[-1])
        backup(forest, path, leaf_value)
    base = forest.base
    root_visits = forest.visits[base]
    q = torch.where(root_visits > 0, forest.value_sum[base] / root_visits.clamp_min(1), 0.0)
    return SearchResult(root_visits, forest.prior[base], q, root_value)


def plant_roots(
    forest: Forest,
    game: ConnectFour,
    evaluate: Evaluator,
    roots: State,
    dirichlet_alpha: float | None,
    dirichlet_fraction: float,
) -> torch.Tensor:
    """Store the roots and their priors, mixed with Dirichlet noise when ``dirichlet_alpha`` is
    given; returns the evaluator's value of each root."""
    base = forest.base
    forest.store(base, roots)
    root_legal = game.legal(roots)
    forest.illegal[base] = torch.where(root_legal, 0.0, float("-inf"))
    logits, root_value = evaluate(roots)
    root_prior = masked_softmax(logits, root_legal)
    if dirichlet_alpha is not None:
        gamma = torch.distributions.Gamma(torch.tensor(dirichlet_alpha), torch.tensor(1.0))
        noise = gamma.sample((len(roots), game.actions)) * root_legal
        noise = noise / noise.sum(-1, keepdim=True)
        root_prior = (1 - dirichlet_fraction) * root_prior + dirichlet_fraction * noise
    forest.prior[base] = root_prior
    forest.node_value[base] = root_value
    return root_value


def puct_scores(n: torch.Tensor, w: torch.Tensor, p: torch.Tensor, c_puct: float) -> torch.Tensor:
    """AlphaZero's PUCT score of each edge; unvisited edges count q = 0."""
    total = n.sum(-1, keepdim=True).clamp_min(1)
    q = w / n.clamp_min(1)  # value sums of unvisited edges are 0: q = 0 there
    return q + c_puct * p * total.sqrt() / (1 + n)


Scores = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
"""(node rows, visits, value sums, priors) -> a score per edge; the descent takes the argmax."""


def select(forest: Forest, scores: Scores, root_actions: torch.Tensor | None = None) -> Path:
    """Descend every tree by ``scores`` until an edge without a child or with a terminal child.

    With ``root_actions`` the first edge of each tree is given (Gumbel search's sequential halving).
    """
    base, stats, children, terminal_value = forest.base, forest.stats, forest.children, forest.terminal_value
    node = base.clone()
    path_nodes, path_actions, path_live = [], [], []
    live = torch.ones(len(base), dtype=torch.bool)
    while True:
        n, w, p, penalty = stats[node].unbind(1)
        if root_actions is not None and not path_nodes:
            action = root_actions
        else:
            action = (scores(node, n, w, p) + penalty).argmax(-1)
            # a finished descent keeps its last edge (a score need not pick the same edge twice)
            if path_actions:
                action = torch.where(live, action, path_actions[-1])
        path_nodes.append(node)
        path_actions.append(action)
        path_live.append(live)
        child = children[node, action]
        descend = live & (child >= 0)
        descend &= torch.isnan(terminal_value[base + child.clamp_min(0)])
        if not bool(descend.any()):
            return Path(torch.stack(path_nodes), torch.stack(path_actions), torch.stack(path_live))
        node = torch.where(descend, base + child, node)
        live = descend


def expand(
    forest: Forest, game: ConnectFour, evaluate: Evaluator, node: torch.Tensor, action: torch.Tensor
) -> torch.Tensor:
    """One new node per tree whose selected edge has no child yet; returns the value of each
    tree's leaf (new, or a terminal node reached again) for the player to move there."""
    child = forest.children[node, action]
    leaf_value = torch.zeros(len(node))
    existing = child >= 0  # a terminal node reached again
    leaf_value[existing] = forest.terminal_value[forest.base[existing] + child[existing]]
    new = ~existing
    if bool(new.any()):
        leaf_value[new] = add_children(forest, game, evaluate, node[new], action[new], forest.games[new])
    return leaf_value


def add_children(
    forest: Forest,
    game: ConnectFour,
    evaluate: Evaluator,
    parents: torch.Tensor,
    actions: torch.Tensor,
    owners: torch.Tensor,
) -> torch.Tensor:
    """The child of each (parent, action) edge, added to its owner's tree; the open ones are
    evaluated in one batch. Returns each child's value for the player to move there."""
    child_state, won, over = game.step(forest.state(parents), actions, check=False)
    ids = forest.next_free[owners]
    forest.next_free[owners] += 1
    slots = forest.base[owners] + ids
    forest.children[parents, actions] = ids
    forest.store(slots, child_state)
    values = torch.where(won, -1.0, 0.0)  # the player to move at the child just lost, or drew
    forest.terminal_value[slots] = torch.where(over, values, float("nan"))
    forest.node_value[slots] = values
    open_leaves = ~over
    if bool(open_leaves.any()):
        open_slots, open_states = slots[open_leaves], child_state[open_leaves]
        legal = game.legal(open_states)
        logits, value = evaluate(open_states)
        forest.prior[open_slots] = masked_softmax(logits, legal)
        forest.illegal[open_slots] = torch.where(legal, 0.0, float("-inf"))
        forest.node_value[open_slots] = value
        values[open_leaves] = value
    return values


def backup(forest: Forest, path: Path, leaf_value: torch.Tensor) -> None:
    """A visit and the leaf's value for every edge on each tree's path, with one scatter-add: the
    edge into the leaf gets -v (its chooser is the leaf's opponent), and the sign alternates upwards."""
    actions = forest.children.shape[1]
    length = path.live.sum(0)  # edges on each game's path
    levels = torch.arange(len(path.live)).unsqueeze(1)
    sign = torch.where((length - levels) % 2 == 1, -1.0, 1.0)
    visit_index = (path.nodes * (4 * actions) + path.actions)[path.live]  # row 0 of each node's stats: visits
    forest.flat_stats.index_put_(
        (torch.cat([visit_index, visit_index + actions]),),  # row 1: value sums
        torch.cat([torch.ones(len(visit_index)), (sign * leaf_value)[path.live]]),
        accumulate=True,
    )
