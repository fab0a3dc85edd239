"""The toy model of superposition (Elhage et al. 2022) as Chen et al. (2023, "Dynamical versus
Bayesian phase transitions in a toy model of superposition", arXiv:2310.06301) study it: its
training, whose loss plateaus and drops as the weights move between k-gons, with snapshots for
the LLC; and the detector of the study's finding, whether LLC changes coincide with loss drops.

The model. ``n`` features, ``m < n`` hidden dimensions, ``x -> ReLU(W^T W x + b)`` with ``W``
(m, n) and ``b`` (n). The columns ``W_i`` that stand out are the represented features; in two
dimensions they form a regular k-gon (:func:`polygon_vertices` counts k).

The data. Chen et al.'s high-sparsity limit: each example has exactly one active feature, drawn
uniformly among the ``n``, with a value uniform in [0, 1]; all other coordinates are 0. A fixed
training set of ``examples`` rows is drawn from ``data_seed`` (the same for every training
seed); training and the LLC both use it.

The loss. Per example the squared error summed over features, ``|x - f(x)|^2``; training
minimizes its mean over examples (Chen et al.'s L_n). It is the negative log-likelihood of a
Gaussian model ``x ~ N(f(x), sigma^2 I)`` with ``sigma^2 = 1/2`` per coordinate, up to the
additive constant ``(n/2) log(pi)``, which cancels in the LLC (a difference of losses):
:func:`squared_error_of_examples` is the per-example NLL the LLC estimator takes.

Training (:func:`train_superposition`). Minibatch SGD (or Adam) at a constant learning rate from
``b = 0`` and ``W``: a regular ``init_kgon``-gon of unit columns (features and angle at random,
the other columns 0) plus ``N(0, init_scale^2)`` noise, or the noise alone (``init_kgon`` null).
From near the 3-gon (the default) every seed we tried sits on the 3-gon's loss plateau for some
hundreds of steps, then drops to a 4-gon (some go on to a 5-gon): a transition between k-gons.
From noise alone the plateau is the origin's (no feature represented; ``b`` alone fitted) and
the drop leads to a 4-, 5- or 6-gon. The minibatch of step ``t`` is drawn
from a generator seeded with (run seed, ``t``), so a resumed run draws what the uninterrupted one
drew. Lightning validates every ``eval_every`` steps (one Lightning epoch): training loss on the
whole set, ``|W|_F``, ``|b|`` and the number of vertices, one history record each. The network is
saved at log-spaced validation steps and at step 0 (:func:`snapshot_steps`).

Imports: torch and Lightning are imported inside the functions that use them; the detector and
the vertex count take plain arrays, so a metrics or findings job imports this module for free.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

STUDY = "slt"
PART = "superposition"
SNAPSHOT_DIR = "snapshots"  # under the checkpoint directory: kept for resume, discarded with it
VERTEX_THRESHOLD = 0.5
"""A column is a vertex when its norm is at least this share of the largest column's norm."""
REPRESENTED_NORM = 0.5
"""And when the largest column's norm reaches this: below it no feature is represented (k = 0)."""
LOSS_DROP = 0.2
"""An interval between snapshots is a loss drop when the loss falls by at least this share."""

LOGGED_METRICS = {
    "train_loss": ("train", "loss"),
    "weight_norm": ("model", "weight_norm"),
    "bias_norm": ("model", "bias_norm"),
    "vertices": ("model", "vertices"),
}
"""Record key -> (split, metric) in the tidy history."""

DEFAULT_SETTINGS = {
    "features": 6,
    "hidden": 2,
    "examples": 1000,
    "data_seed": 0,
    "init_scale": 0.01,
    "init_kgon": 3,
    "training": {
        "optimizer": "sgd",
        "lr": 0.1,
        "momentum": 0.0,
        "batch_size": 100,
        "steps": 5000,
        "eval_every": 10,
        "checkpoint_every": 1000,
    },
    "snapshots": 28,
    "seed": 0,
}
"""The settings of one run, as :func:`train_superposition` takes them (the study's config section
minus ``seeds``, ``sampler`` and ``detector``, plus the run's ``seed``)."""


# ---------------------------------------------------------------- data and model


def make_data(features: int, examples: int, seed: int):
    """``examples`` rows (a float32 tensor, ``examples`` x ``features``): one feature active per row,
    chosen uniformly, with a value uniform in [0, 1]; the rest 0."""
    import torch

    generator = torch.Generator().manual_seed(int(seed))
    active = torch.randint(0, features, (examples,), generator=generator)
    values = torch.rand(examples, generator=generator)
    inputs = torch.zeros(examples, features)
    inputs[torch.arange(examples), active] = values
    return inputs


