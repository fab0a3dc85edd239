import pandas as pd
import pytest

from phenomena.common.files import atomic_path
from phenomena.common.tables import TIDY_COLUMNS, SchemaError, read_parquet, records_to_tidy, write_parquet


def tidy_example() -> pd.DataFrame:
    records = [{"step": 10, "train_acc": 0.5, "val_acc": 0.1}, {"step": 20, "train_acc": 1.0, "val_acc": 0.2}]
    names = {"train_acc": ("train", "accuracy"), "val_acc": ("val", "accuracy")}
    return records_to_tidy(records, names, study="demo", run="r0", seed=3, sweep={"width": 8})


def test_records_become_one_row_per_step_split_metric():
    table = tidy_example()
    assert list(table.columns) == [*TIDY_COLUMNS, "width"]
    assert len(table) == 4
    row = table[(table.step == 20) & (table.split == "val")].iloc[0]
    assert (row.metric, row.value, row.seed, row.width) == ("accuracy", 0.2, 3, 8)


def test_parquet_round_trip_keeps_schema(tmp_path):
    table = tidy_example()
    write_parquet(table, tmp_path / "m.parquet")
    back = read_parquet([tmp_path / "m.parquet", tmp_path / "m.parquet"])
    assert len(back) == 2 * len(table)
    assert {c: str(back[c].dtype) for c in TIDY_COLUMNS} == TIDY_COLUMNS


def test_writer_rejects_a_table_without_the_schema(tmp_path):
    with pytest.raises(SchemaError, match="lacks column 'split'"):
        write_parquet(tidy_example().drop(columns="split"), tmp_path / "bad.parquet")
    assert not list(tmp_path.iterdir())


def test_failed_write_leaves_nothing_behind(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        temporary.write_text("half")
        raise RuntimeError("killed mid-write")
    assert not list(tmp_path.iterdir())
