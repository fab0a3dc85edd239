"""Findings as data: what a study answers, declared once, filled from its metric tables.

A study declares its findings (``phenomena/<study>/findings.py``, listed by its
:class:`~phenomena.common.study.Study`): each a question, the metric tables it reads, the
estimator that turns them into an :class:`Estimate` (an interval from
:mod:`phenomena.common.stats`, and the control's where there is one) and a sentence with
slots. The rule ``<study>_findings`` writes ``results/<study>/findings.parquet`` (and a
``.tsv`` and ``.html`` for people and the report): one row per finding. README tables and
docs quote these rows; no number that is an answer is typed into prose.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from phenomena.common.stats import INCONCLUSIVE, NO_EFFECT, Interval, verdict

FINDING_COLUMNS = [
    "study",
    "finding",
    "question",
    "statement",
    "estimate",
    "low",
    "high",
    "level",
    "interval_method",
    "units",
    "n_units",
    "control",
    "control_estimate",
    "control_low",
    "control_high",
    "verdict",
    "paper",
    "reproduced",
    "config_hash",
    "commit",
]
"""The columns of every findings table, in order."""


@dataclass(frozen=True)
class Estimate:
    """What an estimator returns: the finding's interval, the control's (if any), an explicit
    verdict where the interval-vs-null rule does not fit (a detector's count), and extra
    slots for the sentence (``{peak_width}``)."""

    interval: Interval
    control: Interval | None = None
    verdict: str | None = None
    slots: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    """One answer a study gives.

    - ``name``: a short identifier (``grokfast_speedup``), unique in the study.
    - ``question``: what it answers, as a reader would ask it.
    - ``tables``: the metric tables it reads (``results/<study>/metrics/<table>.parquet``).
    - ``estimate``: the estimator, called with those tables as keyword arguments.
    - ``sentence``: the answer with slots ``{estimate}``, ``{low}``, ``{high}``, ``{units}``,
      ``{n_units}``, ``{method}``, ``{control_estimate}``, ``{control_low}``,
      ``{control_high}``, ``{verdict}`` and the estimate's own slots; format specs allowed.
    - ``control``: what the control is ("" where the finding has none).
    - ``null``, ``margin``: the value of no effect and, where stated, the equivalence margin
      under which the verdict is "no effect" (:func:`phenomena.common.stats.verdict`).
    - ``paper``: where the finding tests a published claim, that claim about the estimate
      against ``null`` as ``(side, source)``: side ``above``, ``below`` or ``equal`` (no
      effect), source the citation (``("above", "Lee et al. 2024")``); None where the finding
      is the project's own question or a control. It fills the ``reproduced`` column
      (:func:`reproduced`).
    """

    name: str
    question: str
    tables: tuple[str, ...]
    estimate: Callable[..., Estimate]
    sentence: str
    control: str = ""
    null: float = 0.0
    margin: float | None = None
    paper: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if self.paper is not None and self.paper[0] not in CLAIM_SIDES:
            allowed = ", ".join(CLAIM_SIDES)
            raise ValueError(f"finding {self.name}: paper claim side {self.paper[0]!r}; allowed: {allowed}")


CLAIM_SIDES = ("above", "below", "equal")


def reproduced(side: str, row_verdict: str, estimate: float, null: float) -> str:
    """Whether a finding reproduces the paper's claim: ``yes`` when the verdict is the claim
    (an effect on the claimed side of the null, or no effect where the paper claims none),
    ``no`` when it is the opposite (no effect, an effect on the other side, or an effect
    where the paper claims none), ``inconclusive`` otherwise."""
    if row_verdict == INCONCLUSIVE:
        return INCONCLUSIVE
    if side == "equal":
        return "yes" if row_verdict == NO_EFFECT else "no"
    if row_verdict == NO_EFFECT:
        return "no"
    return "yes" if (estimate > null) == (side == "above") else "no"


def study_reproduced(table: pd.DataFrame) -> str:
    """A study's summary of its findings' ``reproduced`` column: ``yes`` when every paper claim
    it tests is reproduced, ``no`` when none is, ``partly`` otherwise ("-" with no claims)."""
    claims = [value for value in table["reproduced"] if value]
    if not claims:
        return "-"
    if all(value == "yes" for value in claims):
        return "yes"
    return "no" if all(value == "no" for value in claims) else "partly"


def config_hash(section: dict) -> str:
    """A short hash of a study's config section: two findings tables with the same hash come
    from the same settings."""
    text = json.dumps(section, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def finding_row(finding: Finding, tables: dict[str, pd.DataFrame], *, study: str, section_hash: str, commit) -> dict:
    """Run one finding's estimator on its tables and fill its row."""
    result = finding.estimate(**{name: tables[name] for name in finding.tables})
    interval, control = result.interval, result.control
    slots = {
        "estimate": interval.estimate,
        "low": interval.low,
        "high": interval.high,
        "units": interval.units,
        "n_units": interval.n_units,
        "method": interval.method,
        "control_estimate": control.estimate if control else np.nan,
        "control_low": control.low if control else np.nan,
        "control_high": control.high if control else np.nan,
    }
    row_verdict = result.verdict or verdict(interval, finding.null, finding.margin)
    slots["verdict"] = row_verdict
    side, source = finding.paper or ("", "")
    return {
        "study": study,
        "finding": finding.name,
        "question": finding.question,
        "statement": finding.sentence.format(**slots, **result.slots),
        "estimate": interval.estimate,
        "low": interval.low,
        "high": interval.high,
        "level": interval.level,
        "interval_method": interval.method,
        "units": interval.units,
        "n_units": interval.n_units,
        "control": finding.control,
        "control_estimate": slots["control_estimate"],
        "control_low": slots["control_low"],
        "control_high": slots["control_high"],
        "verdict": row_verdict,
        "paper": f"{side}: {source}" if side else "",
        "reproduced": reproduced(side, row_verdict, interval.estimate, finding.null) if side else "",
        "config_hash": section_hash,
        "commit": commit or "",
    }


def findings_table(
    findings: list[Finding], tables: dict[str, pd.DataFrame], *, study: str, section: dict, commit
) -> pd.DataFrame:
    """Every finding of a study as one row each (:data:`FINDING_COLUMNS`)."""
    names = [finding.name for finding in findings]
    if len(set(names)) != len(names):
        raise ValueError(f"study {study} declares a finding name twice: {names}")
    section_hash = config_hash(section)
    rows = [finding_row(f, tables, study=study, section_hash=section_hash, commit=commit) for f in findings]
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def tables_read(findings: list[Finding]) -> list[str]:
    """The metric tables a study's findings read, each once, in the order first named."""
    return list(dict.fromkeys(table for finding in findings for table in finding.tables))


def findings_html(table: pd.DataFrame, title: str) -> str:
    """A findings table as a small standalone HTML page (the report shows it beside the figures)."""
    shown = table[["statement", "verdict", "reproduced", "paper", "interval_method", "units", "n_units", "control"]]
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(value))}</td>" for value in row) + "</tr>"
        for row in shown.itertuples(index=False)
    )
    header = "".join(f"<th>{html.escape(column)}</th>" for column in shown.columns)
    style = "table{border-collapse:collapse;font:14px sans-serif}td,th{border:1px solid #ccc;padding:4px 8px}"
    commit = table["commit"].iloc[0] if len(table) else ""
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body><h2>{html.escape(title)}: findings</h2>"
        f"<table><tr>{header}</tr>{rows}</table><p>commit {html.escape(str(commit))}, config hash "
        f"{html.escape(str(table['config_hash'].iloc[0]) if len(table) else '')}</p></body></html>"
    )


def read_findings(results: Path) -> dict[str, pd.DataFrame]:
    """Each study's findings table found under the results folder ``results`` (by study name;
    studies without one left out)."""
    from phenomena.common.tables import read_parquet
    from phenomena.studies import STUDY_NAMES

    return {
        name: read_parquet(path) for name in STUDY_NAMES if (path := Path(results) / name / "findings.parquet").exists()
    }
