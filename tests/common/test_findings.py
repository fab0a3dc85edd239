"""The findings layer: a declared finding becomes one row with its interval, method, units,
control and verdict."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from phenomena.common import stats
from phenomena.common.config import load_config
from phenomena.common.findings import (
    FINDING_COLUMNS,
    Estimate,
    Finding,
    findings_html,
    findings_table,
    reproduced,
    study_reproduced,
    tables_read,
)
from phenomena.studies import all_studies


def speedup(curves: pd.DataFrame) -> Estimate:
    treated = curves[curves["arm"] == "fast"].set_index("seed")["steps"]
    control = curves[curves["arm"] == "slow"].set_index("seed")["steps"]
    return Estimate(
        stats.geometric_mean_interval(control / treated),
        control=stats.mean_interval(control),
        slots={"arm": "fast"},
    )


SPEEDUP = Finding(
    name="speedup",
    question="Is the fast arm faster?",
    tables=("curves",),
    estimate=speedup,
    sentence="{arm} is {estimate:.2f}x as fast ({low:.2f}-{high:.2f}, {method}, {n_units} {units}): {verdict}",
    control="the slow arm on the same seeds",
    null=1.0,
)


def curves_table() -> pd.DataFrame:
    return pd.DataFrame(
        {"arm": ["fast"] * 3 + ["slow"] * 3, "seed": [0, 1, 2] * 2, "steps": [100, 110, 90, 200, 230, 170]}
    )


def test_a_finding_becomes_one_row_with_its_interval_method_units_control_and_verdict():
    table = findings_table([SPEEDUP], {"curves": curves_table()}, study="toy", section={"a": 1}, commit="abc")
    assert list(table.columns) == FINDING_COLUMNS
    row = table.iloc[0]
    expected = stats.geometric_mean_interval(np.array([200, 230, 170]) / np.array([100, 110, 90]))
    assert row["estimate"] == pytest.approx(expected.estimate)
    assert (row["low"], row["high"]) == pytest.approx((expected.low, expected.high))
    assert row["interval_method"] == "t-interval on log ratios (n-1 df)" and row["n_units"] == 3
    assert row["verdict"] == "effect" and row["low"] > 1.0
    assert row["control_estimate"] == pytest.approx(200.0)
    assert row["statement"].startswith(f"fast is {expected.estimate:.2f}x as fast")
    assert row["statement"].endswith(": effect")
    assert row["commit"] == "abc" and len(row["config_hash"]) == 12


def test_the_config_hash_changes_with_the_section_and_the_html_shows_each_statement():
    one = findings_table([SPEEDUP], {"curves": curves_table()}, study="toy", section={"a": 1}, commit=None)
    two = findings_table([SPEEDUP], {"curves": curves_table()}, study="toy", section={"a": 2}, commit=None)
    assert one["config_hash"].iloc[0] != two["config_hash"].iloc[0]
    assert one["statement"].iloc[0] in findings_html(one, "Toy")


def test_a_finding_name_given_twice_is_refused():
    with pytest.raises(ValueError, match="finding name twice"):
        findings_table([SPEEDUP, SPEEDUP], {"curves": curves_table()}, study="toy", section={}, commit=None)


def test_tables_read_lists_each_table_once_in_order():
    other = Finding("other", "?", ("summary", "curves"), speedup, "{estimate}")
    assert tables_read([SPEEDUP, other]) == ["curves", "summary"]


def test_reproduced_compares_the_verdict_and_its_side_with_the_papers_claim():
    claimed = Finding(**{**SPEEDUP.__dict__, "paper": ("above", "Someone 2020")})
    table = findings_table([claimed], {"curves": curves_table()}, study="toy", section={}, commit=None)
    assert table["reproduced"].iloc[0] == "yes" and table["paper"].iloc[0] == "above: Someone 2020"
    assert reproduced("below", "effect", estimate=2.0, null=1.0) == "no"  # an effect the other way
    assert reproduced("above", "no effect", estimate=1.0, null=1.0) == "no"
    assert reproduced("equal", "no effect", estimate=0.0, null=0.0) == "yes"
    assert reproduced("equal", "effect", estimate=0.3, null=0.0) == "no"
    assert reproduced("above", "inconclusive", estimate=2.0, null=1.0) == "inconclusive"
    unclaimed = findings_table([SPEEDUP], {"curves": curves_table()}, study="toy", section={}, commit=None)
    assert unclaimed["reproduced"].iloc[0] == "" and study_reproduced(unclaimed) == "-"
    assert study_reproduced(pd.DataFrame({"reproduced": ["yes", "", "no"]})) == "partly"
    assert study_reproduced(pd.DataFrame({"reproduced": ["yes", "yes"]})) == "yes"
    with pytest.raises(ValueError, match="paper claim side 'more'"):
        Finding(**{**SPEEDUP.__dict__, "paper": ("more", "Someone 2020")})


@pytest.mark.parametrize("preset", ["config.yaml", "smoke.yaml"])
def test_every_study_declares_at_least_three_findings_on_tables_it_writes(preset):
    """Each finding reads metric tables that the study's rules produce (a figure's table or a
    table its rule file writes), so the findings rule has its inputs."""
    config = load_config("config/config.yaml", f"config/{preset}")
    for study in all_studies():
        findings = study.findings(config[study.name])
        assert len(findings) >= 3, f"{study.name} declares {len(findings)} findings; at least 3 expected"
        rules = open(f"workflow/rules/{study.name}.smk").read()
        figure_tables = {table for figure in study.figures(config[study.name]) for table in figure.tables.values()}
        for table in tables_read(findings):
            written = table in figure_tables or re.search(rf"metrics/{table}\.parquet|\"{table}\"", rules)
            assert written, f"{study.name}: no rule writes metrics/{table}.parquet"
