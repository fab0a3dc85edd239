"""bench/gpu_check.py, the GPU path, kept from rotting: its CPU run at tiny sizes, through the same code."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

SLICES = {
    "grokking",
    "grokking_resume",
    "grokking_llc",
    "double_descent",
    "double_descent_bf16-mixed",
    "tree_search_iteration",
    "tree_search_iteration_cpu",
    "tree_search_selfplay",
    "tree_search_arena",
    "diffusion",
    "zero_init",
}


@pytest.mark.slow  # ~13 s on a 2-core CPU, most of it imports
def test_gpu_check_runs_every_slice_on_the_cpu_at_tiny_sizes(repo, tmp_path):
    command = [sys.executable, "bench/gpu_check.py", "--device", "cpu", "--tiny", "--out", str(tmp_path)]
    done = subprocess.run(command, cwd=repo, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "gpu_check-cpu-tiny.json").read_text())
    rows = {row["slice"]: row for row in report["rows"]}
    assert set(rows) == SLICES and len(report["rows"]) == len(SLICES)
    for name, row in rows.items():
        if row.get("note", "").startswith("skipped: devinterp missing"):
            assert name == "grokking_llc"  # the optional extra 'slt'
            continue
        assert row["throughput"] > 0 and row["work"] > 0, row
        assert row["placement"].endswith("on cpu"), row
    assert "| grokking |" in done.stdout  # the markdown table
