"""The docs a user reads stay true: links resolve, nothing points outside the repository, the
defaults the config pages give are config.yaml's, and the README stays a front page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
PAGES = sorted([REPO / "README.md", REPO / "bench/README.md", *REPO.glob("docs/**/*.md"), *REPO.glob("config/*.md")])
LINK = re.compile(r"\]\(([^)\s]+)\)|<img src=\"([^\"]+)\"")
# The project's own issues and the people who worked on them mean nothing to a user (an upstream
# project's issue, "plugin issue #469", is a citation and stays).
OUTSIDE = re.compile(r"\.\./shared|note for issue|(?<!plugin )\bissues? #?\d+|helper's|other engineers", re.I)


def heading_anchors(page: Path) -> set[str]:
    """GitHub's anchors of a Markdown page's headings."""
    anchors = set()
    for line in page.read_text().splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(REPO)))
def test_every_relative_link_resolves(page):
    broken = []
    for match in LINK.finditer(page.read_text()):
        target = match.group(1) or match.group(2)
        if re.match(r"[a-z]+:", target):  # a web address: not checked offline
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            broken.append(target)
        elif anchor and resolved.suffix == ".md" and anchor not in heading_anchors(resolved):
            broken.append(f"{target} (no such heading)")
    assert not broken, f"{page.relative_to(REPO)}: broken links: {broken}"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(REPO)))
def test_nothing_points_outside_the_repository_or_to_the_people_who_wrote_it(page):
    found = [line.strip() for line in page.read_text().splitlines() if OUTSIDE.search(line)]
    assert not found, f"{page.relative_to(REPO)}: {found}"


def test_the_readme_is_a_front_page():
    lines = (REPO / "README.md").read_text().splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines"
    first_command = next(number for number, line in enumerate(lines, 1) if "snakemake --cores all" in line)
    assert first_command <= 40, f"the first command is on line {first_command}"


def documented_defaults(page: Path) -> list[tuple[str, str]]:
    """(key, default) of each key a config page's tables give a default for. A part's table
    follows a line that starts with its name in bold (``**`datasaurus`**: ...``), which
    prefixes its keys; a row naming several keys gives as many defaults, comma-separated."""
    rows, part = [], ""
    for line in page.read_text().splitlines():
        if heading := re.match(r"\*\*`(\w+)`\*\*", line):
            part = heading[1] + "."
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not re.fullmatch(r"`[\w.]+`(, `[\w.]+`)*", cells[0]):
            continue
        keys = [key.strip("`") for key in cells[0].split(", ")]
        parent = keys[0].rpartition(".")[0]  # `a.b.c`, `d`: d is a.b.d
        keys = [part + (key if "." in key or not parent else f"{parent}.{key}") for key in keys]
        defaults = [cells[2]] if len(keys) == 1 else cells[2].split(", ")
        if len(defaults) == len(keys):
            rows.extend(zip(keys, defaults))
    return rows


def parsed_default(text: str):
    """The default as YAML, or None where the cell is prose (``see file``, a note in brackets)."""
    text = re.sub(r"\s*\((paper|smoke)[^)]*\)", "", text).strip()
    if not text or "see " in text or "..." in text or text.startswith(("all", "both", "training")):
        return None
    try:
        return yaml.safe_load(text.replace("`", ""))
    except yaml.YAMLError:
        return None


def config_value(config: dict, dotted: str):
    value = config
    for part in dotted.split("."):
        value = value[part]
    return value


@pytest.mark.parametrize(
    "section", ["grokking", "double_descent", "tree_search", "perturbation", "inductive_bias", "slt", None]
)
def test_every_default_a_config_page_gives_is_config_yamls(section):
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    page = REPO / "config" / (f"{section}.md" if section else "README.md")
    scope = config[section] if section else config
    checked, wrong = 0, []
    for key, cell in documented_defaults(page):
        default = parsed_default(cell)
        if default is None:
            continue
        checked += 1
        try:
            actual = config_value(scope, key)
        except (KeyError, TypeError):
            wrong.append(f"{key}: documented but not in config.yaml")
            continue
        if isinstance(actual, list) and isinstance(default, str):  # a list written 4, 16
            default = parsed_default(f"[{default}]")
        if actual != default:
            wrong.append(f"{key}: page says {default!r}, config.yaml has {actual!r}")
    assert checked >= 3, f"{page.name}: only {checked} defaults could be read"
    assert not wrong, f"{page.relative_to(REPO)}: " + "; ".join(wrong)
