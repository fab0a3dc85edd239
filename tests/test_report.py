"""The Snakemake report of the smoke pipeline: every figure with its caption, every study's
findings, checked in the HTML and in a real headless browser."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from phenomena.common.provenance import lock_summary
from workflow_copies import FIGURES, SMOKE, SMOKE_STUDIES, snakemake

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(smoke) -> Path:
    snakemake(smoke, "--report", "report.html", *SMOKE)
    return smoke / "report.html"


def test_report_holds_every_figure_with_its_caption(report):
    html = report.read_text()
    for study, figures in FIGURES.items():
        for figure in figures:
            assert f"{figure}.png" in html, (study, figure)
    assert "What to look for" in html
    assert "add mod 47" in html  # captions render the config that made the figure
    assert re.search(r"Connect Four 5 columns x(\\n|\s)+4 rows", html)  # newlines escaped in the html
    assert f"lock={lock_summary()}" in html  # each figure's job parameters name the environment's lock


CHROMIUM_FLAGS = [  # headless, and no calls home: this machine's network is closed
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
GENERAL_PAGES = {"Workflow", "Statistics", "About"}


def chromium_or_skip() -> str:
    """The system Chromium; CI (PHENOMENA_REQUIRE_BROWSER=1) fails instead of skipping."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        chromium = None
    if chromium is None:
        reason = "needs Debian's chromium and the dev extra's playwright"
        if os.environ.get("PHENOMENA_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    return chromium


def open_category(page, report: Path, category: str) -> None:
    """The report's home page, then the list of one category's results."""
    page.goto(report.as_uri())
    page.get_by_text(category, exact=True).click()


def test_report_shows_every_figure_and_caption_in_a_real_browser(report, smoke, tmp_path):
    """Click through the report as a reader would: every category, every figure, every caption."""
    from playwright.sync_api import sync_playwright

    figures = {str(path.relative_to(smoke)) for path in smoke.glob("results/*/figures/*.png")}
    shown = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_or_skip(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(report.as_uri())
        page.screenshot(path=tmp_path / "report_home.png")
        menu = page.locator("ul:has(> li.uppercase:text-is('Results')) > li > a").all_inner_texts()
        categories = [name for name in menu if name not in GENERAL_PAGES]
        assert len(categories) == len(SMOKE_STUDIES), menu
        for category in categories:
            open_category(page, report, category)
            names = [
                text.strip() for text in page.locator("tr:has(a[iconname=eye]) > td:first-child").all_inner_texts()
            ]
            for name in names:
                open_category(page, report, category)
                row = page.locator("tr", has_text=name)
                row.locator("a[iconname=eye]").click()
                if name.endswith(".html"):  # a findings table or the animation's page, in a frame
                    shown[name] = page_in_a_frame_renders(page, name)
                else:
                    image = page.locator("img[src^='data:image/png']")  # the figure, not the report's SVG logo
                    image.wait_for()
                    shown[name] = image.evaluate("i => i.complete && i.naturalWidth > 0 && i.naturalHeight > 0")
                page.screenshot(path=tmp_path / f"{Path(name).stem}.png")
                row.locator("a[iconname=information-circle]").click()  # the caption replaces the list
                page.get_by_text("What to look for").first.wait_for()
        page.goto(report.as_uri())
        page.get_by_text("Statistics", exact=True).click()
        page.screenshot(path=tmp_path / "report_statistics.png")
        browser.close()
    pages = {str(path.relative_to(smoke)) for path in smoke.glob("results/*/findings.html")}
    pages |= {str(path.relative_to(smoke)) for path in smoke.glob("results/*/figures/*.html")}
    assert set(shown) == figures | pages
    assert all(shown.values()), [name for name, rendered in shown.items() if not rendered]


def page_in_a_frame_renders(page, name: str) -> bool:
    """An HTML entry of the report opens in a frame: a findings page shows its table, the
    animation page its GIF, loaded."""
    frame = page.frame_locator("iframe").first
    if name.endswith("findings.html"):
        frame.locator("table td").first.wait_for()
        return frame.locator("table tr").count() >= 4  # a header and at least three findings
    image = frame.locator("img[src^='data:image/gif']")
    image.wait_for()
    return image.evaluate("i => i.complete && i.naturalWidth > 0")
