"""The tree-search study, as the workflow sees it (see :mod:`phenomena.common.study`)."""

from __future__ import annotations

from phenomena.common.study import Figure, Placement, Study
from phenomena.tree_search.runs import check_study_config

FIGURES = ("elo_vs_step", "search_gain", "compute_frontier", "solver_accuracy", "gumbel_vs_puct")


WITH_ESTIMATES = ("compute_frontier", "gumbel_vs_puct")
"""Figures that also read estimates.parquet (the frontier slope, Gumbel minus PUCT)."""


def figures(section: dict) -> list[Figure]:
    tables = {"curves": "curves", "summary": "summary"}
    return [
        Figure(name, {**tables, "estimates": "estimates"} if name in WITH_ESTIMATES else tables) for name in FIGURES
    ]


STUDY = Study(
    name="tree_search",
    title="Tree search vs policy-only",
    check_config=check_study_config,
    figures=figures,
    rules={
        "tree_search_positions": Placement.CPU,  # the exact solver: seconds on 5x4, minutes on larger boards
        # search runs on the CPU by design (one tree per game, many tiny tensor operations)
        "tree_search_train": Placement.TRAINING,
        "tree_search_arena": Placement.CPU,
        "tree_search_solver_accuracy": Placement.CPU,
        "tree_search_metrics": Placement.LOGIN,
    },
)
