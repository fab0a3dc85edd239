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
    """One training run: a board, a network width, the self-play search and a seed."""

    columns: int
    rows: int
    hidden: int
    seed: int
    selfplay_search: str = "puct"

    @property
    def label(self) -> str:
        """The run's name without board and seed: what tells its players apart in a shared arena."""
        return run_name([("h", self.hidden)] + ([("", "gumbel")] if self.selfplay_search == "gumbel" else []))

    @property
    def name(self) -> str:
        return run_name([("c4_", f"{self.columns}x{self.rows}"), ("", self.label), ("seed", self.seed)])

    def sweep_columns(self) -> dict[str, object]:
        return {
            "columns": self.columns,
            "rows": self.rows,
            "hidden": self.hidden,
            "selfplay_search": self.selfplay_search,
        }


def board_name(study: dict) -> str:
    return f"{study['board']['columns']}x{study['board']['rows']}"


def plan_runs(study: dict) -> dict[str, TreeSearchRun]:
    """Every network width x self-play search x seed."""
    board = study["board"]
    runs = [
        TreeSearchRun(board["columns"], board["rows"], hidden, seed, search)
        for seed in study["seeds"]
        for search in study["selfplay"]["searches"]
        for hidden in study["network"]["hidden"]
    ]
    return {run.name: run for run in runs}


def arena_name(study: dict) -> str:
    """The one Elo scale of the study: every run's arena and the baselines' arena, fitted together."""
    return run_name([("c4_", board_name(study))])


DOUBLING = "doubling"


def snapshot_iterations(study: dict) -> list[int]:
    """Iterations whose network is kept for the arena: 0 (untrained), every ``snapshot_every``
    iterations (or, for ``doubling``, 1, 2, 4, 8, ...) and the last."""
    training = study["training"]
    every, last = training["snapshot_every"], training["iterations"]
    if every == DOUBLING:
        return sorted({0, *(2**k for k in range(last.bit_length()) if 2**k <= last), last})
    return sorted({0, *range(every, last + 1, every), last})


def comparison_iterations(study: dict) -> list[int]:
    """The snapshots where Gumbel and PUCT search play at every ``arena.gumbel_budgets``: the
    last ``arena.comparison_snapshots`` ones, evenly spread over the kept snapshots."""
    kept = snapshot_iterations(study)
    count = min(study["arena"]["comparison_snapshots"], len(kept))
    if count == 0:
        return []
    picks = {kept[round(k * (len(kept) - 1) / count)] for k in range(1, count + 1)}
    return sorted(picks)


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
    arena = study["arena"]
    if arena["perfect_player"] and columns * rows > PYTHON_SOLVER_MAX_CELLS:
        raise ConfigError(
            f"config key tree_search.arena.perfect_player: got true for a {columns}x{rows} board; the perfect "
            f"player consults the Python solver, which handles at most {PYTHON_SOLVER_MAX_CELLS} cells"
        )
    if len(set(study["network"]["hidden"])) != len(study["network"]["hidden"]):
        raise ConfigError(f"config key tree_search.network.hidden: got {study['network']['hidden']}; widths repeat")
    missing = [b for b in arena["gumbel_pooled_budgets"] if b not in arena["gumbel_budgets"]]
    if missing:
        raise ConfigError(
            f"config key tree_search.arena.gumbel_pooled_budgets: got {arena['gumbel_pooled_budgets']}; "
            f"{missing} not in arena.gumbel_budgets ({arena['gumbel_budgets']})"
        )
    if 0 not in study["arena"]["budgets"]:
        raise ConfigError(
            f"config key tree_search.arena.budgets: got {study['arena']['budgets']}; must include 0, the raw "
            "policy that every search budget is compared with"
        )
    if (
        study["training"]["snapshot_every"] != DOUBLING
        and study["training"]["snapshot_every"] > study["training"]["iterations"]
    ):
        raise ConfigError(
            f"config key tree_search.training.snapshot_every: got {study['training']['snapshot_every']}; "
            f"must be <= training.iterations ({study['training']['iterations']})"
        )


def resolved_settings(study: dict, run: TreeSearchRun) -> dict:
    """Everything that determines a training run's result (Snakemake ``params`` of the train rule)."""
    selfplay = {k: v for k, v in study["selfplay"].items() if k not in ("searches", "gumbel_simulations")}
    selfplay["search"] = run.selfplay_search
    if run.selfplay_search == "gumbel":
        selfplay["simulations"] = study["selfplay"]["gumbel_simulations"]
    return {
        "run": {
            "columns": run.columns,
            "rows": run.rows,
            "hidden": run.hidden,
            "seed": run.seed,
            "selfplay_search": run.selfplay_search,
        },
        "board": dict(study["board"]),
        "network": {**study["network"], "hidden": run.hidden},
        "selfplay": selfplay,
        "training": dict(study["training"]),
        "snapshots": snapshot_iterations(study),
    }
