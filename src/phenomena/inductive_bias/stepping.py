"""Training between two evaluations in one Lightning training step: the study's step count.

Its modules optimize manually and take all the optimizer steps between two evaluations in one
``training_step``; why, and the shared pieces (:func:`optimizer_steps`,
:func:`adopt_automatic_checkpoint`): :mod:`phenomena.common.manual_steps`.
"""

from __future__ import annotations


def steps_per_evaluation(training: dict) -> int:
    """Optimizer steps between two evaluations: ``steps / evaluations``, rounded up (the run's
    total is then rounded up to whole evaluations)."""
    return max(1, -(-training["steps"] // training["evaluations"]))
