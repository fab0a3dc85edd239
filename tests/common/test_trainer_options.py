"""Config keys accelerator, precision and logger (phenomena.common.trainer_options.TrainerOptions): each
study's training passes them to its Trainer; a device that is not there stops in one line; a logger
adds Lightning's logs to a run and changes none of its tables; a file saved on a GPU reads on a CPU."""

from __future__ import annotations

import importlib.util
import io
import json
import zipfile

import pandas as pd
import pytest
import torch
from lightning_fabric.accelerators import MPSAccelerator as FabricMPSAccelerator
from pytorch_lightning.accelerators import MPSAccelerator

from phenomena.common import training
from phenomena.common.config import ConfigError
from phenomena.common.files import load_torch
from phenomena.common.lightning import make_trainer
from phenomena.common.trainer_options import LOG_DIR, TrainerOptions
from training_runs import assert_same_run, training_cases

CASES = training_cases()


class TrainerMade(Exception):
    """Raised by the recording make_trainer: the test needs the options, not the training."""


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_studys_training_gives_its_trainer_the_configured_options(case, repo, tmp_path, monkeypatch):
    seen = []

    def recording(run_dir, options, **kwargs):
        seen.append(options)
        raise TrainerMade

    monkeypatch.setattr(training, "make_trainer", recording)
    train, _ = CASES[case](repo, tmp_path)
    options = TrainerOptions(accelerator="cpu", precision="bf16-mixed", logger="csv")
    with pytest.raises(TrainerMade):
        train(tmp_path / "run", options)
    assert seen == [options]


def test_precision_reaches_the_trainer(tmp_path):
    trainer = make_trainer(tmp_path, max_steps=1, checkpoint_every_epochs=1, options=TrainerOptions("cpu", "64-true"))
    assert trainer.precision == "64-true"


def test_csv_logger_writes_lightnings_logs_beside_the_history_and_changes_no_table(repo, tmp_path):
    train, files = CASES["grokking"](repo, tmp_path)
    train(tmp_path / "plain")
    train(tmp_path / "logged", TrainerOptions(accelerator="cpu", logger="csv"))
    plain, logged = tmp_path / "plain", tmp_path / "logged"
    assert_same_run(plain, logged, files)  # the history byte for byte, the snapshots tensor for tensor
    assert not (plain / LOG_DIR).exists()
    metrics = pd.read_csv(logged / LOG_DIR / "metrics.csv")
    history = pd.read_parquet(logged / "history.parquet")
    assert {"val_accuracy", "train_loss"} <= set(metrics.columns)
    last = history[(history["split"] == "val") & (history["metric"] == "accuracy")].sort_values("step")["value"]
    assert metrics["val_accuracy"].dropna().iloc[-1] == pytest.approx(last.iloc[-1])  # the same curve, live
    meta = json.loads((logged / "meta.json").read_text())
    assert meta["device"].startswith("cpu") and meta["precision"] == "32-true"


def test_a_fresh_start_clears_the_logs_of_an_earlier_attempt(repo, tmp_path):
    train, _ = CASES["grokking"](repo, tmp_path)
    run = tmp_path / "run"
    (run / LOG_DIR).mkdir(parents=True)
    (run / LOG_DIR / "metrics.csv").write_text("step,stale\n999,1\n")
    train(run, TrainerOptions(accelerator="cpu", logger="csv"))
    assert "stale" not in (run / LOG_DIR / "metrics.csv").read_text()


def test_tensorboard_logger_needs_tensorboard_or_says_which_extra(tmp_path):
    options = TrainerOptions(accelerator="cpu", logger="tensorboard")
    if importlib.util.find_spec("tensorboard") or importlib.util.find_spec("tensorboardX"):
        assert make_trainer(tmp_path, max_steps=1, checkpoint_every_epochs=1, options=options).logger is not None
    else:
        with pytest.raises(ConfigError, match=r"logger: got 'tensorboard'.*pip install -e \"\.\[tensorboard\]\""):
            make_trainer(tmp_path, max_steps=1, checkpoint_every_epochs=1, options=options)


@pytest.mark.parametrize("accelerator", ["cuda", "gpu", "mps"])
def test_a_device_that_is_not_there_stops_in_one_line_before_anything_is_written(
    accelerator, repo, tmp_path, monkeypatch
):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    train, _ = CASES["grokking"](repo, tmp_path)
    with pytest.raises(ConfigError, match=f"^config key accelerator: got '{accelerator}' but no .* is visible on "):
        train(tmp_path / "run", TrainerOptions(accelerator=accelerator))
    assert not (tmp_path / "run").exists()


def test_mps_is_accepted_where_lightning_accepts_it(tmp_path, monkeypatch):
    """On Apple silicon (here pretended: this machine has no MPS) the Trainer takes ``mps``."""
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    for accelerator in (MPSAccelerator, FabricMPSAccelerator):  # Lightning also asks for Apple's processor
        monkeypatch.setattr(accelerator, "is_available", staticmethod(lambda: True))
    trainer = make_trainer(tmp_path, max_steps=1, checkpoint_every_epochs=1, options=TrainerOptions("mps"))
    assert isinstance(trainer.accelerator, MPSAccelerator)


def saved_on_cuda(tensors: dict) -> bytes:
    """``torch.save(tensors)`` as a GPU job would have written it: the storages' location says cuda:0."""
    buffer = io.BytesIO()
    torch.save(tensors, buffer)
    archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    written = io.BytesIO()
    with zipfile.ZipFile(written, "w", compression=zipfile.ZIP_STORED) as out:
        for name in archive.namelist():
            data = archive.read(name)
            if name.endswith("data.pkl"):  # the location as a pickled str: opcode X, 4-byte length
                data = data.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
            out.writestr(name, data)
    return written.getvalue()


def test_a_file_saved_on_a_gpu_reads_on_a_machine_without_one(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    path = tmp_path / "weights.pt"
    path.write_bytes(saved_on_cuda({"w": torch.arange(3.0)}))
    with pytest.raises(RuntimeError, match="CUDA"):  # what torch alone does with it
        torch.load(path, weights_only=True)
    assert torch.equal(load_torch(path)["w"], torch.arange(3.0))
