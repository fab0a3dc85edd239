"""The ``results`` key: an overlay with a results folder of its own builds beside the default's
results and never over them, and ``phenomena.compare`` prints both folders' findings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from phenomena.studies import STUDY_NAMES
from workflow_copies import REPO, SMOKE, snakemake

pytestmark = pytest.mark.slow

OVERLAY = """results: results/alt
perturbation:
  datasaurus: {frames: 4}
"""


def files_with_stamps(folder: Path, skip: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder`` except those under ``skip``: its bytes and mtime (ns)."""
    return {
        str(path.relative_to(folder)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and skip not in path.parents
    }


def test_an_overlay_with_its_own_results_folder_leaves_the_defaults_files_untouched(smoke_pipeline):
    workdir = smoke_pipeline[0]
    (workdir / "alt.yaml").write_text(OVERLAY)
    overlay = [*SMOKE, "alt.yaml"]
    alt = workdir / "results/alt"
    before = files_with_stamps(workdir / "results", skip=alt)

    planned = snakemake(workdir, "-n", "--quiet", "rules", *overlay).stdout
    assert "results/alt" in snakemake(workdir, "-n", "perturbation", *overlay).stdout
    assert planned  # the whole smoke DAG is planned anew under results/alt
    snakemake(workdir, "perturbation", "--cores", "2", *overlay)

    assert files_with_stamps(workdir / "results", skip=alt) == before
    assert (alt / "perturbation/findings.parquet").exists()
    assert list((alt / "perturbation/figures").glob("*.png"))
    assert not (workdir / "results/alt/alt").exists()

    compared = subprocess.run(
        [sys.executable, "-m", "phenomena.compare", "results", "results/alt"],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    header, *rows = compared.splitlines()
    assert header.split()[-2:] == ["results", "results/alt"]
    perturbation_rows = [row.split() for row in rows if row.split()[0] == "perturbation"]
    assert len(perturbation_rows) >= 3
    assert all("-" not in row for row in perturbation_rows), "a finding is missing from one folder"


EXAMPLES = sorted((REPO / "config/examples").glob("*.yaml"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_each_worked_overlay_plans_every_output_under_its_own_results_folder(example):
    folder = yaml.safe_load(example.read_text())["results"]
    study = next(name for name in STUDY_NAMES if example.stem.startswith(name))
    assert folder == f"results/examples/{example.stem}"
    done = snakemake(REPO, study, "-n", "--nolock", "--configfile", str(example.relative_to(REPO)))
    outputs = [
        path.strip()
        for line in done.stdout.splitlines()
        if line.strip().startswith("output:")
        for path in line.split(":", 1)[1].split(",")
    ]
    assert outputs and all(path.startswith(folder + "/") for path in outputs), outputs[:5]
