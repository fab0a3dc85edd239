"""The inductive-bias study, as the workflow sees it (see :mod:`phenomena.common.study`)."""

from __future__ import annotations

from phenomena.common.study import Figure, Placement, Study
from phenomena.inductive_bias.runs import check_study_config


def findings(section: dict) -> list:
    """The study's findings (:mod:`phenomena.inductive_bias.findings`), imported when asked for:
    planning the workflow needs no pandas or scipy."""
    from phenomena.inductive_bias.findings import findings as study_findings

    return study_findings(section)


def figures(section: dict) -> list[Figure]:
    """One figure per part, each with its curves and the study's summary."""
    return [
        Figure("architecture", {"curves": "architecture", "summary": "summary"}),
        Figure("batch_size", {"curves": "sgd", "summary": "summary"}),
        Figure("kernel", {"curves": "kernel", "functions": "kernel_functions", "summary": "summary"}),
    ]


STUDY = Study(
    name="inductive_bias",
    title="Inductive bias",
    check_config=check_study_config,
    figures=figures,
    findings=findings,
    rules={
        "inductive_bias_data": Placement.LOGIN,
        "inductive_bias_train_classifiers": Placement.TRAINING,
        "inductive_bias_train_short_classifiers": Placement.TRAINING,
        "inductive_bias_train_kernels": Placement.TRAINING,
        "inductive_bias_metrics": Placement.LOGIN,
    },
)
