"""The one tidy metric schema of the project, and its Parquet reader and writer.

One row per (run, step, split, metric): columns ``study, run, seed, step, split, metric,
value`` followed by the sweep columns of the study (train fraction, width, ...).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from phenomena.common.files import atomic_path, read_input

TIDY_COLUMNS: dict[str, str] = {
    "study": "string",
    "run": "string",
    "seed": "int64",
    "step": "int64",
    "split": "string",
    "metric": "string",
    "value": "float64",
}
"""Required columns of every metric table and their pandas dtypes."""


class SchemaError(ValueError):
    """A metric table does not follow the tidy schema."""


def check_tidy(frame: pd.DataFrame) -> None:
    """Raise :class:`SchemaError` naming the first missing column or wrong dtype."""
    for column, dtype in TIDY_COLUMNS.items():
        if column not in frame.columns:
            raise SchemaError(f"metric table lacks column {column!r}; required: {list(TIDY_COLUMNS)}")
        if str(frame[column].dtype) != dtype:
            raise SchemaError(f"column {column!r} has dtype {frame[column].dtype}, expected {dtype}")


def to_tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast the tidy columns to their dtypes and put them first; sweep columns follow."""
    frame = frame.astype(TIDY_COLUMNS)
    sweep_columns = [c for c in frame.columns if c not in TIDY_COLUMNS]
    return frame[list(TIDY_COLUMNS) + sweep_columns].reset_index(drop=True)


def write_parquet(frame: pd.DataFrame, path: str | Path, *, tidy: bool = True) -> None:
    """Write ``frame`` to ``path`` atomically; check the tidy schema unless ``tidy=False``."""
    if tidy:
        check_tidy(frame)
    with atomic_path(path) as temporary:
        frame.to_parquet(temporary, index=False, engine="pyarrow")


def read_parquet(paths: str | Path | Iterable[str | Path]) -> pd.DataFrame:
    """Read one Parquet file, or several concatenated in order.

    Each file is read through :func:`~phenomena.common.files.read_input`: a truncated one
    ends the job with one line naming it and how to rebuild it.
    """
    if isinstance(paths, (str, Path)):
        return read_one_parquet(paths)
    frames = [read_one_parquet(p) for p in paths]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def read_one_parquet(path: str | Path) -> pd.DataFrame:
    """One file, so that of several the damaged one is the one named."""
    return read_input(path, lambda file: pd.read_parquet(file, engine="pyarrow"))


def records_to_tidy(
    records: list[dict[str, float]],
    metric_names: dict[str, tuple[str, str]],
    *,
    study: str,
    run: str,
    seed: int,
    sweep: dict[str, object],
) -> pd.DataFrame:
    """Long-format table from per-step records such as ``{"step": 50, "val_accuracy": 0.4}``.

    ``metric_names`` maps a record key to its ``(split, metric)``, e.g.
    ``"val_accuracy" -> ("val", "accuracy")``; keys not in the map are dropped.
    """
    rows = [
        {
            "study": study,
            "run": run,
            "seed": seed,
            "step": record["step"],
            "split": split,
            "metric": metric,
            "value": record[key],
            **sweep,
        }
        for record in records
        for key, (split, metric) in metric_names.items()
        if key in record
    ]
    columns = list(TIDY_COLUMNS) + list(sweep)
    return to_tidy(pd.DataFrame(rows, columns=columns))
