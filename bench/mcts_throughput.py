"""Simulations per second of the study's batched MCTS against one-tree-at-a-time searches.

Side by side in one run, on the default board (5x5) with the default config's largest network (MLP 128x2):

- batched PUCT (``phenomena.tree_search.mcts.search``) at batch 1, 64, 256, 1024;
- the same search (PUCT, same network, same simulations) written the usual way: one tree
  at a time, Python node objects, the network called on one position per leaf;
- OpenSpiel's Python ``MCTSBot`` (UCT with one random rollout per leaf, ``solve=False``)
  on ``connect_four(columns=5,rows=5)``, if ``open-spiel`` is installed (``pip install -e
  ".[bench]"``); and our batched search with random rollouts in place of the network, the
  same kind of evaluator.

Roots are random 2-ply positions; each tree gets ``--simulations`` simulations.

    python bench/mcts_throughput.py --simulations 64 --repeats 3
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time

import torch

from phenomena.common.config import load_config
from phenomena.common.runtime import set_threads
from phenomena.tree_search.game import ConnectFour, State
from phenomena.tree_search.mcts import network_evaluator, rollout_evaluator, search
from phenomena.tree_search.network import PolicyValueNet


def random_roots(game: ConnectFour, n: int, seed: int) -> State:
    generator = torch.Generator().manual_seed(seed)
    state = game.initial(n)
    for _ in range(2):
        actions = torch.randint(game.columns, (n,), generator=generator)
        state, _, _ = game.step(state, actions)
    return state


def batched(game: ConnectFour, evaluate, batch: int, simulations: int) -> float:
    roots = random_roots(game, batch, seed=batch)
    started = time.perf_counter()
    search(game, evaluate, roots, simulations)
    return batch * simulations / (time.perf_counter() - started)


class Node:
    __slots__ = ("state", "prior", "children", "visits", "value_sum", "terminal_value", "legal")

    def __init__(self, state: State, terminal_value: float | None):
        self.state, self.terminal_value = state, terminal_value
        self.children: dict[int, Node] = {}
        self.visits = self.value_sum = None
        self.prior = self.legal = None


def sequential(game: ConnectFour, net: torch.nn.Module, trees: int, simulations: int, c_puct: float = 1.5) -> float:
    """The same PUCT search, one tree and one network call per leaf at a time."""

    @torch.no_grad()
    def expand(node: Node) -> float:
        logits, value = net(game.observation(node.state))
        node.legal = game.legal(node.state)[0].tolist()
        masked = [x if ok else -math.inf for x, ok in zip(logits[0].tolist(), node.legal)]
        top = max(masked)
        weights = [math.exp(x - top) for x in masked]
        node.prior = [w / sum(weights) for w in weights]
        node.visits = [0] * game.columns
        node.value_sum = [0.0] * game.columns
        return float(value)

    roots = random_roots(game, trees, seed=0)
    started = time.perf_counter()
    for t in range(trees):
        root = Node(roots[t : t + 1], None)
        expand(root)
        for _ in range(simulations):
            node, path = root, []
            while True:
                total = math.sqrt(max(1, sum(node.visits)))
                scores = [
                    (node.value_sum[a] / node.visits[a] if node.visits[a] else 0.0)
                    + c_puct * node.prior[a] * total / (1 + node.visits[a])
                    if node.legal[a]
                    else -math.inf
                    for a in range(game.columns)
                ]
                action = max(range(game.columns), key=scores.__getitem__)
                path.append((node, action))
                child = node.children.get(action)
                if child is None:
                    state, won, over = game.step(node.state, torch.tensor([action]), check=False)
                    child = Node(state, (-1.0 if bool(won) else 0.0) if bool(over) else None)
                    node.children[action] = child
                    value = child.terminal_value if bool(over) else expand(child)
                    break
                if child.terminal_value is not None:
                    value = child.terminal_value
                    break
                node = child
            for parent, action in reversed(path):
                value = -value
                parent.visits[action] += 1
                parent.value_sum[action] += value
    return trees * simulations / (time.perf_counter() - started)


def open_spiel(columns: int, rows: int, trees: int, simulations: int) -> float | None:
    try:
        import numpy as np
        import pyspiel
        from open_spiel.python.algorithms import mcts
    except ImportError:
        return None
    game = pyspiel.load_game(f"connect_four(columns={columns},rows={rows})")
    rng = np.random.RandomState(0)
    bot = mcts.MCTSBot(game, 1.4, simulations, mcts.RandomRolloutEvaluator(1, rng), solve=False, random_state=rng)
    python_rng = random.Random(0)
    states = []
    for _ in range(trees):
        state = game.new_initial_state()
        for _ in range(2):
            state.apply_action(python_rng.choice(state.legal_actions()))
        states.append(state)
    started = time.perf_counter()
    for state in states:
        bot.mcts_search(state)
    return trees * simulations / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--simulations", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sequential-trees", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    set_threads(args.threads)
    torch.manual_seed(0)
    study = load_config("config/config.yaml")["tree_search"]
    columns, rows = study["board"]["columns"], study["board"]["rows"]
    game = ConnectFour(columns, rows)
    net = PolicyValueNet(columns, rows, max(study["network"]["hidden"]), study["network"]["layers"]).eval()
    evaluate = network_evaluator(game, net)
    trees, sims = args.sequential_trees, args.simulations

    cases = {"sequential PUCT, network, one tree at a time": lambda: sequential(game, net, trees, sims)}
    for batch in (1, 64, 256, 1024):
        cases[f"batched PUCT, network, batch {batch}"] = lambda b=batch: batched(game, evaluate, b, sims)
    cases["OpenSpiel MCTSBot (Python), random rollouts"] = lambda: open_spiel(columns, rows, trees, sims)
    for batch in (1, 256):
        cases[f"batched PUCT, random rollouts, batch {batch}"] = lambda b=batch: batched(
            game, rollout_evaluator(game), b, sims
        )
    # Rounds of every case in turn, so that changes in machine load hit all cases alike.
    results: dict[str, list] = {name: [] for name in cases}
    for repeat in range(args.repeats):
        for name, run in cases.items():
            results[name].append(run())
        print(f"round {repeat + 1}/{args.repeats} done", flush=True)
    rows_out = []
    for name, values in results.items():
        if values[0] is None:
            print(f"{name}: skipped (open-spiel not installed)")
            continue
        rows_out.append((name, statistics.median(values)))
    reference = dict(rows_out)
    base = reference["sequential PUCT, network, one tree at a time"]
    spiel = reference.get("OpenSpiel MCTSBot (Python), random rollouts")
    print("\n| search | sims/s | x sequential | x OpenSpiel |\n|---|---|---|---|")
    for name, value in rows_out:
        versus_spiel = f"{value / spiel:.1f}" if spiel else "n/a"
        print(f"| {name} | {value:,.0f} | {value / base:.1f} | {versus_spiel} |")


if __name__ == "__main__":
    main()
