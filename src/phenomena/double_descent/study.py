"""The double-descent study, as the workflow sees it (see :mod:`phenomena.common.study`)."""

from __future__ import annotations

from phenomena.common.study import Figure, Placement, Study
from phenomena.double_descent.runs import check_study_config


def figures(section: dict) -> list[Figure]:
    """Model-wise, test-loss and epoch-wise figures with the width sweep, the sample-wise map
    with the width x size grid (and its random-feature control when set), random features
    when that part is set."""
    found = []
    if section["model_wise"] is not None:
        found += [
            Figure("model_wise", {"final": "final", "summary": "summary"}),
            Figure("test_loss", {"final": "final", "summary": "summary"}),
            Figure("epoch_wise", {"curves": "curves"}),
        ]
    if section["sample_wise"] is not None:
        found.append(Figure("sample_wise", {"final": "final", "summary": "sample_wise_summary"}))
        if section["sample_wise"]["random_features"]:
            tables = {"curves": "random_features_sample_wise", "summary": "random_features_sample_wise_summary"}
            found.append(Figure("random_features_sample_wise", tables))
    if section["random_features"] is not None:
        found.append(Figure("random_features", {"random_features": "random_features"}))
    return found


def findings(section: dict) -> list:
    """The study's findings (:mod:`phenomena.double_descent.findings`, imported when asked for:
    planning the workflow needs no pandas or scipy)."""
    from phenomena.double_descent.findings import findings as declared

    return declared(section)


STUDY = Study(
    name="double_descent",
    title="Double descent",
    check_config=check_study_config,
    figures=figures,
    findings=findings,
    rules={
        "double_descent_source": Placement.LOGIN,
        "double_descent_train": Placement.GPU_TRAINING,
        "double_descent_size_grid": Placement.GPU_TRAINING,
        "double_descent_random_features": Placement.CPU,
        "double_descent_random_features_sizes": Placement.CPU,
        "double_descent_metrics": Placement.LOGIN,
    },
)
