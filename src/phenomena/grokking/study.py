"""The grokking study, as the workflow sees it (see :mod:`phenomena.common.study`)."""

from __future__ import annotations

from phenomena.common.study import Figure, Placement, Study
from phenomena.grokking.findings import findings
from phenomena.grokking.runs import COUPLED_DECAY, check_study_config, plan_runs, progress_runs

CURVES = {"curves": "curves", "summary": "summary"}  # what every grokking figure reads


def figures(section: dict) -> list[Figure]:
    """The accuracy, delay, weight-norm and optimizer figures; the Grokfast repository's comparison
    when a run uses Adam with L2 decay; the progress measures when a run is additive; the LLC
    figures when ``llc`` is set."""
    names = ["accuracy", "steps_to_generalize", "weight_norm", "optimizers"]
    found = [Figure(name, CURVES) for name in names]
    if any(run.optimizer in COUPLED_DECAY for run in plan_runs(section).values()):
        found.append(Figure("grokfast_repository", CURVES))
    if progress_runs(plan_runs(section)):
        found.append(Figure("progress", {**CURVES, "progress": "progress"}))
    if section["llc"]:
        found += [
            Figure("llc", {**CURVES, "llc": "llc", "lead": "llc_lead"}),
            Figure("llc_final", {**CURVES, "llc": "llc"}),
        ]
    return found


STUDY = Study(
    name="grokking",
    title="Grokking",
    check_config=check_study_config,
    figures=figures,
    findings=findings,
    rules={
        "grokking_train": Placement.GPU_TRAINING,
        "grokking_metrics": Placement.LOGIN,
        "grokking_progress": Placement.CPU,
        "grokking_llc_trajectory": Placement.CPU,
        "grokking_llc": Placement.CPU,
        "grokking_llc_lead": Placement.LOGIN,
    },
)
