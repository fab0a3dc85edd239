"""Regenerate the docs' answers from a results folder: ``python -m phenomena.docs results``.

The README's results table and each study page's findings table (``docs/studies/<study>.md``)
sit between marker lines; this command rewrites what lies between them from the findings
tables (``<results>/<study>/findings.parquet``), with the commit, config hash and date they
came from, and copies the figures into ``docs/figures/<study>/``. So no answer in the docs is
typed by hand, and a changed result shows up as a diff of the docs.
"""

from __future__ import annotations

import argparse
import datetime
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from phenomena.common.files import write_text_atomic
from phenomena.common.findings import read_findings, study_reproduced

START, END = "<!-- findings:start (python -m phenomena.docs) -->", "<!-- findings:end -->"


def interval_cell(row: pd.Series) -> str:
    """``[low, high]`` with the method and units, or the method alone where there is no interval."""
    units = f"{int(row['n_units'])} {row['units']}"
    if np.isfinite(row["low"]) and np.isfinite(row["high"]):
        return f"[{row['low']:.3g}, {row['high']:.3g}] ({row['interval_method']}, {units})"
    return f"{row['interval_method']} ({units})"


def markdown_cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def findings_markdown(table: pd.DataFrame) -> str:
    """A study's findings as Markdown, for its page: the whole statement, interval, verdict, control."""
    lines = ["| finding | 95% interval | verdict | reproduced (paper) | control |", "|---|---|---|---|---|"]
    for _, row in table.iterrows():
        cells = [row["statement"], interval_cell(row), row["verdict"], reproduced_cell(row), row["control"] or "-"]
        lines.append("| " + " | ".join(markdown_cell(cell) for cell in cells) + " |")
    return "\n".join(lines)


def reproduced_cell(row: pd.Series) -> str:
    """``yes (Power et al. 2022)`` for a finding that tests a paper's claim, ``-`` otherwise."""
    if not row.get("reproduced"):
        return "-"
    source = str(row["paper"]).split(": ", 1)[-1]
    return f"{row['reproduced']} ({source})"


def studies_markdown(tables: dict[str, pd.DataFrame]) -> str:
    """One row per study: whether it reproduces the claims of the papers it tests (every claim:
    yes; none: no; some: partly), with the count and the claims not reproduced."""
    lines = ["| study | reproduced | paper claims reproduced | not reproduced |", "|---|---|---|---|"]
    for name, table in tables.items():
        claims = table[table["reproduced"] != ""]
        count = f"{(claims['reproduced'] == 'yes').sum()} of {len(claims)}"
        missed = [f"{row.finding} ({row.reproduced})" for row in claims.itertuples() if row.reproduced != "yes"]
        lines.append(f"| {name} | {study_reproduced(table)} | {count} | {', '.join(missed) or '-'} |")
    return "\n".join(lines)


def glance_markdown(table: pd.DataFrame) -> str:
    """Every study's findings in short, for the README: the question, the estimate with its
    interval, the verdict, and whether it reproduces the paper's claim it tests (the whole
    statement is on the study's page)."""
    lines = [
        "| study | question | estimate [95% interval] | verdict | reproduced (paper) |",
        "|---|---|---|---|---|",
    ]
    for _, row in table.iterrows():
        estimate = f"{row['estimate']:.3g} {interval_cell(row)}" if np.isfinite(row["estimate"]) else "-"
        cells = [row["study"], row["question"], estimate, row["verdict"], reproduced_cell(row)]
        lines.append("| " + " | ".join(markdown_cell(cell) for cell in cells) + " |")
    return "\n".join(lines)


def provenance_line(table: pd.DataFrame, results: Path) -> str:
    short = {str(commit)[:12] + "-dirty" * str(commit).endswith("-dirty") for commit in table["commit"]}
    commits = ", ".join(sorted(short)) or "unknown"
    day = datetime.date.today().isoformat()
    return f"Generated {day} from `{results}` (commit {commits}) by `python -m phenomena.docs {results}`."


def replace_between_markers(text: str, block: str, where: Path) -> str:
    if START not in text or END not in text:
        raise ValueError(f"{where}: no marker lines {START!r} ... {END!r} to write the findings between")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    return f"{before}{START}\n{block}\n{END}{after}"


def regenerate(results: Path, repo: Path) -> list[Path]:
    """Rewrite the README's and the study pages' findings blocks and copy the figures; returns
    the files written."""
    tables = read_findings(results)
    if not tables:
        raise FileNotFoundError(f"{results}: no <study>/findings.parquet; build them with snakemake findings")
    written = []
    for name, table in tables.items():
        page = repo / "docs" / "studies" / f"{name}.md"
        block = findings_markdown(table) + "\n\n" + provenance_line(table, results)
        write_text_atomic(page, replace_between_markers(page.read_text(), block, page))
        written.append(page)
        figures = repo / "docs" / "figures" / name
        for figure in sorted((results / name / "figures").glob("*.png")):
            figures.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(figure, figures / figure.name)
            written.append(figures / figure.name)
    everything = pd.concat(tables.values(), ignore_index=True)
    readme = repo / "README.md"
    block = "\n\n".join([studies_markdown(tables), glance_markdown(everything), provenance_line(everything, results)])
    write_text_atomic(readme, replace_between_markers(readme.read_text(), block, readme))
    return [readme, *written]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m phenomena.docs", description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, nargs="?", default=Path("results"), help="results folder")
    parser.add_argument("--repo", type=Path, default=Path("."), help="the checkout whose docs to rewrite")
    arguments = parser.parse_args(argv)
    try:
        written = regenerate(arguments.results, arguments.repo)
    except (FileNotFoundError, ValueError) as error:
        print(f"phenomena: {error}", file=sys.stderr)
        return 1
    print(f"wrote {len(written)} files: README.md, docs/studies/*.md, docs/figures/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
