"""The SLT study, as the workflow sees it (see :mod:`phenomena.common.study`)."""

from __future__ import annotations

from phenomena.common.study import Figure, Placement, Study
from phenomena.slt.runs import check_study_config


def figures(section: dict) -> list[Figure]:
    """One figure per part that is on: the calibration, the LLC through double descent, the toy model."""
    found = []
    if section["calibration"] is not None:
        found.append(Figure("calibration", {"calibration": "calibration"}))
    if section["double_descent"] is not None:
        found.append(Figure("double_descent_llc", {"llc": "double_descent_llc"}))
    if section["superposition"] is not None:
        tables = {"curves": "superposition_curves", "llc": "superposition_llc", "weights": "superposition_weights"}
        found.append(Figure("superposition", tables))
    return found


def findings(section: dict) -> list:
    """The study's findings (:mod:`phenomena.slt.findings`, imported when asked for)."""
    from phenomena.slt.findings import findings as declared

    return declared(section)


STUDY = Study(
    name="slt",
    title="Singular learning theory",
    check_config=check_study_config,
    figures=figures,
    findings=findings,
    rules={
        "slt_calibration": Placement.CPU,
        "slt_double_descent_llc": Placement.CPU,
        "slt_double_descent_metrics": Placement.LOGIN,
        "slt_superposition_train": Placement.TRAINING,
        "slt_superposition_llc": Placement.CPU,
        "slt_superposition_metrics": Placement.LOGIN,
    },
)
