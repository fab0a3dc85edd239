"""docs/adding_a_study.md, followed to the letter: a throwaway study added to a copy of the
workflow runs end to end, and outside its own files only the shared files the doc names change."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from workflow_copies import REPO, copy_workflow

pytestmark = pytest.mark.slow

# The doc's list of shared files a new study touches (its own files are all new).
SHARED_FILES_TOUCHED = {"src/phenomena/studies.py", "config/config.yaml"}

TOY_FILES = {
    "src/phenomena/toy/__init__.py": '"""A throwaway study: a straight line, drawn."""\n',
    "src/phenomena/toy/study.py": """\
from phenomena.common.study import Figure, Placement, Study


def check_config(section):
    if section["points"] < 2:
        from phenomena.common.config import ConfigError

        raise ConfigError(f"config key toy.points: got {section['points']}; a line needs at least 2")


STUDY = Study(
    name="toy",
    title="Toy",
    check_config=check_config,
    figures=lambda section: [Figure("line", {"points": "points"})],
    rules={"toy_points": Placement.LOGIN},
)
""",
    "src/phenomena/toy/figures/__init__.py": "",
    "src/phenomena/toy/figures/line.py": """\
import matplotlib.pyplot as plt


def plot(points):
    figure, axis = plt.subplots()
    axis.plot(points["step"], points["value"])
    return figure
""",
    "workflow/rules/toy.smk": """\
rule toy_points:
    output:
        "results/toy/metrics/points.parquet",
    log:
        "results/toy/logs/points.log",
    params:
        section=config["toy"],
    script:
        "../scripts/toy_points.py"
""",
    "workflow/scripts/toy_points.py": """\
import pandas as pd

from phenomena.common.tables import to_tidy, write_parquet

section = snakemake.params.section  # noqa: F821
steps = range(section["points"])
rows = {"study": "toy", "run": "line", "seed": 0, "split": "train", "metric": "y"}
frame = pd.DataFrame([{**rows, "step": step, "value": section["slope"] * step} for step in steps])
write_parquet(to_tidy(frame), snakemake.output[0])  # noqa: F821
""",
    "workflow/schemas/toy.schema.yaml": """\
type: object
additionalProperties: false
required: [points, slope]
properties:
  points: {type: integer, minimum: 1}
  slope: {type: number}
""",
    "workflow/report/toy/line.rst": "A straight line. What to look for: it is straight.\n",
}


def add_toy_study(workdir: Path) -> None:
    """The doc's steps: the study's own files, then the shared files it names."""
    for path, text in TOY_FILES.items():
        (workdir / path).parent.mkdir(parents=True, exist_ok=True)
        (workdir / path).write_text(text)
    registry = workdir / "src/phenomena/studies.py"
    text = registry.read_text()
    registry.write_text(re.sub(r"(STUDY_NAMES = \(.*)\)", r'\1, "toy")', text, count=1))
    config = workdir / "config/config.yaml"
    text = re.sub(r"^studies: \[(.*?)\]", r"studies: [\1, toy]", config.read_text(), count=1, flags=re.M)
    config.write_text(text + "\ntoy:\n  points: 5\n  slope: 2.0\n")


def snakemake_with_copy(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    """Snakemake importing the copy's library (PYTHONPATH first), where the toy study lives."""
    env = {**os.environ, "PYTHONPATH": str(workdir / "src")}
    command = [sys.executable, "-m", "snakemake", *args]
    return subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True)


def changed_shared_files(workdir: Path) -> set[str]:
    """Files of the repository whose copy in ``workdir`` differs."""
    changed = set()
    for path in workdir.rglob("*"):
        relative = path.relative_to(workdir)
        original = REPO / relative
        if path.is_file() and "__pycache__" not in relative.parts and original.is_file():
            if path.read_bytes() != original.read_bytes():
                changed.add(str(relative))
    return changed


def test_a_new_study_runs_through_the_workflow_touching_only_the_shared_files_named(tmp_path):
    workdir = copy_workflow(tmp_path / "workflow")
    add_toy_study(workdir)
    assert changed_shared_files(workdir) == SHARED_FILES_TOUCHED
    doc = (REPO / "docs/adding_a_study.md").read_text()
    assert all(f"`{path}`" in doc for path in SHARED_FILES_TOUCHED)

    done = snakemake_with_copy(workdir, "toy", "--cores", "1")
    assert done.returncode == 0, done.stderr[-3000:]
    assert (workdir / "results/toy/figures/line.png").stat().st_size > 1_000
    assert (workdir / "results/toy/figures/line.pdf").exists()
    ran = set(re.findall(r"^(?:local)?rule (\w+):", done.stderr + done.stdout, re.M))
    assert ran == {"toy_points", "toy_figure_line", "toy"}  # nothing of another study

    planned = snakemake_with_copy(workdir, "-n", "--forceall").stdout
    assert "toy_figure_line" in planned and "grokking_train" in planned  # rule all builds it beside the rest

    (workdir / "bad.yaml").write_text("toy: {points: 1}\n")
    refused = snakemake_with_copy(workdir, "-n", "--configfile", "bad.yaml")
    assert refused.returncode != 0
    assert "phenomena: config key toy.points: got 1; a line needs at least 2" in refused.stderr + refused.stdout
