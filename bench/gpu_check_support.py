"""Helpers of ``bench/gpu_check.py``: where a fit ran and how fast, peak memory, the table.

- :class:`DeviceProbe`, a Lightning callback, and :func:`probed`, which hands it to every Trainer the
  studies' own training makes (through ``fit_run``'s ``make_trainer``, as the tests' ``extra_callbacks``);
- :class:`OnDevice`, a tree-search network on the device that records where its boards are;
- :func:`peak_memory`; :func:`placement`, the check that what ran was where it should be; :func:`markdown`.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytorch_lightning as pl
import torch
from torch import nn

from phenomena.common import training

PROC_STATUS, PROC_CLEAR_REFS = Path("/proc/self/status"), Path("/proc/self/clear_refs")


def devices_of(value: object) -> set[str]:
    """The devices of the tensors in ``value`` (a tensor, or dicts, lists and tuples of them)."""
    if isinstance(value, torch.Tensor):
        return {str(value.device)}
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return set().union(*(devices_of(item) for item in value))
    return set()


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class DeviceProbe(pl.Callback):
    """Where a fit ran and how fast.

    Seen: the devices of the module's parameters and buffers, of the first training batch and of its loss,
    taken during training (after the fit Lightning moves the module back to the CPU: its teardown comes
    before ``on_fit_end``). Timed: (seconds, global step) as training starts and at the end of each epoch.
    """

    def __init__(self, device: torch.device):
        self.device = device
        self.marks: list[tuple[float, int]] = []
        self.seen: dict[str, set[str]] = {}
        self.resumed = False
        self.module: pl.LightningModule | None = None

    def mark(self, trainer: pl.Trainer) -> None:
        synchronize(self.device)
        self.marks.append((time.perf_counter(), int(trainer.global_step)))

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.resumed = trainer.ckpt_path is not None

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.mark(trainer)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if "batch" not in self.seen:
            self.seen.update(
                batch=devices_of(batch), loss=devices_of(outputs), buffers=devices_of(list(pl_module.buffers()))
            )

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.mark(trainer)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.seen["parameters"] = devices_of(list(pl_module.parameters()))
        self.module = pl_module

    def window(self) -> tuple[int, float]:
        """(steps, seconds) after the first epoch, which pays for start-up (first kernels, allocations,
        cuBLAS handles); the whole fit when it had one or two epochs."""
        if len(self.marks) < 2:
            raise AssertionError("the probe saw no training epoch: did the fit go through make_trainer?")
        first = self.marks[1] if len(self.marks) > 3 else self.marks[0]
        return self.marks[-1][1] - first[1], self.marks[-1][0] - first[0]


@contextlib.contextmanager
def probed(device: torch.device) -> Iterator[DeviceProbe]:
    """Within the block, every Trainer that ``fit_run`` makes gets a :class:`DeviceProbe`."""
    probe = DeviceProbe(device)
    make_trainer = training.make_trainer

    def with_probe(run_dir, callbacks=(), **kwargs):
        return make_trainer(run_dir, callbacks=[*callbacks, probe], **kwargs)

    training.make_trainer = with_probe
    try:
        yield probe
    finally:
        training.make_trainer = make_trainer


class OnDevice(nn.Module):
    """A tree-search network on ``device`` that records where the boards it evaluates are: the study's search
    (on the CPU) sends each step's boards to the network's device and takes the outputs back."""

    def __init__(self, net: nn.Module, device: torch.device):
        super().__init__()
        self.net, self.target = net.to(device), device
        self.seen: dict[str, set[str]] = {"parameters": devices_of(list(self.net.parameters())), "boards": set()}

    def forward(self, planes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        planes = planes.to(self.target)
        self.seen["boards"].add(str(planes.device))
        logits, value = self.net(planes)
        return logits.cpu(), value.cpu()


def placement(seen: dict[str, set[str]], device: torch.device, where: str) -> str:
    """Assert that every tensor seen was on ``device`` (and that parameters and some data were seen);
    the line that says so."""
    if not seen.get("parameters"):
        raise AssertionError(f"{where}: no parameters seen: did the work go through the probe?")
    if not set().union(*(devices for kind, devices in seen.items() if kind != "parameters")):
        raise AssertionError(f"{where}: no data tensors seen")
    wrong = {
        kind: sorted(devices)
        for kind, devices in seen.items()
        if any(torch.device(d).type != device.type for d in devices)
    }
    if wrong:
        raise AssertionError(f"{where}: expected everything on {device.type}, found {wrong}")
    kinds = ", ".join(kind for kind, devices in seen.items() if devices)
    return f"{kinds} on {', '.join(sorted(set().union(*seen.values())))}"


def peak_rss_kib() -> int | None:
    match = re.search(r"VmHWM:\s+(\d+) kB", PROC_STATUS.read_text()) if PROC_STATUS.exists() else None
    return int(match.group(1)) if match else None


@contextlib.contextmanager
def peak_memory(device: torch.device) -> Iterator[dict]:
    """Peak memory of the block, MiB: ``torch.cuda.max_memory_allocated`` (reset first) on a GPU; on a
    CPU the process's peak resident set (VmHWM, reset first through ``/proc/self/clear_refs``)."""
    measured: dict = {}
    synchronize(device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    else:
        with contextlib.suppress(OSError):
            PROC_CLEAR_REFS.write_text("5")  # Linux: the peak resident set starts again from the current one
    yield measured
    synchronize(device)
    if device.type == "cuda":
        measured.update(peak_memory_mib=torch.cuda.max_memory_allocated(device) / 2**20, memory="cuda max allocated")
    else:
        rss = peak_rss_kib()
        measured.update(peak_memory_mib=None if rss is None else rss / 1024, memory="process peak RSS")


def markdown(rows: list[dict]) -> str:
    """The rows as a markdown table for bench/README.md."""
    lines = ["| slice | what | throughput | peak memory MiB | placement checked |", "|---|---|---|---|---|"]
    for row in rows:
        if row.get("throughput") is not None:
            rate = f"{row['throughput']:,.1f} {row['unit']}"
        else:
            rate = row.get("error") or row.get("note", "")
        memory = "n/a" if row.get("peak_memory_mib") is None else f"{row['peak_memory_mib']:,.0f} ({row['memory']})"
        lines.append(f"| {row['slice']} | {row.get('what', '')} | {rate} | {memory} | {row.get('placement', '')} |")
    return "\n".join(lines)
