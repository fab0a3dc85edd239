"""Damaged inputs and full disks end a job with one line that says what to do, never a traceback.

An upstream output that Snakemake takes as up to date can still be cut short (a full disk, a
killed copy): each kind of input file is written here by its real writer on tiny data,
truncated, and read by the loader its downstream job calls. A full disk while writing any
output leaves nothing under the output's name. The last test meets both as a user does,
through Snakemake in a copy of the workflow.

A new study's reader is covered without editing this file when it reads through
:func:`phenomena.common.files.load_torch`, :func:`phenomena.common.tables.read_parquet` or
:func:`phenomena.common.files.read_input`; :func:`test_every_input_is_read_through_read_input`
fails on any other ``torch.load`` or Parquet read in the library or the workflow's scripts.
"""

from __future__ import annotations

import errno
import os
import pickle
import re
import shlex
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch

from phenomena.common.files import (
    DiskFullError,
    UnreadableInputError,
    atomic_path,
    load_torch,
    write_text_atomic,
)
from phenomena.common.plotting import save_figure
from phenomena.common.runtime import one_line
from phenomena.common.tables import read_parquet, records_to_tidy, write_parquet
from phenomena.common.trainer_options import TrainerOptions
from phenomena.common.training import Snapshots
from phenomena.double_descent.data import CIFAR10_TEST_BATCH, CIFAR10_TRAIN_BATCHES, LabelledData, load_cifar10
from phenomena.grokking.data import ModularDataset, make_dataset
from phenomena.grokking.models import build_model, load_snapshots
from phenomena.grokking.train import bundle_snapshots
from phenomena.perturbation.diffusion_model import Denoiser
from phenomena.perturbation.diffusion_sampling import load_model
from phenomena.perturbation.digits import make_digits
from phenomena.perturbation.zero_init import train_zero_init
from phenomena.tree_search.network import PolicyValueNet, load_snapshot
from phenomena.tree_search.solver import LabelledPositions
from workflow_copies import SMOKE, copy_workflow, snakemake

GROKKING_MODEL = {"name": "mlp", "sizes": {"d_embed": 4, "d_hidden": 8}}
DIFFUSION = {
    "model": {"hidden": 8, "layers": 1, "time_embedding": 4},
    "schedule": {"steps": 5, "beta_start": 1e-4, "beta_end": 0.2},
}
BOARD, NETWORK = {"columns": 4, "rows": 4}, {"hidden": 8, "layers": 1}


def tidy_table() -> pd.DataFrame:
    records = [{"step": step, "val_accuracy": step / 100} for step in (25, 50, 75)]
    names = {"val_accuracy": ("val", "accuracy")}
    return records_to_tidy(records, names, study="grokking", run="r", seed=0, sweep={"train_fraction": 0.5})


def write_grokking_snapshots(path: Path) -> None:
    model = build_model(GROKKING_MODEL["name"], GROKKING_MODEL["sizes"], 5)
    bundle_snapshots(path.parent, model, 50, {"model": GROKKING_MODEL, "run": {"modulus": 5}}, path)


def write_labelled_data(path: Path) -> None:
    inputs, labels = torch.randn(6, 3), torch.arange(6) % 2
    LabelledData(inputs, labels, inputs, labels, clean_train_labels=labels, noisy_indices=torch.tensor([1])).save(path)


def write_positions(path: Path) -> None:
    column = torch.zeros(3, dtype=torch.int64)
    LabelledPositions(4, 4, column, column, column, column, torch.zeros(3, 4, dtype=torch.int64)).save(path)


def write_tree_search_snapshot(path: Path) -> None:
    net = PolicyValueNet(BOARD["columns"], BOARD["rows"], NETWORK["hidden"], NETWORK["layers"])
    record = {"state_dict": net.state_dict(), "network": NETWORK, "board": BOARD, "iteration": 2}
    Snapshots([2], key=lambda *_: 2, path=lambda key: path, state=lambda module: record).save(None, 2)


def write_denoiser(path: Path) -> None:
    model = DIFFUSION["model"]
    with atomic_path(path) as temporary:  # as train_diffusion writes model.pt
        torch.save(Denoiser(model["hidden"], model["layers"], model["time_embedding"], 5).state_dict(), temporary)