@functools.cache
def toy_model_class():
    """The class of the toy model (built on first use: torch is imported here, not at the top)."""
    import torch
    from torch import nn

    class ToyModel(nn.Module):
        """``x -> ReLU(W^T W x + b)``; ``b = 0`` and ``W`` (hidden, features) from N(0, init_scale^2),
        plus a regular ``init_kgon``-gon of unit columns if given (:func:`kgon_weights`)."""

        def __init__(self, features: int, hidden: int, init_scale: float = 0.0, init_kgon: int | None = None):
            super().__init__()
            weights = torch.randn(hidden, features) * init_scale
            if init_kgon:
                weights += kgon_weights(features, hidden, init_kgon)
            self.W = nn.Parameter(weights)
            self.b = nn.Parameter(torch.zeros(features))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.relu((x @ self.W.T) @ self.W + self.b)

    return ToyModel


def kgon_weights(features: int, hidden: int, k: int):
    """Weights (hidden x features) whose columns of ``k`` features, chosen at random, are the unit
    vertices of a regular k-gon at a random angle in the first two hidden dimensions; the other
    columns 0. Drawn from torch's global generator."""
    import torch

    if not 1 <= k <= features or hidden < 2:
        raise ValueError(f"a {k}-gon of {features} features needs 1 <= k <= features and 2 hidden dimensions")
    chosen = torch.randperm(features)[:k]
    angles = torch.rand(()) * 2 * math.pi + 2 * math.pi * torch.arange(k) / k
    weights = torch.zeros(hidden, features)
    weights[0, chosen], weights[1, chosen] = torch.cos(angles), torch.sin(angles)
    return weights


def build_model(features: int, hidden: int, init_scale: float = 0.0, init_kgon: int | None = None):
    """A :class:`ToyModel` with weights drawn from torch's global generator."""
    return toy_model_class()(features, hidden, init_scale, init_kgon)


def model_from_state(state: dict):
    """The toy model holding a snapshot's weights (``{"W": (m, n), "b": (n,)}``)."""
    hidden, features = state["W"].shape
    model = build_model(features, hidden)
    model.load_state_dict(state)
    return model


def per_example_loss(model, inputs):
    """``|x - f(x)|^2`` of each row of ``inputs`` (the Gaussian NLL with variance 1/2, less a constant)."""
    return ((model(inputs) - inputs) ** 2).sum(-1)


def squared_error_of_examples(inputs):
    """The per-example loss on a fixed set of examples looked up by index: the
    :data:`phenomena.common.llc.LossOfExamples` that :func:`phenomena.common.llc.estimate_llc` takes."""

    def loss(model, indices):
        return per_example_loss(model, inputs[indices])

    return loss


def polygon_vertices(W, threshold: float = VERTEX_THRESHOLD, represented: float = REPRESENTED_NORM) -> int:
    """k of the k-gon: how many columns of ``W`` (hidden x features) have a norm of at least
    ``threshold`` times the largest column norm (scale-free), and 0 while the largest is below
    ``represented``.

    Why the floor: a feature i's own output is at most ``|W_i|^2`` times its value (plus the
    bias), so with every ``|W_i| < 0.5`` no feature is reconstructed to more than a quarter:
    the weights still sit near the origin, where the relative threshold would count noise.
    """
    norms = np.linalg.norm(np.asarray(W, dtype=float), axis=0)
    largest = float(norms.max()) if norms.size else 0.0
    if largest < represented:
        return 0
    return int((norms >= threshold * largest).sum())


def evaluate(model, inputs) -> dict[str, float]:
    """Training loss (mean per-example loss on the whole set), ``|W|_F``, ``|b|`` and the vertices."""
    import torch

    with torch.no_grad():
        loss = float(per_example_loss(model, inputs).mean())
        W = model.W.detach().cpu()
        return {
            "train_loss": loss,
            "weight_norm": float(W.norm()),
            "bias_norm": float(model.b.detach().norm()),
            "vertices": float(polygon_vertices(W.double().numpy())),
        }


def snapshot_steps(steps: int, eval_every: int, count: int) -> list[int]:
    """Step 0 and up to ``count`` log-spaced steps from ``eval_every`` to ``steps``, each a multiple
    of ``eval_every`` (snapshots follow a validation); deduplicated, so early ones may merge."""
    last = max(eval_every, steps - steps % eval_every)
    points = np.geomspace(eval_every, last, max(1, count))
    return [0, *sorted({int(round(point / eval_every)) * eval_every for point in points})]


# ---------------------------------------------------------------- training


