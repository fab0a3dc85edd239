"""The runs of the tree-search study: one AlphaZero training run per seed, its snapshots and players."""

from __future__ import annotations

from dataclasses import dataclass

from phenomena.common.config import ConfigError
from phenomena.common.naming import run_name

CONNECT = 4  # stones in a line that win; here, not in game.py: the Snakefile imports this module without torch
PYTHON_SOLVER_MAX_CELLS = 30
"""The plain-Python solver labels positions of boards up to 6x5 in minutes; 7x6 takes days."""


@dataclass(frozen=True)
class TreeSearchRun:
    """One training run: a board and a seed."""

    columns: int
    rows: int
    seed: int

    @property
    def name(self) -> str:
        return run_name([("c4_", f"{self.columns}x{self.rows}"), ("seed", self.seed)])

    def sweep_columns(self) -> dict[str, object]:
        return {"columns": self.columns, "rows": self.rows}


def board_name(study: dict) -> str:
    return f"{study['board']['columns']}x{study['board']['rows']}"


def plan_runs(study: dict) -> dict[str, TreeSearchRun]:
    board = study["board"]
    runs = [TreeSearchRun(board["columns"], board["rows"], seed) for seed in study["seeds"]]
    return {run.name: run for run in runs}


def snapshot_iterations(study: dict) -> list[int]:
    """Iterations whose network is kept for the arena: 0 (untrained), every ``snapshot_every``, the last."""
    training = study["training"]
    every, last = training["snapshot_every"], training["iterations"]
    return sorted({0, *range(every, last + 1, every), last})


def check_study_config(study: dict) -> None:
    """Checks the JSON schema cannot express (the schema has checked types and ranges)."""
    columns, rows = study["board"]["columns"], study["board"]["rows"]
    if max(columns, rows) < CONNECT:
        raise ConfigError(
            f"config key tree_search.board: got {columns}x{rows}; columns or rows must be >= {CONNECT} "
            "for four in a row to fit"
        )
    if columns * (rows + 1) > 63:
        raise ConfigError(
            f"config key tree_search.board: got {columns}x{rows}; columns * (rows + 1) must be <= 63 (int64 bitboards)"
        )
    solver = study["solver"]
    if solver["backend"] == "python" and columns * rows > PYTHON_SOLVER_MAX_CELLS:
        raise ConfigError(
            f"config key tree_search.solver.backend: got 'python' for a {columns}x{rows} board; the Python solver "
            f"handles at most {PYTHON_SOLVER_MAX_CELLS} cells: use 'bitbully' (7x6 only) or a smaller board"
        )
    if solver["backend"] == "bitbully" and (columns, rows) != (7, 6):
        raise ConfigError(
            f"config key tree_search.solver.backend: got 'bitbully' for a {columns}x{rows} board; "
            "bitbully solves the standard 7x6 board only"
        )
    if solver["max_ply"] < solver["min_ply"] or solver["max_ply"] >= columns * rows:
        raise ConfigError(
            f"config key tree_search.solver.max_ply: got {solver['max_ply']}; must lie in "
            f"[min_ply ({solver['min_ply']}), {columns * rows - 1}] on a {columns}x{rows} board"
        )
    if study["arena"]["opening_plies"] >= columns * rows:
        raise ConfigError(
            f"config key tree_search.arena.opening_plies: got {study['arena']['opening_plies']}; "
            f"must be < {columns * rows} cells"
        )
    if 0 not in study["arena"]["budgets"]:
        raise ConfigError(
            f"config key tree_search.arena.budgets: got {study['arena']['budgets']}; must include 0, the raw "
            "policy that every search budget is compared with"
        )
    if study["training"]["snapshot_every"] > study["training"]["iterations"]:
        raise ConfigError(
            f"config key tree_search.training.snapshot_every: got {study['training']['snapshot_every']}; "
            f"must be <= training.iterations ({study['training']['iterations']})"
        )


def resolved_settings(study: dict, run: TreeSearchRun) -> dict:
    """Everything that determines a training run's result (Snakemake ``params`` of the train rule)."""
    return {
        "run": {"columns": run.columns, "rows": run.rows, "seed": run.seed},
        "board": dict(study["board"]),
        "network": dict(study["network"]),
        "selfplay": dict(study["selfplay"]),
        "training": dict(study["training"]),
        "snapshots": snapshot_iterations(study),
    }
