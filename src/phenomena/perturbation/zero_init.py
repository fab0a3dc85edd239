"""Training from zero: an MLP on MNIST-1D from default, all-zero and constant initial weights.

The symmetry argument, exactly. With every weight and bias zero, every hidden ReLU outputs
0, so the gradient of every weight is 0 (each is a product with a zero activation or a zero
downstream weight): only the output bias learns, and the network predicts one class for
every input, the training set's most frequent. With every weight equal to a constant
``c != 0`` (biases 0), the units of a layer compute the same function and receive the same
gradient, so they stay equal for ever: each hidden layer is one unit copied ``width``
times, and the network is as expressive as one of width 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from phenomena.common.files import load_torch
from phenomena.common.lightning import StepTicks
from phenomena.common.tables import records_to_tidy
from phenomena.common.trainer_options import DEFAULT_OPTIONS, TrainerOptions
from phenomena.common.training import checkpoint_every_epochs, finished_history, fit_run, train_one_after_another

STUDY = "perturbation"
INITS = ("default", "zero", "constant")
NUM_CLASSES = 10


def build_mlp(inputs: int, width: int, hidden_layers: int) -> nn.Sequential:
    widths = [inputs] + [width] * hidden_layers
    blocks: list[nn.Module] = []
    for width_in, width_out in zip(widths[:-1], widths[1:]):
        blocks += [nn.Linear(width_in, width_out), nn.ReLU()]
    return nn.Sequential(*blocks, nn.Linear(widths[-1], NUM_CLASSES))


@torch.no_grad()
def initialize(model: nn.Module, init: str, constant: float) -> None:
    """``default``: PyTorch's (Kaiming-uniform); ``zero``: every weight and bias 0;
    ``constant``: every weight ``constant``, every bias 0."""
    if init == "default":
        return
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; known: {', '.join(INITS)}")
    for layer in model.modules():
        if isinstance(layer, nn.Linear):
            layer.weight.fill_(0.0 if init == "zero" else constant)
            layer.bias.zero_()


def hidden_layers(model: nn.Sequential) -> list[nn.Linear]:
    linears = [m for m in model if isinstance(m, nn.Linear)]
    return linears[:-1]


def unit_spread(layer: nn.Linear) -> float:
    """Largest distance of a unit's incoming weights and bias from those of the layer's first unit.

    0 exactly when every unit of the layer is the same function of the layer below.
    """
    units = torch.cat([layer.weight, layer.bias[:, None]], 1)
    return float((units - units[:1]).norm(dim=1).max())


def activation_rank(activations: torch.Tensor, relative_tolerance: float = 1e-4) -> int:
    """Numerical rank of an (examples x units) activation matrix: singular values above
    ``relative_tolerance`` times the largest (0 for an all-zero matrix)."""
    singular = torch.linalg.svdvals(activations.double())
    if singular.numel() == 0 or float(singular[0]) == 0.0:
        return 0
    return int((singular > relative_tolerance * singular[0]).sum())


def hidden_activations(model: nn.Sequential, inputs: torch.Tensor) -> list[torch.Tensor]:
    """Output of each hidden ReLU for ``inputs``."""
    outputs, x = [], inputs
    for module in model:
        x = module(x)
        if isinstance(module, nn.ReLU):
            outputs.append(x)
    return outputs


class ZeroInitModule(pl.LightningModule):
    """Minibatch Adam on MNIST-1D; after every epoch: accuracy, loss and the units' sameness."""

    def __init__(self, data: dict[str, torch.Tensor], model: dict, init: str, training: dict):
        super().__init__()
        self.save_hyperparameters(ignore=["data"])
        self.model = build_mlp(data["train_inputs"].shape[1], model["width"], model["hidden_layers"])
        initialize(self.model, init, model["constant"])
        self.training_settings = training
        self.data = data
        for name, tensor in data.items():
            self.register_buffer(name, tensor, persistent=False)
        # the example order, from the run's seed; its state travels in checkpoints, so a
        # resumed run shuffles the epochs after the checkpoint as the uninterrupted run did
        self.example_order = torch.Generator().manual_seed(int(torch.initial_seed()) % 2**63)
        self.loaded_order: torch.Tensor | None = None

    def train_dataloader(self) -> DataLoader:
        dataset = TensorDataset(self.data["train_inputs"], self.data["train_labels"])
        batch_size = self.training_settings["batch_size"]
        return DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=self.example_order)

    def val_dataloader(self) -> DataLoader:
        return DataLoader(StepTicks(1), batch_size=None)

    def training_step(self, batch, batch_index) -> torch.Tensor:
        inputs, labels = batch
        return F.cross_entropy(self.model(inputs), labels)

    def validation_step(self, batch, batch_index) -> None:
        self.log_dict(evaluate(self.model, self.splits()), batch_size=1)

    def splits(self) -> dict[str, torch.Tensor]:
        """The data as the module's buffers, which move with it to the accelerator (``self.data`` stays
        on the CPU, for the dataloader)."""
        return {name: getattr(self, name) for name in self.data}

    def configure_optimizers(self):
        return torch.optim.Adam(self.model.parameters(), lr=self.training_settings["lr"])

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["example_order"] = self.example_order.get_state()

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self.loaded_order = checkpoint.get("example_order")  # absent from checkpoints of older versions

    def on_train_start(self) -> None:
        """Set the loaded order now: Lightning draws from it when it sets up the dataloader, after loading."""
        if self.loaded_order is not None:
            self.example_order.set_state(self.loaded_order)
            self.loaded_order = None