def run_name_of(seed: int) -> str:
    """The run name of training seed ``seed`` (``superposition_seed0``), when ``settings`` has no ``run``."""
    from phenomena.common.naming import run_name

    return run_name([("superposition_seed", seed)])


def run_of(settings: dict) -> str:
    """A run's name: its ``run`` setting, else :func:`run_name_of` its seed (the pipeline's runs)."""
    return settings.get("run") or run_name_of(settings["seed"])


def minibatch_seed(seed: int, step: int) -> int:
    """The seed of step ``step``'s minibatch in run ``seed``: a resumed run draws the same ones."""
    return (int(seed) * 1_000_003 + int(step)) % 2**63


@functools.cache
def lightning_module_class():
    """The LightningModule of the toy model (built on first use: Lightning is imported here)."""
    import pytorch_lightning as pl
    import torch
    from torch.utils.data import DataLoader

    from phenomena.common.lightning import StepTicks

    class SuperpositionModule(pl.LightningModule):
        """Minibatch training on the fixed set held as a buffer; every Lightning epoch is
        ``eval_every`` steps, then a validation logs :func:`evaluate`."""

        def __init__(self, inputs: torch.Tensor, settings: dict):
            super().__init__()
            self.model = build_model(
                settings["features"], settings["hidden"], settings["init_scale"], settings.get("init_kgon")
            )
            self.training_settings = settings["training"]
            self.run_seed = int(settings["seed"])
            self.register_buffer("inputs", inputs, persistent=False)

        def train_dataloader(self) -> DataLoader:
            return DataLoader(StepTicks(self.training_settings["eval_every"]), batch_size=None)

        def val_dataloader(self) -> DataLoader:
            return DataLoader(StepTicks(1), batch_size=None)

        def training_step(self, batch, batch_index) -> torch.Tensor:
            size, examples = self.training_settings["batch_size"], len(self.inputs)
            if size is None or size >= examples:
                rows = self.inputs
            else:
                generator = torch.Generator().manual_seed(minibatch_seed(self.run_seed, self.global_step))
                rows = self.inputs[torch.randint(0, examples, (size,), generator=generator).to(self.inputs.device)]
            return per_example_loss(self.model, rows).mean()

        def validation_step(self, batch, batch_index) -> None:
            self.log_dict(evaluate(self.model, self.inputs), batch_size=1)

        def configure_optimizers(self):
            training = self.training_settings
            if training["optimizer"] == "sgd":
                return torch.optim.SGD(self.model.parameters(), lr=training["lr"], momentum=training.get("momentum", 0))
            if training["optimizer"] == "adam":
                return torch.optim.Adam(self.model.parameters(), lr=training["lr"])
            raise ValueError(f"unknown optimizer {training['optimizer']!r}; allowed: sgd, adam")

    return SuperpositionModule


def cpu_state(model) -> dict:
    """The network's weights, copied to the CPU (a snapshot that later steps do not change)."""
    return {name: tensor.detach().cpu().clone() for name, tensor in model.state_dict().items()}


def bundle_snapshots(directory: Path, model, last_step: int, settings: dict, path: Path) -> None:
    """Every snapshot up to ``last_step``, and the final network, in one file at ``path``:
    ``{"model": {"features", "hidden"}, "snapshots": {step: {"W", "b"}}}`` (:func:`load_snapshots`)."""
    import torch

    from phenomena.common.files import atomic_path, load_torch

    snapshots = {int(file.stem.removeprefix("step")): load_torch(file) for file in sorted(directory.glob("step*.pt"))}
    snapshots = {step: state for step, state in snapshots.items() if step <= last_step}
    snapshots[last_step] = cpu_state(model)
    bundle = {
        "model": {"features": settings["features"], "hidden": settings["hidden"]},
        "snapshots": dict(sorted(snapshots.items())),
    }
    with atomic_path(path) as temporary:
        torch.save(bundle, temporary)


def load_snapshots(path: str | Path) -> dict[int, dict]:
    """Step -> ``{"W", "b"}`` of a run's ``snapshots.pt`` (:func:`model_from_state` builds each)."""
    from phenomena.common.files import load_torch

    return {int(step): state for step, state in load_torch(path)["snapshots"].items()}


def save_dataset(inputs, path: Path) -> None:
    """The training set as the LLC job reads it: ``{"inputs": (examples, features)}``."""
    import torch

    from phenomena.common.files import atomic_path

    with atomic_path(path) as temporary:
        torch.save({"inputs": inputs}, temporary)