@dataclass(frozen=True)
class Input:
    """One kind of upstream output: its file name, its real writer and the loader downstream jobs call."""

    name: str
    write: Callable[[Path], None]
    read: Callable[[Path], object]


DIGITS = {"num_samples": 60, "train_split": 0.8, "seed": 0}
INPUTS = [
    Input("history.parquet", lambda path: write_parquet(tidy_table(), path), read_parquet),  # every metric table
    Input("add_p5_frac0.5_seed0.pt", lambda path: make_dataset("add", 5, 0.5, 0).save(path), ModularDataset.load),
    Input("snapshots.pt", write_grokking_snapshots, load_snapshots),
    Input("source.pt", write_labelled_data, LabelledData.load),  # double descent: source and noisy subsets
    Input("positions_c4r4.pt", write_positions, LabelledPositions.load),
    Input("iter0002.pt", write_tree_search_snapshot, load_snapshot),
    Input("model.pt", write_denoiser, lambda path: load_model(DIFFUSION, path)),
    Input("mnist1d.pt", lambda path: make_digits(DIGITS, path), load_torch),  # perturbation_metrics, zero_init
]
INPUT_IDS = [case.name for case in INPUTS]


def rebuild_advice(path: Path) -> str:
    return f"delete it and rerun snakemake, which rebuilds missing files: rm {shlex.quote(str(path))}"


