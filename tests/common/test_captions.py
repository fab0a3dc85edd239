"""Every figure a study declares has its report caption, and the caption says what to look for
(the browser test of the report waits for that line: a caption without it fails only there, slowly)."""

from __future__ import annotations

from pathlib import Path

import pytest

from phenomena.common.config import load_config
from phenomena.studies import all_studies

CONFIG = load_config(Path(__file__).resolve().parents[2] / "config/config.yaml")


@pytest.mark.parametrize(
    ("study", "figure"),
    [(study.name, figure.name) for study in all_studies() for figure in study.figures(CONFIG[study.name])],
)
def test_every_figure_has_a_caption_that_says_what_to_look_for(repo, study, figure):
    caption = repo / "workflow/report" / study / f"{figure}.rst"
    assert caption.exists(), f"{caption} is missing"
    assert "What to look for" in caption.read_text(), f"{caption} does not say what to look for"
