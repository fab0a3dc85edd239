"""The grokking study's findings (:mod:`phenomena.common.findings`): their questions, tables and
sentences. The estimators: steps (delay, speed-ups, train fraction) in :mod:`.findings_steps`,
the LLC in :mod:`.findings_llc`, the progress measures in :mod:`.progress_findings`.

The unit is a training seed (a split and an initialization); see :mod:`.findings_steps` for how
runs that never reached 95% validation accuracy (censored) are counted.
"""

from __future__ import annotations

from phenomena.common.findings import Finding
from phenomena.grokking.findings_llc import llc_fall_estimate, llc_lead_estimate
from phenomena.grokking.findings_steps import (
    ADAM,
    CI,
    GROKFAST,
    REPOSITORY,
    REPOSITORY_ARMS,
    SAME_DECAY,
    fraction_effect,
    grokking_delay,
    speedup,
)
from phenomena.grokking.progress_findings import progress_findings

LEFT_BASIN = (
    "LLC estimates left out because their chains left the basin (sampled loss above chance, log p): {left_basin}."
)


def findings(section: dict) -> list[Finding]:
    """The study's findings; the LLC ones only when ``llc`` is set, the progress measures' after them."""
    found = [
        Finding(
            "grokking_delay",
            "How much longer does the network need to generalize than to fit its training set?",
            ("summary",),
            grokking_delay,
            "At train fraction {fraction:g} AdamW with weight decay needs {estimate:.1f}x as many steps for 95% "
            "validation accuracy as for 99% training accuracy (" + CI + "; {reached} of {runs} runs got there); "
            "without weight decay {memorizers_reached} of {memorizers} runs reached 95% within {memorizer_budget:,.0f} "
            "steps (exact 95% CI of the share {control_low:.2f}-{control_high:.2f}).",
            control="AdamW without weight decay on the same splits: the share that reached 95% validation accuracy",
            null=1.0,
            paper=("above", "Power et al. 2022"),
        ),
        Finding(
            "grokfast_speedup",
            "Does Grokfast-EMA generalize sooner than AdamW at the same learning rate and weight decay?",
            ("summary",),
            speedup(("grokfast", True), ("adamw", True), ("adamw_step_control", True), SAME_DECAY, GROKFAST),
            "Grokfast-EMA reaches 95% validation accuracy {speedup} as fast as AdamW at the same lr and weight decay "
            "(below 1: slower; reached by {counted} and {baseline_counted}); the step-size control (AdamW, k x lr, "
            "wd / k; reached by {control_reached}): {control_text}.",
            control="AdamW at k times the lr and wd / k (the same decay per step, a bigger step), same seeds",
            null=1.0,
            paper=("above", "Lee et al. 2024"),
        ),
        Finding(
            "step_control_speedup",
            "Does a k-times bigger AdamW step at the same decay per step generalize sooner than AdamW?",
            ("summary",),
            speedup(("adamw_step_control", True), ("adamw", True), on=SAME_DECAY, nouns=("step-control", "AdamW")),
            "AdamW at k x lr and wd / k reaches 95% validation accuracy {speedup} as fast as AdamW (below 1: slower; "
            "reached by {counted} and {baseline_counted}).",
            null=1.0,
        ),
        Finding(
            "grokfast_repository",
            "The Grokfast repository's comparison: how much of its speed-up over Adam is the weight decay?",
            ("summary",),
            speedup(("grokfast_adam", None), ADAM, ("adam_l2", None), nouns=REPOSITORY_ARMS),
            REPOSITORY + " against Adam without weight decay (this study's lr): 95% validation accuracy reached by "
            "{counted} and {baseline_counted}; speed-up {speedup}. The same Adam with the same L2 decay and no "
            "filter (reached by {control_reached}): {control_text}.",
            control="Adam with the same L2 weight decay and no filter, against the same Adam runs",
            null=1.0,
            paper=("above", "Lee et al. 2024, their repository's comparison"),
        ),
        Finding(
            "grokfast_filter_with_l2",
            "At the Grokfast repository's weight decay, how much does the filter itself add?",
            ("summary",),
            speedup(("grokfast_adam", None), ("adam_l2", None), on=SAME_DECAY, nouns=REPOSITORY_ARMS[::2]),
            REPOSITORY + " reaches 95% validation accuracy {speedup} as fast as Adam with the same L2 decay and no "
            "filter (reached by {counted} and {baseline_counted}).",
            null=1.0,
        ),
        Finding(
            "fraction_effect",
            "How much longer does a smaller training set make the wait?",
            ("summary",),
            fraction_effect,
            "At train fraction {small:g} AdamW needs {bound}{estimate:.2f}x the steps to 95% validation accuracy it "
            "needs at {large:g} (" + CI + "; paired by seed number, the splits differ).",
            null=1.0,
            paper=("above", "Power et al. 2022"),
        ),
    ]
    if section.get("llc"):
        found += [
            Finding(
                "llc_lead",
                "Does the LLC fall before validation accuracy jumps, and is that fall specific to grokking?",
                ("llc_lead",),
                llc_lead_estimate,
                "The LLC crosses the geometric midpoint of its maximum (once the training set is fit) and its last "
                "value at steps {crossings}, before the jump to 95% validation accuracy at {jumps}: a lead of "
                "{estimate:.2f}x (" + CI + "). The memorizing controls' LLCs cross their own midpoints at "
                "{control_crossings}; the jump steps over those: {control_text}. " + LEFT_BASIN,
                control="the weight-decay-0 AdamW run on the same split: its own LLC crossing, same definition",
                null=1.0,
            ),
            Finding(
                "llc_fall",
                "Does the LLC fall further in a grokking run than in its memorizing control?",
                ("llc_lead",),
                llc_fall_estimate,
                "From its maximum to its last snapshot the LLC of a grokking run falls {run_fall:.2f} decades, its "
                "memorizing control's {control_estimate:.2f} (95% CI {control_low:.2f}-{control_high:.2f}): "
                "{estimate:.2f} decades more (" + CI + "). " + LEFT_BASIN,
                control="the weight-decay-0 AdamW run on the same split: its LLC's fall, same definition",
            ),
        ]
    return found + progress_findings(section)
