"""Two results folders' findings side by side: ``python -m phenomena.compare results results/alt``.

Each folder is a ``results`` root of the workflow (config key ``results``); for every study
with a findings table in either, one line per finding: its estimate and interval in each
folder and the verdicts, so a changed knob's effect on every answer reads at a glance.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from phenomena.common.findings import read_findings


def existing_findings(root: Path) -> pd.DataFrame:
    """Every study's findings under the results root ``root``, as one table."""
    frames = list(read_findings(root).values())
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["study", "finding"])


def interval_text(row: pd.Series) -> str:
    if pd.isna(row.get("estimate")):
        return "-"
    text = f"{row['estimate']:.3g}"
    if np.isfinite(row["low"]) and np.isfinite(row["high"]):
        text += f" [{row['low']:.3g}, {row['high']:.3g}]"
    return f"{text} {row['verdict']}"


def side_by_side(first: pd.DataFrame, second: pd.DataFrame, names: tuple[str, str]) -> pd.DataFrame:
    """One row per (study, finding) present in either table, each folder's estimate as text."""
    keys = ["study", "finding"]
    merged = first.merge(second, on=keys, how="outer", suffixes=("_1", "_2"))
    rows = []
    for _, row in merged.iterrows():
        one = {column[:-2]: value for column, value in row.items() if column.endswith("_1")}
        two = {column[:-2]: value for column, value in row.items() if column.endswith("_2")}
        rows.append(
            {
                "study": row["study"],
                "finding": row["finding"],
                names[0]: interval_text(pd.Series(one)),
                names[1]: interval_text(pd.Series(two)),
            }
        )
    return pd.DataFrame(rows, columns=[*keys, *names])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m phenomena.compare", description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path, help="a results folder (e.g. results)")
    parser.add_argument("second", type=Path, help="another results folder (e.g. results/alt)")
    arguments = parser.parse_args(argv)
    tables = []
    for root in (arguments.first, arguments.second):
        if not root.is_dir():
            parser.error(f"{root}: no such folder")
        table = existing_findings(root)
        if table.empty:
            print(f"{root}: no findings yet; build them with snakemake findings (results: {root})", file=sys.stderr)
        tables.append(table)
    names = (str(arguments.first), str(arguments.second))
    if names[0] == names[1]:
        names = (f"{names[0]} (1)", f"{names[1]} (2)")
    with pd.option_context("display.width", 250, "display.max_rows", 500, "display.max_colwidth", 80):
        print(side_by_side(*tables, names).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
