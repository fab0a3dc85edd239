"""Figures of the inductive-bias study; helpers shared by them."""

from __future__ import annotations

import pandas as pd


def summary_rows(summary: pd.DataFrame, part: str, quantity: str) -> pd.DataFrame:
    """The summary's rows of one quantity of one part, indexed by setting."""
    return summary[(summary["part"] == part) & (summary["quantity"] == quantity)].set_index("setting")


def interval_text(row: pd.Series, scale: float = 1.0, digits: int = 1) -> str:
    """``value [low, high]`` of a summary row, times ``scale``."""
    return f"{row['value'] * scale:.{digits}f} [{row['low'] * scale:.{digits}f}, {row['high'] * scale:.{digits}f}]"


def method_text(row: pd.Series) -> str:
    """What an interval is: ``95% <method> over <n> seeds``."""
    return f"95% {row['method']} over {row['seeds']} seeds"
