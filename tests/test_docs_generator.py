"""``python -m phenomena.docs`` on the smoke results: the README's results table and every
study page's findings table are rewritten from the findings tables, with their provenance."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from phenomena.common.tables import read_parquet
from phenomena.studies import STUDY_NAMES
from workflow_copies import REPO


@pytest.mark.slow
def test_the_docs_are_regenerated_from_the_smoke_findings(smoke_pipeline):
    workdir = smoke_pipeline[0]
    shutil.copy(REPO / "README.md", workdir)
    shutil.copytree(REPO / "docs", workdir / "docs", dirs_exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "phenomena.docs", "results", "--repo", "."],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    readme = (workdir / "README.md").read_text()
    block = readme.split("<!-- findings:start", 1)[1].split("<!-- findings:end -->", 1)[0]
    for study in STUDY_NAMES:
        findings = read_parquet(workdir / f"results/{study}/findings.parquet")
        page = (workdir / f"docs/studies/{study}.md").read_text()
        for statement, question in zip(findings["statement"], findings["question"]):
            assert statement.replace("|", "\\|") in page, f"{study}: {statement!r} missing from its page"
            assert question.replace("|", "\\|") in block, f"{study}: {question!r} missing from the README"
        assert list((workdir / f"docs/figures/{study}").glob("*.png"))
    assert "by `python -m phenomena.docs results`" in block and "commit " in block
    assert "| study | reproduced | paper claims reproduced | not reproduced |" in block
    assert "| grokking | " in block.split("| study | question |", 1)[0]  # a row per study before the findings


def test_a_missing_results_folder_fails_with_one_line(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "phenomena.docs", str(tmp_path / "nothing"), "--repo", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("phenomena: ") and "snakemake findings" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
