"""What a changed tree-search setting reruns, in the smoke pipeline's copy of the workflow
(dry runs: Snakemake plans the jobs; the counts say that runs not touched by a change are kept)."""

from __future__ import annotations

import re

import pytest

from workflow_copies import SMOKE, snakemake

pytestmark = pytest.mark.slow


def planned_jobs(dry_run_output: str) -> dict[str, int]:
    """Rule -> job count of a dry run's 'Job stats' table, figures and targets left out."""
    if "Nothing to be done" in dry_run_output:
        return {}
    table = dry_run_output.split("Job stats:", 1)[1]
    counts = {rule: int(count) for rule, count in re.findall(r"^(\w+)\s+(\d+)$", table, re.M)}
    return {
        rule: n for rule, n in counts.items() if "_figure_" not in rule and rule not in ("all", "total", "tree_search")
    }


@pytest.mark.parametrize(
    ("overlay", "expected"),
    [
        (  # a new width trains, plays and is scored alone; the width 16 run is kept; the baselines'
            # arena plays every run's last snapshot against the perfect player again
            "tree_search:\n  network: {hidden: [16, 24]}",
            {
                "tree_search_train": 1,
                "tree_search_arena": 1,
                "tree_search_baselines_arena": 1,
                "tree_search_metrics": 1,
            },
        ),
        (  # one width fewer: no run trains or plays again; the baselines' arena and the shared Elo fit
            "tree_search:\n  network: {hidden: [16]}",
            {"tree_search_baselines_arena": 1, "tree_search_metrics": 1},
        ),
        (  # more snapshots: every run writes them, every arena plays them; the solver's labels are kept
            "tree_search:\n  training: {snapshot_every: 1}",
            {
                "tree_search_train": 2,
                "tree_search_arena": 2,
                "tree_search_baselines_arena": 1,
                "tree_search_metrics": 1,
            },
        ),
        (  # other Gumbel budgets: the runs' arenas play again (not the baselines'); training is kept
            "tree_search:\n  arena: {gumbel_budgets: [2, 4, 8], gumbel_pooled_budgets: [2]}",
            {"tree_search_arena": 2, "tree_search_metrics": 1},
        ),
        ("tree_search:\n  arena: {frontier_levels: 4}", {"tree_search_metrics": 1}),
    ],
)
def test_a_snapshot_count_or_network_change_reruns_only_what_depends_on_it(smoke_pipeline, overlay, expected):
    workdir = smoke_pipeline[0]
    (workdir / "tree_search_overlay.yaml").write_text(overlay + "\n")
    done = snakemake(workdir, "tree_search", "-n", *SMOKE, "tree_search_overlay.yaml")
    # every change of the section reruns the findings (seconds): their table records its config hash
    assert planned_jobs(done.stdout) == {**expected, "tree_search_findings": 1}
