"""The tree-search study, as the workflow sees it (see :mod:`phenomena.common.study`)."""

from __future__ import annotations

from phenomena.common.study import Figure, Placement, Study
from phenomena.tree_search.runs import check_study_config

FIGURES = ("elo_vs_step", "search_gain", "compute_frontier", "solver_accuracy", "gumbel_vs_puct")


def figures(section: dict) -> list[Figure]:
    tables = {"curves": "curves", "summary": "summary"}
    extra = {
        "compute_frontier": {"estimates": "estimates", "frontier": "frontier"},
        "gumbel_vs_puct": {"estimates": "estimates"},
    }
    return [Figure(name, {**tables, **extra.get(name, {})}) for name in FIGURES]


def findings(section: dict) -> list:
    """The study's findings (:mod:`phenomena.tree_search.findings`; pandas and scipy load only here)."""
    from phenomena.tree_search.findings import findings as declared

    return declared(section)


STUDY = Study(
    name="tree_search",
    title="Tree search vs policy-only",
    check_config=check_study_config,
    figures=figures,
    findings=findings,
    rules={
        "tree_search_positions": Placement.CPU,  # the exact solver: seconds on 5x4, minutes on larger boards
        # the networks follow config accelerator (the search trees stay on the CPU), so these rules ask
        # for gpus_per_job GPUs like the other studies' training; whether a GPU pays for tree search:
        # bench/gpu_check.py (tree_search_iteration vs tree_search_iteration_cpu), not yet run on one
        "tree_search_train": Placement.GPU_TRAINING,
        "tree_search_arena": Placement.GPU,  # and the run's solver accuracy
        "tree_search_baselines_arena": Placement.GPU,  # the perfect player: the exact solver
        "tree_search_metrics": Placement.LOGIN,
    },
)