def truncate(path: Path, cut: str) -> None:
    """Cut ``path`` short: to half, to its first 1,000 bytes (at least one byte short), or to nothing."""
    data = path.read_bytes()
    keep = {"half": len(data) // 2, "1000 bytes": min(1000, len(data) - 1), "empty": 0}[cut]
    path.write_bytes(data[:keep])


@pytest.mark.parametrize("cut", ["half", "1000 bytes", "empty"])
@pytest.mark.parametrize("case", INPUTS, ids=INPUT_IDS)
def test_a_truncated_input_is_named_with_the_command_that_rebuilds_it(tmp_path, case, cut):
    path = tmp_path / case.name
    case.write(path)
    case.read(path)  # the pair is right: the loader reads what the writer wrote
    truncate(path, cut)
    with pytest.raises(UnreadableInputError) as raised:
        case.read(path)
    message = str(raised.value)
    assert message.startswith(f"cannot read {path}: ")
    assert ("empty file" if cut == "empty" else "truncated?") in message
    assert message.endswith(rebuild_advice(path))
    assert "\n" not in message


def test_a_missing_input_is_named(tmp_path):
    path = tmp_path / "history.parquet"
    with pytest.raises(UnreadableInputError) as raised:
        read_parquet(path)
    assert str(raised.value) == f"cannot read {path}: no such file; rerun snakemake to rebuild it"


def test_of_several_tables_the_truncated_one_is_named(tmp_path):
    paths = [tmp_path / f"run{index}" / "history.parquet" for index in range(3)]
    for path in paths:
        write_parquet(tidy_table(), path)
    truncate(paths[1], "half")
    with pytest.raises(UnreadableInputError) as raised:
        read_parquet(paths)
    assert str(raised.value).startswith(f"cannot read {paths[1]}: not a Parquet file: truncated? (ArrowInvalid: ")


def test_zero_init_training_stops_on_truncated_digits_before_it_trains(tmp_path):
    path, run_dir = tmp_path / "mnist1d.pt", tmp_path / "run"
    make_digits(DIGITS, path)
    truncate(path, "half")
    with pytest.raises(UnreadableInputError, match=re.escape(rebuild_advice(path))):
        train_zero_init({}, path, run_dir)  # the settings are read after the data
    assert not run_dir.exists()


def test_a_truncated_cifar10_batch_asks_for_the_download_again(tmp_path):
    """CIFAR-10 is the user's download, not an output: deleting it would not rebuild it."""
    for name in (*CIFAR10_TRAIN_BATCHES, CIFAR10_TEST_BATCH):
        with open(tmp_path / name, "wb") as handle:
            pickle.dump({b"data": np.zeros((2, 3072), dtype=np.uint8), b"labels": [0, 1]}, handle)
    truncate(tmp_path / "data_batch_3", "half")
    with pytest.raises(UnreadableInputError) as raised:
        load_cifar10(tmp_path)
    message = str(raised.value)
    assert message.startswith(f"cannot read {tmp_path / 'data_batch_3'}: not a CIFAR-10 python batch file: truncated?")
    assert message.endswith(
        "download cifar-10-python.tar.gz again and unpack it (the data set is yours, not an output)"
    )


RAW_READS = re.compile(r"\b(torch\.load|pd\.read_\w+|pandas\.read_\w+|pq\.read_\w+|pickle\.loads?|np\.load)\(")
RAW_READS_ALLOWED = {  # the files that may read raw, and why
    "src/phenomena/common/files.py": "load_torch, through read_input",
    "src/phenomena/common/tables.py": "read_one_parquet, through read_input",
    "src/phenomena/double_descent/data.py": "_unpickle of a CIFAR-10 batch, through read_input",
    "src/phenomena/grokking/train.py": "the run's own step*.pt, written by the same training job",
    "src/phenomena/common/checkpoints.py": "Lightning checkpoints, checked before a resume",
}


def test_every_input_is_read_through_read_input(repo):
    """A reader that bypasses read_input would dump a traceback on a truncated input: any raw
    ``torch.load`` or Parquet read in the library or the workflow's scripts must be listed above."""
    files = sorted(repo.glob("src/phenomena/**/*.py")) + sorted(repo.glob("workflow/scripts/*.py"))
    raw = {str(path.relative_to(repo)) for path in files if RAW_READS.search(path.read_text())}
    assert raw - set(RAW_READS_ALLOWED) == set()


def fill_then_fail(path, error: Exception | None = None):
    """A write that fills the disk: part of the file, then the error of a full disk."""
    Path(path).write_bytes(b"PAR1 half a file")
    raise error or OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def make_figure() -> plt.Figure:
    figure, axis = plt.subplots()
    axis.plot([1, 2, 3])
    return figure


WRITERS = {  # output -> (its real writer, the write inside it that meets the full disk)
    "curves.parquet": (lambda path: write_parquet(tidy_table(), path), (pd.DataFrame, "to_parquet")),
    "source.pt": (write_labelled_data, (torch, "save")),
    "accuracy.png": (lambda path: save_figure(make_figure(), path), (plt.Figure, "savefig")),
    "meta.json": (lambda path: write_text_atomic(path, "{}\n"), (Path, "write_text")),
}


@pytest.mark.parametrize("name", WRITERS)
def test_a_full_disk_leaves_nothing_under_the_output_name_and_says_so(tmp_path, monkeypatch, name):
    write, (owner, method) = WRITERS[name]
    path = tmp_path / "results" / name
    path.parent.mkdir()
    if owner is torch:  # torch.save(obj, file)
        monkeypatch.setattr(torch, "save", lambda obj, file, *args, **kwargs: fill_then_fail(file))
    else:  # a method of the object written, or of the path written to
        monkeypatch.setattr(
            owner, method, lambda this, *args, **kwargs: fill_then_fail(args[0] if owner is not Path else this)
        )
    with pytest.raises(DiskFullError) as raised:
        write(path)
    assert str(raised.value) == (
        f"no space left on device writing {path}; nothing was written under that name; free space and rerun snakemake"
    )
    assert os.listdir(path.parent) == []  # neither the output nor a temporary


TORCH_WRITE_ERROR = RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 704 vs 598")


@pytest.mark.parametrize("free", [0, 10**12])
def test_torch_writer_error_is_a_full_disk_only_when_the_disk_is_full(tmp_path, monkeypatch, free):
    """torch's C++ writer meets a full disk with a RuntimeError without errno: the free space decides."""
    monkeypatch.setattr(torch, "save", lambda obj, file, *args, **kwargs: fill_then_fail(file, TORCH_WRITE_ERROR))
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**12, 10**12 - free, free))
    path = tmp_path / "snapshots.pt"
    with pytest.raises(DiskFullError if free == 0 else RuntimeError) as raised:
        write_labelled_data(path)
    assert isinstance(raised.value, DiskFullError) == (free == 0)
    assert os.listdir(tmp_path) == []


def test_an_exceeded_quota_is_named_as_such(tmp_path, monkeypatch):
    error = OSError(errno.EDQUOT, os.strerror(errno.EDQUOT))
    monkeypatch.setattr(pd.DataFrame, "to_parquet", lambda this, file, *args, **kwargs: fill_then_fail(file, error))
    with pytest.raises(
        DiskFullError, match=f"^disk quota exceeded writing {re.escape(str(tmp_path))}/summary.parquet;"
    ):
        write_parquet(tidy_table(), tmp_path / "summary.parquet")
    assert os.listdir(tmp_path) == []


