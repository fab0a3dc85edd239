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

import torch

from phenomena.tree_search.game import ConnectFour, State

Evaluator = Callable[[State], tuple[torch.Tensor, torch.Tensor]]


def network_evaluator(game: ConnectFour, net: torch.nn.Module) -> Evaluator:
    """Evaluate states with a policy-value network (no gradients)."""

    @torch.no_grad()
    def evaluate(state: State) -> tuple[torch.Tensor, torch.Tensor]:
        return net(game.observation(state))

    return evaluate


def rollout_evaluator(game: ConnectFour, rollouts: bool = True) -> Evaluator:
    """Pure MCTS: uniform prior; value from one uniformly random playout (or 0 without rollouts)."""

    def evaluate(state: State) -> tuple[torch.Tensor, torch.Tensor]:
        logits = torch.zeros(len(state), game.actions)
        if not rollouts:
            return logits, torch.zeros(len(state))
        return logits, random_playout(game, state)

    return evaluate


def random_playout(game: ConnectFour, state: State) -> torch.Tensor:
    """Outcome (+1/0/-1, for the player to move in ``state``) of a random game from each state."""
    value = torch.zeros(len(state))
    sign = torch.ones(len(state))  # +1 while the original player is to move
    live = torch.arange(len(state))
    state = state.clone()
    while len(live):
        legal = game.legal(state).float()
        actions = torch.multinomial(legal, 1).squeeze(1)
        state, won, over = game.step(state, actions, check=False)
        value[live] = torch.where(won, sign, value[live])
        keep = ~over
        live, state, sign = live[keep], state[keep], -sign[keep]
    return value


def masked_softmax(logits: torch.Tensor, legal: torch.Tensor) -> torch.Tensor:
    return torch.softmax(logits.masked_fill(~legal, float("-inf")), dim=-1)


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
    batch, actions, size = len(roots), game.actions, simulations + 1
    flat_base = torch.arange(batch) * size
    children = torch.full((batch * size, actions), -1, dtype=torch.int64)
    # Edge statistics side by side, so that one gather per tree level reads them all:
    # visits, value sum (for the player choosing the edge), prior, and 0 / -inf for legal / illegal.
    stats = torch.zeros(batch * size, 4, actions)
    visits, value_sum, prior, illegal = stats.unbind(1)
    position = torch.zeros(batch * size, dtype=torch.int64)
    mask = torch.zeros(batch * size, dtype=torch.int64)
    moves = torch.zeros(batch * size, dtype=torch.int64)
    terminal_value = torch.full((batch * size,), float("nan"))  # value for the player to move; nan: not terminal
    next_free = torch.ones(batch, dtype=torch.int64)

    position[flat_base], mask[flat_base], moves[flat_base] = roots.position, roots.mask, roots.moves
    root_legal = game.legal(roots)
    illegal[flat_base] = torch.where(root_legal, 0.0, float("-inf"))
    logits, root_value = evaluate(roots)
    root_prior = masked_softmax(logits, root_legal)
    if dirichlet_alpha is not None:
        gamma = torch.distributions.Gamma(torch.tensor(dirichlet_alpha), torch.tensor(1.0))
        noise = gamma.sample((batch, actions)) * root_legal
        noise = noise / noise.sum(-1, keepdim=True)
        root_prior = (1 - dirichlet_fraction) * root_prior + dirichlet_fraction * noise
    prior[flat_base] = root_prior

    games = torch.arange(batch)
    flat_stats = stats.view(-1)
    for _ in range(simulations):
        # Selection: descend every tree until an edge without a child or a terminal child.
        node = flat_base.clone()
        path_nodes, path_actions, path_live = [], [], []
        live = torch.ones(batch, dtype=torch.bool)
        while True:
            n, w, p, penalty = stats[node].unbind(1)
            total = n.sum(-1, keepdim=True).clamp_min(1)
            q = w / n.clamp_min(1)  # value sums of unvisited edges are 0: q = 0 there
            action = (q + c_puct * p * total.sqrt() / (1 + n) + penalty).argmax(-1)
            path_nodes.append(node)
            path_actions.append(action)
            path_live.append(live)
            child = children[node, action]
            descend = live & (child >= 0)
            descend &= torch.isnan(terminal_value[flat_base + child.clamp_min(0)])
            if not bool(descend.any()):
                break
            node = torch.where(descend, flat_base + child, node)
            live = descend
        # Expansion: one new node per tree whose selected edge has no child yet.
        child = children[node, action]
        leaf_value = torch.zeros(batch)
        existing = child >= 0  # a terminal node reached again
        leaf_value[existing] = terminal_value[flat_base[existing] + child[existing]]
        new = ~existing
        if bool(new.any()):
            parents, new_actions, owners = node[new], action[new], games[new]
            parent_state = State(position[parents], mask[parents], moves[parents])
            child_state, won, over = game.step(parent_state, new_actions, check=False)
            ids = next_free[owners]
            next_free[owners] += 1
            slots = flat_base[owners] + ids
            children[parents, new_actions] = ids
            position[slots], mask[slots], moves[slots] = child_state.position, child_state.mask, child_state.moves
            values = torch.where(won, -1.0, 0.0)  # the player to move at the child just lost, or drew
            terminal_value[slots] = torch.where(over, values, float("nan"))
            open_leaves = ~over
            if bool(open_leaves.any()):
                open_slots, open_states = slots[open_leaves], child_state[open_leaves]
                legal = game.legal(open_states)
                logits, value = evaluate(open_states)
                prior[open_slots] = masked_softmax(logits, legal)
                illegal[open_slots] = torch.where(legal, 0.0, float("-inf"))
                values[open_leaves] = value
            leaf_value[new] = values
        # Backup: the edge into the leaf gets -v (its chooser is the leaf's opponent), and
        # the sign alternates upwards.
        depth = len(path_nodes)
        nodes = torch.stack(path_nodes)  # (depth, batch)
        taken = torch.stack(path_actions)
        used = torch.stack(path_live)
        length = used.sum(0)  # edges on each game's path
        levels = torch.arange(depth).unsqueeze(1)
        sign = torch.where((length - levels) % 2 == 1, -1.0, 1.0)
        visit_index = (nodes * (4 * actions) + taken)[used]  # row 0 of each node's stats: visits
        flat_stats.index_put_(
            (torch.cat([visit_index, visit_index + actions]),),  # row 1: value sums
            torch.cat([torch.ones(len(visit_index)), (sign * leaf_value)[used]]),
            accumulate=True,
        )

    root_visits = visits[flat_base]
    q = torch.where(root_visits > 0, value_sum[flat_base] / root_visits.clamp_min(1), 0.0)
    return SearchResult(root_visits, prior[flat_base], q, root_value)
