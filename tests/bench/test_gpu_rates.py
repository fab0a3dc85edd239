"""bench/gpu_rates.py (``gpu_check.py --write-rates``): a hand-made GPU check's rows become measured ``gpu``
entries of a copy of the rates file, and the estimate then prints those GPU-hours as measured."""

from __future__ import annotations

import copy
import json
import sys

import pytest

from phenomena import estimate
from phenomena.common.config import load_config

sys.path.insert(0, str(estimate.REPO / "bench"))  # the bench's modules import each other by name

import gpu_rates  # noqa: E402

FAKE_REPORT = {  # as gpu_check.py writes <out>/gpu_check-cuda.json (figures made up)
    "started": "2026-12-08T10:00:00+00:00",
    "tiny": False,
    "device": "cuda",
    "device_name": "NVIDIA H100 80GB HBM3",
    "rows": [
        {"slice": "grokking", "what": "transformer d128, p=113, 500 steps", "unit": "steps/s"}
        | {"throughput": 200.0, "work": 400, "seconds": 2.0},
        {"slice": "double_descent", "what": "ResNet-18 k=64, batch 128, 32-true, 3 epochs of 32 steps"}
        | {"unit": "steps/s", "throughput": 16.0, "work": 64, "seconds": 4.0},
        {"slice": "tree_search_iteration", "what": "7x6, MLP 512x4", "unit": "games/s", "throughput": 50.0}
        | {"work": 256, "seconds": 5.12},
        {"slice": "zero_init", "error": "RuntimeError: made up", "wall_seconds": 1.0},
    ],
}
PAPER = load_config(estimate.DEFAULT_CONFIG, estimate.REPO / "config/paper.yaml")


@pytest.fixture
def rates_copy(tmp_path):
    path = tmp_path / "rates.json"
    path.write_text(estimate.RATES_FILE.read_text())
    return path


def test_the_grokking_and_resnet_rows_become_measured_entries(rates_copy):
    real, before = estimate.RATES_FILE.read_bytes(), json.loads(rates_copy.read_text())
    written = gpu_rates.write_rates(FAKE_REPORT, rates_copy)
    after = json.loads(rates_copy.read_text())
    assert estimate.RATES_FILE.read_bytes() == real  # the real file is left alone
    assert set(written) == {"grokking_step", "dd_resnet18_example_param"}
    for unit, entry in after["gpu"].items():
        if unit in written:
            assert entry["measured"] is True and entry["device_name"] == "NVIDIA H100 80GB HBM3"
            assert entry["date"] == "2026-12-08" and entry["row"].startswith(("grokking:", "double_descent:"))
        else:
            assert entry == before["gpu"][unit]  # the others stay assumed
    assert not after["gpu_assumption"].endswith(gpu_rates.NO_MEASURED_GPU)
    for name, (_, units_of) in gpu_rates.CONVERSIONS.items():  # at the new rates, each row costs its seconds
        row = next(row for row in FAKE_REPORT["rows"] if row["slice"] == name)
        units = units_of(row, PAPER)
        seconds = sum(count * after["gpu"][unit]["seconds_per_unit"] for unit, count in units.items())
        assert seconds == pytest.approx(row["seconds"])


def paper_report(rates: dict) -> str:
    """The estimate's report of the paper preset, its jobs counted by the cost models (no dry run)."""
    counts = {}
    for name, model in estimate.cost_models().items():
        counts |= {rule: len(jobs) for rule, jobs in estimate.study_jobs(model, name, PAPER, rates).items()}
    return estimate.report(PAPER, counts, rates, 8, 2.0)


def test_the_estimate_prints_those_gpu_hours_as_measured(rates_copy):
    assumed = paper_report(json.loads(rates_copy.read_text()))
    gpu_rates.write_rates(FAKE_REPORT, rates_copy)
    measured = paper_report(json.loads(rates_copy.read_text()))
    assert "m: GPU-hours" not in assumed
    line = next(line for line in measured.splitlines() if line.startswith("m: GPU-hours"))
    assert "NVIDIA H100 80GB HBM3, 2026-12-08" in line
    assert "grokking_train (grokking_step)" in line and "double_descent_train (dd_resnet18_example_param)" in line
    assert "tree_search" not in line
    rows = {line.split()[0]: line for line in measured.splitlines()[1:]}
    assert rows["grokking"].split()[-3].endswith("m") and rows["double_descent"].split()[-3].endswith("m")
    assert not rows["tree_search"].split()[-3].endswith("m")  # assumed: unmarked (the header's *)
    assert "NOT measured" in measured  # the other rules' rates


def test_tiny_or_cpu_runs_are_refused_in_one_line(rates_copy):
    text = rates_copy.read_text()
    for device, tiny in (("cuda", True), ("cpu", False), ("cpu", True)):
        with pytest.raises(ValueError) as refused:
            gpu_rates.write_rates(copy.deepcopy(FAKE_REPORT) | {"device": device, "tiny": tiny}, rates_copy)
        assert "\n" not in str(refused.value) and "not a GPU run" in str(refused.value)
    assert rates_copy.read_text() == text
    assert gpu_rates.refusal("cuda", False) is None
