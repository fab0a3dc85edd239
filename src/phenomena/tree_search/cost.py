"""Tree search's cost model for ``python -m phenomena.estimate``: self-play training, arenas, the solver.

The batched search costs per call (a batch advanced by one simulation: ``ts_search_call``) and per
board-simulation (``ts_search_board``, plus a network forward: ``forward_example_param``); pure MCTS's random
playouts likewise (``ts_rollout_call``, ``ts_rollout_board``). Gradient steps are taken as a stacked-MLP
minibatch step of one member, and the Python solver's time as a geometric extrapolation in the board's
cells (``solver_second``): both rough.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from phenomena.common.cost import FLOAT_BYTES, Job, add_units

STEP_UNIT = "self-play games"


@cache
def tree_search_parameters(columns: int, rows: int, hidden: int, layers: int) -> int:
    from phenomena.tree_search.network import PolicyValueNet, parameter_count

    return parameter_count(PolicyValueNet(columns, rows, hidden, layers))


def search_units(calls: float, boards: float, params: int) -> dict[str, float]:
    """Batched search (``phenomena.tree_search.mcts``): each call advances every board of its batch by one
    simulation. A call costs a fixed ~30 tensor ops (``ts_search_call``), each board-simulation a share of
    the tree operations (``ts_search_board``) and one network forward, scaled by the network's parameters
    at the forward rate of an MLP (a third of a training step's per example-parameter rate: rough)."""
    return {"ts_search_call": calls, "ts_search_board": boards, "forward_example_param": boards * params}


def selfplay_units(iterations: int, games: int, simulations: int, cells: int, plies: float, params: int):
    """Self-play plays all of an iteration's games at once: per ply, ``simulations`` calls; the longest game
    takes up to ``cells`` plies, the mean one ``plies``."""
    return search_units(iterations * cells * simulations, iterations * games * plies * (simulations + 1), params)


def player_units(player, games: float, cells: int, plies: float, params: int, calls: int | None = None) -> dict:
    """One player over its ``games``: it moves in about half the plies of each, and at every ply (``calls``:
    ``cells`` by default) one call per simulation moves all its live games. Random moves cost nothing;
    pure MCTS's simulations are random playouts (a call plays a playout of every board: ``ts_rollout_call``,
    ``ts_rollout_board``); the perfect player is the solver, counted per board as a raw-policy move (its
    table: ``solver_second``)."""
    from phenomena.tree_search.players import NETWORK, PURE_MCTS, RANDOM

    moves, calls = games * plies / 2, cells if calls is None else calls
    if player.kind == NETWORK:
        return search_units(calls * max(1, player.budget), moves * max(1, player.budget), params)
    if player.kind == PURE_MCTS:
        return {"ts_rollout_call": calls * player.budget, "ts_rollout_board": moves * player.budget}
    return {} if player.kind == RANDOM else {"ts_search_board": moves}


def tournament_units(players: list, pairs: list, openings: int, cells: int, plies: float, params: int) -> dict:
    """Every pair plays every opening with both colours, all games at once (``play_tournament``)."""
    games = defaultdict(float)
    for a, b in pairs:
        games[a] += 2 * openings
        games[b] += 2 * openings
    total: dict[str, float] = {}
    for index, count in games.items():
        add_units(total, player_units(players[index], count, cells, plies, params))
    return total


def run_arena_players(arena: dict, iterations: list[int], comparison: list[int]) -> list:
    from phenomena.tree_search.players import NETWORK, Player, player_searches, run_arena_baselines

    players = run_arena_baselines(arena["pure_mcts_simulations"])
    for iteration in iterations:
        searches = player_searches(arena, iteration, comparison)
        players += [Player(NETWORK, budget, iteration, kind) for kind, budget in searches]
    return players


def solver_seconds(study: dict, rates: dict, what: str) -> float:
    """The exact solver (Python backend): its time grows ~geometrically with the board's cells, fitted by
    the bench on 4x4 and 5x4 (``what``: ``empty``, the whole game's table as the perfect player needs it;
    ``positions``, labelling the config's positions): a rough extrapolation. bitbully (C++): taken as 0."""
    if study["solver"]["backend"] != "python":
        return 0.0
    fit = rates["cpu"][f"ts_solver_{what}"]
    cells = study["board"]["columns"] * study["board"]["rows"]
    seconds = fit["seconds_at_reference"] * fit["growth_per_cell"] ** (cells - fit["reference_cells"])
    return seconds * (study["solver"]["positions"] / fit["reference_positions"] if what == "positions" else 1.0)


@dataclass(frozen=True)
class Board:
    """What the tree-search units need of the board: cells, mean game length, openings of the arenas."""

    cells: int
    plies: float
    openings: int

    @classmethod
    def of(cls, study: dict, rates: dict) -> Board:
        board = study["board"]
        cells = board["columns"] * board["rows"]
        plies = rates["assumptions"]["tree_search_plies_per_cell"] * cells  # self-play's mean length (bench)
        return cls(cells, plies, board["columns"] ** study["arena"]["opening_plies"])


def network_parameters(study: dict, hidden: int) -> int:
    board = study["board"]
    return tree_search_parameters(board["columns"], board["rows"], hidden, study["network"]["layers"])


def tree_search_train_job(study: dict, run, board: Board) -> Job:
    """Self-play, then gradient steps (taken as a stacked-MLP minibatch step of one member: rough)."""
    from phenomena.tree_search.runs import snapshot_iterations

    selfplay, training = study["selfplay"], study["training"]
    params = network_parameters(study, run.hidden)
    sims = selfplay["gumbel_simulations"] if run.selfplay_search == "gumbel" else selfplay["simulations"]
    units = selfplay_units(
        training["iterations"], selfplay["games_per_iteration"], sims, board.cells, board.plies, params
    )
    steps = training["iterations"] * training["steps_per_iteration"]
    add_units(units, {"dd_mlp_step": steps, "dd_mlp_example_param": steps * training["batch_size"] * params})
    buffer = training["buffer_size"] * (2 * board.cells + study["board"]["columns"] + 1) * FLOAT_BYTES
    disk = (len(snapshot_iterations(study)) + 3) * params * FLOAT_BYTES + buffer  # snapshots, last.ckpt, buffer
    games = training["iterations"] * selfplay["games_per_iteration"]
    return Job("tree_search_train", "lightning", units, games, disk)


def tree_search_arena_job(study: dict, run, board: Board) -> Job:
    """The run's arena job: its ladder among its snapshots' players and the baselines, then its solver
    accuracy (every player chooses one move in every labelled position, all at once)."""
    from phenomena.tree_search.players import schedule
    from phenomena.tree_search.runs import comparison_iterations, snapshot_iterations

    params, arena = network_parameters(study, run.hidden), study["arena"]
    players = run_arena_players(arena, snapshot_iterations(study), comparison_iterations(study))
    pairs = schedule(players, arena["schedule"])
    units = tournament_units(players, pairs, board.openings, board.cells, board.plies, params)
    games = study["solver"]["positions"] * 2 / board.plies  # as many moves as labelled positions
    for player in players:
        add_units(units, player_units(player, games, board.cells, board.plies, params, calls=1))
    return Job("tree_search_arena", "torch", units)


def baselines_arena_job(study: dict, runs: int, board: Board, rates: dict) -> Job:
    """The perfect player, random and pure MCTS against every run's last raw policy and largest budget."""
    from phenomena.tree_search.players import NETWORK, PERFECT, Player, baselines_arena_players, baselines_schedule

    arena = study["arena"]
    players = baselines_arena_players(arena["pure_mcts_simulations"])
    players += [Player(NETWORK, budget, 0) for _ in range(runs) for budget in (0, max(arena["budgets"]))]
    params = network_parameters(study, max(study["network"]["hidden"]))
    units = tournament_units(players, baselines_schedule(players), board.openings, board.cells, board.plies, params)
    perfect = any(player.kind == PERFECT for player in players) and arena.get("perfect_player", True)
    units["solver_second"] = solver_seconds(study, rates, "empty") if perfect else 0.0
    return Job("tree_search_baselines_arena", "torch", units)


def jobs(study: dict, rates: dict, upper_bound: bool = False) -> dict[str, list[Job]]:
    """The jobs of the training, arena (with solver accuracy), positions and baselines rules."""
    from phenomena.tree_search.runs import plan_runs

    board, runs = Board.of(study, rates), plan_runs(study).values()
    labelling = solver_seconds(study, rates, "positions")
    return {
        "tree_search_train": [tree_search_train_job(study, run, board) for run in runs],
        "tree_search_arena": [tree_search_arena_job(study, run, board) for run in runs],
        "tree_search_positions": [Job("tree_search_positions", "torch", {"solver_second": labelling})],
        "tree_search_baselines_arena": [baselines_arena_job(study, len(runs), board, rates)],
    }
