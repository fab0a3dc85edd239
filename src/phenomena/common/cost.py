"""What every study's cost model (``phenomena.<study>.cost``) shares: the :class:`Job` it lists, and helpers.

A study's cost model exposes ``jobs(study, rates, upper_bound=False) -> {rule: [Job, ...]}`` (``study``: the
study's config section; ``rates``: ``src/phenomena/rates.json``), one Job per job of each rule it models, in
the same number as Snakemake's dry run counts, and ``STEP_UNIT``, what its ``Job.steps`` count. A
model that needs other studies' sections too names them in ``READS`` and takes them as ``jobs(...,
others={name: section})`` (the SLT study reads the grokking sampler and the double-descent networks).
``python -m phenomena.estimate`` turns the units into seconds (its module docstring describes the model).
"""

from __future__ import annotations

from dataclasses import dataclass, field

FLOAT_BYTES = 4  # float32 checkpoints and snapshots


@dataclass
class Job:
    """One job's cost inputs: its start-up kind and its work units (unit name -> count)."""

    rule: str
    startup: str = "light"
    units: dict[str, float] = field(default_factory=dict)
    steps: float = 0.0  # in the study's own unit (its cost module's STEP_UNIT)
    disk_bytes: float = 0.0


def add_units(total: dict, more: dict) -> dict:
    """Add the counts of ``more`` into ``total`` (unit by unit); ``total``."""
    for unit, count in more.items():
        total[unit] = total.get(unit, 0.0) + count
    return total
