"""One module per figure of the perturbation study, each with ``plot(**tables) -> Figure``.

A figure's code lives in its own file so that the workflow can declare that file as the
figure rule's input: editing one figure reruns that figure alone.
"""

from __future__ import annotations

STATISTIC_LABELS = {
    "mean_x": "mean x",
    "mean_y": "mean y",
    "sd_x": "sd x",
    "sd_y": "sd y",
    "correlation": "corr.",
}
INIT_LABELS = {"default": "default (Kaiming uniform)", "zero": "all zero", "constant": "constant"}