@torch.no_grad()
def evaluate(model: nn.Sequential, data: dict[str, torch.Tensor]) -> dict[str, float]:
    """Loss and accuracy on both splits, distinct classes predicted on the test inputs; per hidden
    layer the unit spread and the activation rank."""
    metrics: dict[str, float] = {}
    for split in ("train", "test"):
        inputs, labels = data[f"{split}_inputs"], data[f"{split}_labels"]
        logits = model(inputs)
        metrics[f"{split}_loss"] = float(F.cross_entropy(logits, labels))
        metrics[f"{split}_accuracy"] = float((logits.argmax(-1) == labels).float().mean())
    metrics["test_predicted_classes"] = float(logits.argmax(-1).unique().numel())  # 1: one answer for every input
    for index, (layer, activations) in enumerate(
        zip(hidden_layers(model), hidden_activations(model, data["test_inputs"])), start=1
    ):
        metrics[f"layer{index}_unit_spread"] = unit_spread(layer)
        metrics[f"layer{index}_activation_rank"] = float(activation_rank(activations))
    return metrics


def logged_metrics(layers: int) -> dict[str, tuple[str, str]]:
    """Record key -> (split, metric) of the zero-init curves."""
    names = {f"{split}_{metric}": (split, metric) for split in ("train", "test") for metric in ("loss", "accuracy")}
    names["test_predicted_classes"] = ("test", "predicted_classes")
    for index in range(1, layers + 1):
        names[f"layer{index}_unit_spread"] = (f"layer{index}", "unit_spread")
        names[f"layer{index}_activation_rank"] = (f"layer{index}", "activation_rank")
    return names


def train_zero_init(
    settings: dict,
    data_path: str | Path,
    run_dir: str | Path,
    *,
    threads: int = 1,
    options: TrainerOptions = DEFAULT_OPTIONS,
) -> pd.DataFrame:
    """Train one MLP from its initialization; write history.parquet (curves and unit sameness) and meta.json.

    The history starts with the untrained network (step 0), then one record per epoch.
    """
    data = load_torch(data_path)
    training, names = settings["training"], logged_metrics(settings["model"]["hidden_layers"])
    batches_per_epoch = math.ceil(len(data["train_labels"]) / training["batch_size"])
    return fit_run(
        settings,
        run_dir,
        seed=settings["seed"],
        build_module=lambda: ZeroInitModule(data, settings["model"], settings["init"], training),
        max_steps=training["epochs"] * batches_per_epoch,
        checkpoint_every=checkpoint_every_epochs(training["checkpoint_every"]),
        metrics=names,
        first_record=lambda module: {"step": 0, **evaluate(module.model, data)},
        to_curves=lambda records, module: records_to_tidy(
            records,
            names,
            study=STUDY,
            run=settings["run"],
            seed=settings["seed"],
            sweep={"part": "zero_init", "init": settings["init"]},
        ),
        threads=threads,
        options=options,
        progress_every_steps=10,
        progress_metrics=["train_accuracy", "test_accuracy", "layer1_unit_spread"],
    )


def train_zero_init_runs(
    runs: Sequence[dict],
    data_path: str | Path,
    run_dirs: Sequence[str | Path],
    *,
    threads: int = 1,
    options: TrainerOptions = DEFAULT_OPTIONS,
) -> list[pd.DataFrame]:
    """Train the runs ``runs`` (settings of :func:`phenomena.perturbation.runs.zero_init_runs`) one
    after another in this process (rule ``perturbation_zero_init_train``), each into its own folder
    of ``run_dirs`` (in the same order), as :func:`train_zero_init` does; return each run's curves.

    :func:`~phenomena.common.training.train_one_after_another` says why one process. A run whose
    ``meta.json`` says it finished with the same settings is read, not retrained.
    """

    def read_or_train(settings: dict, run_dir: Path) -> pd.DataFrame:
        finished = finished_history(run_dir, settings)
        if finished is not None:
            print("finished earlier with these settings; read", flush=True)
            return finished
        return train_zero_init(settings, data_path, run_dir, threads=threads, options=options)

    return train_one_after_another(runs, run_dirs, read_or_train)