def train_superposition(settings: dict, run_dir: str | Path, *, threads: int = 1, options=None):
    """Train one toy model (``settings``: :data:`DEFAULT_SETTINGS`'s keys) into ``run_dir``.

    Writes ``history.parquet`` (loss, ``|W|_F``, ``|b|`` and vertices at step 0 and every
    ``eval_every`` steps; tidy, sweep columns ``part`` and ``data_seed``), ``snapshots.pt`` (the
    network at :func:`snapshot_steps` and at the last step), ``dataset.pt`` (the training set)
    and then ``meta.json``; returns the history. Resumes like every run (:func:`fit_run`).
    """
    from phenomena.common.checkpoints import CHECKPOINT_DIR
    from phenomena.common.tables import records_to_tidy
    from phenomena.common.trainer_options import DEFAULT_OPTIONS
    from phenomena.common.training import Snapshots, checkpoint_every_epochs, fit_run

    run_dir = Path(run_dir)
    training = settings["training"]
    eval_every = training["eval_every"]
    inputs = make_data(settings["features"], settings["examples"], settings["data_seed"])
    snapshot_dir = run_dir / CHECKPOINT_DIR / SNAPSHOT_DIR
    module_class = lightning_module_class()
    run = run_of(settings)
    sweep = {"part": PART, "data_seed": int(settings["data_seed"])}

    def finish(module, trainer) -> dict:
        bundle_snapshots(snapshot_dir, module.model, int(trainer.global_step), settings, run_dir / "snapshots.pt")
        save_dataset(inputs, run_dir / "dataset.pt")
        return {}

    snapshots = Snapshots(
        snapshot_steps(training["steps"], eval_every, settings["snapshots"]),
        key=lambda trainer, module: trainer.global_step,
        path=lambda step: snapshot_dir / f"step{step:08d}.pt",
        state=lambda module: cpu_state(module.model),
    )
    return fit_run(
        settings,
        run_dir,
        seed=settings["seed"],
        build_module=lambda: module_class(inputs, settings),
        max_steps=training["steps"],
        checkpoint_every=checkpoint_every_epochs(training["checkpoint_every"], eval_every),
        metrics=LOGGED_METRICS,
        first_record=lambda module: {"step": 0, **evaluate(module.model, inputs)},
        to_curves=lambda records, module: records_to_tidy(
            records, LOGGED_METRICS, study=STUDY, run=run, seed=settings["seed"], sweep=sweep
        ),
        callbacks=[snapshots],
        finish=finish,
        threads=threads,
        options=DEFAULT_OPTIONS if options is None else options,
        progress_every_steps=eval_every,
        progress_metrics=["train_loss", "vertices"],
    )


def train_superposition_runs(runs: Sequence[dict], run_dirs: Sequence[str | Path], *, threads: int = 1, options=None):
    """Train the toy-model runs ``runs`` (settings of :func:`phenomena.slt.runs.superposition_runs`,
    one per seed) one after another in this process (rule ``slt_superposition_train``), each into
    its own folder of ``run_dirs`` (in the same order) as :func:`train_superposition` does; return
    each run's history.

    :func:`~phenomena.common.training.train_one_after_another` says why one process. A restarted
    job resumes each run from its own ``last.ckpt`` (a finished one has no steps left).
    """
    from phenomena.common.training import train_one_after_another

    for settings, run_dir in zip(runs, run_dirs):  # before anything is trained
        if Path(run_dir).name != run_of(settings):
            raise ValueError(f"toy-model run {run_of(settings)}: output folder {run_dir} is another run's")
    return train_one_after_another(
        runs,
        run_dirs,
        lambda settings, run_dir: train_superposition(settings, run_dir, threads=threads, options=options),
        name=run_of,
    )


# ---------------------------------------------------------------- plateaus and drops


def drop_intervals(loss: Sequence[float], fall: float = LOSS_DROP) -> np.ndarray:
    """Which intervals between consecutive snapshots are loss drops: the loss falls by at least
    ``fall`` of its value, ``loss[t + 1] <= (1 - fall) * loss[t]`` (log loss falls by at least
    ``-log(1 - fall)``, 0.22 for 20%). Scale-free. One entry per interval (``len(loss) - 1``)."""
    loss = np.asarray(loss, dtype=float)
    return loss[1:] <= (1.0 - fall) * loss[:-1]


def drop_episodes(steps: Sequence[int], loss: Sequence[float], fall: float = LOSS_DROP) -> list[tuple[int, int]]:
    """Runs of consecutive drop intervals (:func:`drop_intervals`), as (first step, last step)."""
    steps, drops = np.asarray(steps), drop_intervals(loss, fall)
    episodes: list[tuple[int, int]] = []
    for index in np.flatnonzero(drops):
        if episodes and episodes[-1][1] == int(steps[index]):
            episodes[-1] = (episodes[-1][0], int(steps[index + 1]))
        else:
            episodes.append((int(steps[index]), int(steps[index + 1])))
    return episodes