def test_a_figure_whose_pdf_meets_the_full_disk_keeps_no_pdf(tmp_path, monkeypatch):
    """The PNG is written first; Snakemake deletes it with the other outputs of the failed job."""
    savefig = plt.Figure.savefig

    def pdf_fails(figure, file, *args, **kwargs):
        return fill_then_fail(file) if str(file).endswith(".pdf") else savefig(figure, file, *args, **kwargs)

    monkeypatch.setattr(plt.Figure, "savefig", pdf_fails)
    with pytest.raises(DiskFullError, match="writing .*/accuracy.pdf; nothing was written under that name"):
        save_figure(make_figure(), tmp_path / "accuracy.png")
    assert os.listdir(tmp_path) == ["accuracy.png"]


def test_a_full_disk_while_checkpointing_keeps_no_partial_checkpoint_and_ends_with_one_line(tmp_path, monkeypatch):
    """Lightning writes checkpoints through the CheckpointIO plugin of the project's Trainer, not
    through our writers. Lightning's default stages them in $TMPDIR (a full disk there is a bare
    OSError); through atomic_path, torch's writer meets it. Either way: no partial checkpoint,
    and one line."""
    from fsspec.implementations.local import LocalFileOpener

    from phenomena.common.lightning import make_trainer

    save = torch.save

    def save_onto_full_disk(obj, file, *args, **kwargs):
        if isinstance(file, str | os.PathLike):
            fill_then_fail(file, TORCH_WRITE_ERROR)
        return save(obj, file, *args, **kwargs)

    def write_onto_full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(torch, "save", save_onto_full_disk)
    monkeypatch.setattr(LocalFileOpener, "write", write_onto_full_disk)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**12, 10**12, 0))
    trainer = make_trainer(tmp_path, max_steps=1, checkpoint_every_epochs=1, options=TrainerOptions(accelerator="cpu"))
    path = tmp_path / "checkpoints" / "last.ckpt"
    path.parent.mkdir()
    with pytest.raises(OSError) as raised:
        trainer.strategy.checkpoint_io.save_checkpoint({"state_dict": {"w": torch.zeros(3)}}, path)
    assert os.listdir(path.parent) == []
    line = one_line(raised.value)
    assert line.startswith("phenomena: no space left on device ") and line.endswith("free space and rerun snakemake")


TINY_GROKKING = """\
studies: [grokking]
grokking:
  training: {max_steps: 50, eval_every: 25, checkpoint_every: 25, stop_after_generalizing: null}
  sweeps:
    - {train_fraction: [0.5], weight_decay: [1.0], optimizer: [adamw], seed: [0]}
"""


@pytest.mark.slow
def test_a_truncated_history_stops_the_metrics_job_with_one_line_and_its_advice_rebuilds_it(tmp_path):
    """As a user meets it: one training run, its history cut short, then the metrics rule."""
    workdir = copy_workflow(tmp_path / "workflow")
    (workdir / "tiny.yaml").write_text(TINY_GROKKING)
    history = "results/grokking/runs/add_p47_frac0.5_wd1_adamw_seed0/history.parquet"
    config = ["--cores", "1", *SMOKE, "tiny.yaml"]
    snakemake(workdir, history, *config)
    intact = (workdir / history).read_bytes()
    truncate(workdir / history, "half")

    done = snakemake(workdir, "results/grokking/metrics/curves.parquet", *config, check=False)
    line = (
        f"phenomena: cannot read {history}: not a Parquet file: truncated? (ArrowInvalid: Parquet magic bytes "
        f"not found in footer); delete it and rerun snakemake, which rebuilds missing files: rm {history}"
    )
    assert done.returncode != 0
    assert line in done.stderr.splitlines()
    assert "Traceback" not in done.stderr + done.stdout
    assert (workdir / "results/grokking/logs/metrics.log").read_text().splitlines()[-1] == line

    (workdir / history).unlink()  # the advice, followed
    snakemake(workdir, "results/grokking/metrics/curves.parquet", *config)
    assert (workdir / history).read_bytes() == intact
