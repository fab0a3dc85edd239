"""How the workflow's jobs go to a cluster (SLURM): short jobs share submissions.

A submission costs a Snakemake start on the node and the scheduler's latency; a job of seconds
would pay them each time. So the jobs of a rule whose time limit (config
``resources.<rule>.runtime``) is short run in bundles, one after another in one submission, up to
config ``bundle_minutes`` of time limit; a job as long as that runs alone (the paper preset's
training: hours). Snakemake's group jobs do it: the workflow puts such a rule in the group
:func:`bundle_group` names, and the SLURM profile's ``group-components`` lets ``n`` independent
jobs of group ``<placement>_bundle<n>`` share one submission. No torch here: the Snakefile imports it.
"""

from __future__ import annotations

from phenomena.common.study import Placement

PROFILE_DEFAULT_RUNTIME = 30
"""Minutes: the time limit of a rule without a ``resources`` entry (workflow/profiles/slurm's
default-resources; a test keeps them equal)."""

MAX_BUNDLE = 32
"""Jobs in one submission at most: the SLURM profile names groups bundle2 ... bundle32."""


def jobs_per_bundle(runtime: int, bundle_minutes: int) -> int:
    """How many jobs of ``runtime`` minutes share a submission of at most ``bundle_minutes``."""
    return max(1, min(MAX_BUNDLE, bundle_minutes // runtime))


def bundle_group(rule_resources: dict, placement: Placement, bundle_minutes: int) -> str | None:
    """The Snakemake group of a rule's jobs, or None when they run alone: ``<placement>_bundle<n>``.

    Jobs of one placement ask for the same GPUs and, if they train, the same signal before their
    time limit: a bundle's string resources (Snakemake takes one value for the whole group).
    """
    jobs = jobs_per_bundle(rule_resources.get("runtime", PROFILE_DEFAULT_RUNTIME), bundle_minutes)
    if jobs == 1 or placement is Placement.LOGIN:
        return None
    return f"{placement.value}_bundle{jobs}"


def profile_group_components() -> list[str]:
    """The ``group-components`` of the SLURM profile: n jobs per submission in group ..._bundle<n>."""
    submitted = [placement for placement in Placement if placement is not Placement.LOGIN]
    return [f"{placement.value}_bundle{n}={n}" for placement in submitted for n in range(2, MAX_BUNDLE + 1)]