def plateaus(
    steps: Sequence[int], loss: Sequence[float], flat: float = 0.05, span: float = 3.0
) -> list[tuple[int, int]]:
    """Stretches where the loss stays within ``flat`` (relative) of its value at their start and
    that last at least a factor ``span`` in steps (steps > 0; scale-free), as (first step, last
    step), maximal and disjoint, in order."""
    steps, loss = np.asarray(steps, dtype=float), np.asarray(loss, dtype=float)
    found, start = [], 0
    while start < len(steps):
        end = start
        while end + 1 < len(steps) and abs(math.log(loss[end + 1] / loss[start])) <= math.log1p(flat):
            end += 1
        if steps[start] > 0 and steps[end] >= span * steps[start]:
            found.append((int(steps[start]), int(steps[end])))
            start = end + 1
        else:
            start += 1
    return found


def plateau_drops(
    steps: Sequence[int],
    loss: Sequence[float],
    fall: float = 0.3,
    flat: float = 0.05,
    span: float = 3.0,
    within: float = 4.0,
) -> list[dict]:
    """Plateaus (:func:`plateaus`) that end in a drop: within a factor ``within`` in steps after the
    plateau's last step the loss falls by at least ``fall`` of the plateau's level. Each as
    ``{"plateau": (first, last), "drop": (last, step reached), "before", "after"}`` (the losses)."""
    steps_array, loss_array = np.asarray(steps, dtype=float), np.asarray(loss, dtype=float)
    found = []
    for first, last in plateaus(steps, loss, flat, span):
        end = int(np.flatnonzero(steps_array == last)[0])
        level = loss_array[end]
        later = np.flatnonzero((steps_array > last) & (steps_array <= within * last))
        reached = [index for index in later if loss_array[index] <= (1 - fall) * level]
        if reached:
            index = reached[0]
            found.append(
                {
                    "plateau": (first, last),
                    "drop": (last, int(steps_array[index])),
                    "before": float(level),
                    "after": float(loss_array[index]),
                }
            )
    return found


# ---------------------------------------------------------------- the detector


def enrichment(series: Sequence[float], drops: Sequence[bool]) -> float:
    """How much of a series' change falls in the loss-drop intervals, against their share.

    (share of the total ``|change|`` of ``series`` between consecutive snapshots that falls in
    drop intervals) / (share of intervals that are drops). 1: the series changes no more where the
    loss drops than elsewhere; above 1: its changes concentrate where the loss drops (at most
    ``1 / share of drops``, all change there). Scale-free (a multiple of the series gives the same).
    NaN when there is no drop interval, or all are, or the series never changes.
    """
    changes = np.abs(np.diff(np.asarray(series, dtype=float)))
    drops = np.asarray(drops, dtype=bool)
    if changes.shape != drops.shape:
        raise ValueError(f"{len(changes)} changes but {len(drops)} interval labels")
    share_of_intervals, total = float(drops.mean()), float(changes.sum())
    if share_of_intervals in (0.0, 1.0) or total == 0.0 or not np.isfinite(total):
        return float("nan")
    return float(changes[drops].sum() / total / share_of_intervals)


def rising_share(series: Sequence[float], drops: Sequence[bool]) -> float:
    """Share of the drop intervals in which ``series`` rises (Chen et al.: more vertices, a higher
    LLC); NaN without drops."""
    changes, drops = np.diff(np.asarray(series, dtype=float)), np.asarray(drops, dtype=bool)
    return float((changes[drops] > 0).mean()) if drops.any() else float("nan")


def coincidence(
    steps: Sequence[int],
    loss: Sequence[float],
    llc: Sequence[float],
    control: Sequence[float],
    fall: float = LOSS_DROP,
) -> dict[str, float]:
    """One seed's detector on its snapshots (same steps, in order): the drop intervals of ``loss``
    (:func:`drop_intervals` with ``fall``), the :func:`enrichment` of the LLC and of the control
    series (``|W|_F``: is the LLC more specific than any change of the weights?), and the share of
    drop intervals in which the LLC rises."""
    steps = np.asarray(steps)
    if np.any(np.diff(steps) <= 0):
        raise ValueError("snapshot steps must increase")
    drops = drop_intervals(loss, fall)
    return {
        "intervals": int(len(drops)),
        "drop_intervals": int(drops.sum()),
        "llc_enrichment": enrichment(llc, drops),
        "control_enrichment": enrichment(control, drops),
        "llc_rising_share": rising_share(llc, drops),
    }
