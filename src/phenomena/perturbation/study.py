"""The perturbation study, as the workflow sees it (see :mod:`phenomena.common.study`)."""

from __future__ import annotations

from phenomena.common.study import Figure, Placement, Study
from phenomena.perturbation.runs import check_study_config

PARTS = {
    "datasaurus": ("frames", "statistics"),
    "diffusion": ("distances", "points"),
    "zero_init": ("curves", "summary"),
}


def figures(section: dict) -> list[Figure]:
    """One figure per part; its tables are the part's (``datasaurus_frames`` is ``frames`` to the figure)."""
    return [Figure(part, {table: f"{part}_{table}" for table in tables}) for part, tables in PARTS.items()]


def findings(section: dict) -> list:
    """The study's findings (:mod:`phenomena.perturbation.findings`; pandas and scipy load only here)."""
    from phenomena.perturbation.findings import findings as declared

    return declared(section)


STUDY = Study(
    name="perturbation",
    title="Perturbation",
    check_config=check_study_config,
    figures=figures,
    findings=findings,
    rules={
        "perturbation_datasaurus": Placement.CPU,
        "perturbation_diffusion_train": Placement.TRAINING,
        "perturbation_diffusion_sample": Placement.CPU,
        "perturbation_digits": Placement.LOGIN,
        "perturbation_zero_init_train": Placement.TRAINING,
        "perturbation_metrics": Placement.LOGIN,
        # not a generated figure: a GIF, and an HTML page that shows it in the report
        "perturbation_figure_animation": Placement.LOGIN,
    },
    extra_targets=lambda section: ["figures/datasaurus.gif", "figures/datasaurus_animation.html"],
)
