"""The runs of the grokking study: the optimizer variants' settings."""

import pytest

from phenomena.common.config import load_config
from phenomena.grokking.runs import GrokkingRun, resolved_settings


@pytest.mark.parametrize("factor", [3.0, 0.5])
def test_step_control_keeps_the_decay_per_step_and_scales_the_step(repo, factor):
    study = load_config(repo / "config/config.yaml")["grokking"]
    study["optimizer"]["step_control_factor"] = factor
    baseline = resolved_settings(study, GrokkingRun("add", 97, 0.3, 1.0, "adamw", 0))["optimizer"]
    control = resolved_settings(study, GrokkingRun("add", 97, 0.3, 1.0, "adamw_step_control", 0))["optimizer"]
    grokfast = resolved_settings(study, GrokkingRun("add", 97, 0.3, 1.0, "grokfast", 0))["optimizer"]
    # PyTorch's AdamW shrinks every weight by lr * wd per step: the same for the control
    assert control["lr"] * control["weight_decay"] == pytest.approx(baseline["lr"] * baseline["weight_decay"])
    assert control["lr"] == pytest.approx(factor * baseline["lr"])
    assert control["grokfast"] is None and grokfast["grokfast"] is not None
    assert (grokfast["lr"], grokfast["weight_decay"]) == (baseline["lr"], baseline["weight_decay"])
