"""How every training run trains, as opposed to what it computes: config keys ``accelerator``,
``precision`` and ``logger``, as one :class:`TrainerOptions` that :func:`~phenomena.common.lightning.make_trainer`
turns into the Trainer's arguments, and the logger that writes a run's live curves."""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path

from pytorch_lightning.loggers import CSVLogger, Logger, TensorBoardLogger

from phenomena.common.config import ConfigError

LOG_DIR = "logs"  # Lightning's own logs (config key logger) in a run's folder


@dataclass(frozen=True)
class TrainerOptions:
    """How every training run trains, from the config keys of the same names (config/README.md).

    - ``accelerator``: Lightning's name (auto, cpu, gpu, cuda, mps); a device that is not there
      stops the job in one line (:func:`phenomena.common.runtime.check_accelerator`).
    - ``precision``: Lightning's (32-true, bf16-mixed, ...).
    - ``logger``: None, ``csv`` or ``tensorboard``: Lightning's logger writing live curves under
      ``<run>/logs``; the figures read the run's ``history.parquet`` either way.
    """

    accelerator: str = "auto"
    precision: str = "32-true"
    logger: str | None = None

    @classmethod
    def of_job(cls, params, config: dict) -> TrainerOptions:
        """The options of a training job's script: accelerator and precision from its rule's
        ``params.trainer`` (changing them reruns the job: the result may change), the logger from the
        config (changing it does not: it only adds log files)."""
        return cls(**params.trainer, logger=config["logger"])


DEFAULT_OPTIONS = TrainerOptions()  # the config's defaults


def run_logger(run_dir: str | Path, name: str | None) -> Logger | bool:
    """Lightning's logger ``name`` writing into ``<run_dir>/logs`` (no version folders), or False."""
    if name is None:
        return False
    if name == "csv":
        return CSVLogger(save_dir=run_dir, name=LOG_DIR, version="")
    if name == "tensorboard":
        if not any(importlib.util.find_spec(module) for module in ("tensorboard", "tensorboardX")):
            raise ConfigError(
                "config key logger: got 'tensorboard' but TensorBoard is not installed; "
                'install it with pip install -e ".[tensorboard]", or use logger: csv'
            )
        return TensorBoardLogger(save_dir=run_dir, name=LOG_DIR, version="", default_hp_metric=False)
    raise ConfigError(f"config key logger: got {name!r}; allowed: null, 'csv', 'tensorboard'")


def remove_run_logs(run_dir: str | Path) -> None:
    """Remove the logs of an earlier attempt: a run that starts afresh must not append to them."""
    shutil.rmtree(Path(run_dir) / LOG_DIR, ignore_errors=True)
