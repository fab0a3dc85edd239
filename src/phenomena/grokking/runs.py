"""The runs of the grokking study: sweep points from config, their names and resolved settings."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from phenomena.common.config import ConfigError
from phenomena.common.naming import run_name, union_of_grids

ADDITIVE_OPERATIONS = ("add", "sub")  # where Nanda et al.'s Fourier progress measures apply
BASELINE_OPTIMIZER = "adamw"
STEP_CONTROL = "adamw_step_control"
GROKFAST = ("grokfast", "grokfast_adam")  # with the slow-gradient filter
COUPLED_DECAY = ("adam_l2", "grokfast_adam")  # torch.optim.Adam: weight decay as an L2 term of the gradient
OPTIMIZERS = (BASELINE_OPTIMIZER, STEP_CONTROL, "grokfast", "adam_l2", "grokfast_adam")
"""AdamW; AdamW with a bigger step at the same decay per step (:func:`optimizer_settings`); Grokfast-EMA
on AdamW; Adam with coupled (L2) weight decay, without and with Grokfast-EMA (the Grokfast
repository's optimizer)."""


@dataclass(frozen=True)
class GrokkingRun:
    """One sweep point: which data, which regulariser and optimizer, which seed; and, where its
    grid sets one, its own step budget (``max_steps``, else ``training.max_steps``)."""

    operation: str
    modulus: int
    train_fraction: float
    weight_decay: float
    optimizer: str
    seed: int
    max_steps: int | None = None

    @property
    def name(self) -> str:
        return run_name(
            [
                ("", self.operation),
                ("p", self.modulus),
                ("frac", self.train_fraction),
                ("wd", self.weight_decay),
                ("", self.optimizer),
                *([("steps", self.max_steps)] if self.max_steps is not None else []),
                ("seed", self.seed),
            ]
        )

    @property
    def dataset_name(self) -> str:
        """Runs that share operation, modulus, fraction and seed share one split."""
        return run_name(
            [
                ("", self.operation),
                ("p", self.modulus),
                ("frac", self.train_fraction),
                ("seed", self.seed),
            ]
        )

    def sweep_columns(self) -> dict[str, object]:
        columns = asdict(self)
        columns.pop("seed")  # already a tidy column
        columns.pop("max_steps")  # a budget, not a sweep value: a run's last step shows it (and its name)
        return columns

    def settings(self) -> dict[str, object]:
        """The run's fields as settings; ``max_steps`` only where the grid set it (so a run
        without one keeps the settings, and the results, it had before the key existed)."""
        return {axis: value for axis, value in asdict(self).items() if axis != "max_steps" or value is not None}

    def step_budget(self, training: dict) -> int:
        """Where this run stops at the latest: its own ``max_steps``, else ``training.max_steps``."""
        return self.max_steps if self.max_steps is not None else training["max_steps"]


def is_prime(n: int) -> bool:
    """True when ``n`` is prime (trial division; moduli here are small)."""
    if n < 2:
        return False
    return all(n % k for k in range(2, int(n**0.5) + 1))


def check_study_config(study: dict) -> None:
    """Checks the JSON schema cannot express (the schema has checked types and ranges)."""
    if not is_prime(study["modulus"]):
        raise ConfigError(f"config key grokking.modulus: got {study['modulus']}; must be a prime number")
    runs = plan_runs(study)
    if not any(run.optimizer == BASELINE_OPTIMIZER and run.weight_decay > 0 for run in runs.values()):
        raise ConfigError(
            "config key grokking.sweeps: no run with optimizer adamw and weight_decay > 0; the study's "
            "figures are built on those runs (the ones that grok): add one"
        )
    if study["llc"] and not llc_trajectory_runs(study, runs):
        raise ConfigError(
            f"config key grokking.llc.trajectory: got {study['llc']['trajectory']}; matches no run of grokking.sweeps"
        )


def plan_runs(study: dict) -> dict[str, GrokkingRun]:
    """Every run of the study by name: the union of the ``sweeps`` grids, each point once."""
    grids = [{"operation": [study["operation"]], **grid} for grid in study["sweeps"]]
    runs = [GrokkingRun(modulus=study["modulus"], **point) for point in union_of_grids(grids)]
    return {run.name: run for run in runs}


def resolved_settings(study: dict, run: GrokkingRun) -> dict:
    """Everything that determines a run's result, as one dict (Snakemake ``params``).

    A change of any of these values makes Snakemake rerun that run and nothing else.
    """
    return {
        "run": run.settings(),
        "model": {"name": study["model"]["name"], "sizes": study["model"][study["model"]["name"]]},
        "optimizer": optimizer_settings(study["optimizer"], run),
        "training": study["training"],
    }


def optimizer_settings(optimizer: dict, run: GrokkingRun) -> dict:
    """The AdamW settings of a run's optimizer variant.

    ``adamw_step_control`` multiplies the learning rate by ``k = step_control_factor`` and
    divides the weight decay by ``k``: PyTorch's AdamW shrinks the weights by ``lr * wd`` each
    step (decoupled decay), so the control takes bigger steps at the same decay per step, the
    knob that sets grokking time. ``grokfast`` keeps the baseline's lr and wd and adds the filter.
    ``adam_l2`` trains with ``torch.optim.Adam``, whose weight decay is coupled (L2: wd * w is
    added to the gradient inside the step, then divided by Adam's RMS, so once the training
    loss is small it dominates the step); ``grokfast_adam`` adds the filter before it (the L2
    term is not filtered), as the Grokfast repository's ``main.py`` trains. Their settings have
    ``coupled_weight_decay``, a key no other variant has, so the other runs keep theirs.
    """
    factor = optimizer["step_control_factor"] if run.optimizer == STEP_CONTROL else 1.0
    coupled = {"coupled_weight_decay": True} if run.optimizer in COUPLED_DECAY else {}
    return {
        "lr": optimizer["lr"] * factor,
        "betas": list(optimizer["betas"]),
        "weight_decay": run.weight_decay / factor,
        "warmup_steps": optimizer["warmup_steps"],
        "grokfast": (
            {"alpha": optimizer["grokfast_alpha"], "lamb": optimizer["grokfast_lambda"]}
            if run.optimizer in GROKFAST
            else None
        ),
        **coupled,
    }


def matches(run: GrokkingRun, selection: dict[str, list]) -> bool:
    """True when every axis named in ``selection`` lists the run's value on that axis."""
    return all(getattr(run, axis) in values for axis, values in selection.items())


def llc_trajectory_runs(study: dict, runs: dict[str, GrokkingRun]) -> dict[str, GrokkingRun]:
    """Runs whose every snapshot gets an LLC estimate (``llc.trajectory``); none when ``llc`` is null."""
    if not study["llc"]:
        return {}
    return {name: run for name, run in runs.items() if matches(run, study["llc"]["trajectory"])}


def llc_final_runs(study: dict, runs: dict[str, GrokkingRun]) -> dict[str, GrokkingRun]:
    """Runs whose last snapshot alone gets an LLC estimate (``llc.final``, default every run): the
    final-LLC figure's; a trajectory run is not one of them (its last estimate is in its trajectory)."""
    if not study["llc"]:
        return {}
    trajectory = llc_trajectory_runs(study, runs)
    selection = study["llc"].get("final", {})
    return {name: run for name, run in runs.items() if name not in trajectory and matches(run, selection)}


def progress_runs(runs: dict[str, GrokkingRun]) -> dict[str, GrokkingRun]:
    """The AdamW runs whose operation is additive: the Fourier progress measures are defined for
    them, and the progress figure and findings read the AdamW runs only (the other optimizers'
    comparisons ask when each arm generalizes; measuring them cost ~2 s a run and fed nothing)."""
    return {
        name: run
        for name, run in runs.items()
        if run.operation in ADDITIVE_OPERATIONS and run.optimizer == BASELINE_OPTIMIZER
    }


def trained_run_files(results_dir: str, runs: dict[str, GrokkingRun]) -> dict[str, dict]:
    """For each run by name, its settings (a dict of :class:`GrokkingRun`) and the files of it
    that the rules looking inside trained runs read: ``snapshots`` and ``dataset``."""
    return {
        name: {
            "run": run.settings(),
            "snapshots": f"{results_dir}/runs/{name}/snapshots.pt",
            "dataset": f"{results_dir}/runs/{name}/dataset.pt",  # the split it trained on
        }
        for name, run in runs.items()
    }


def input_files(run_files: dict[str, dict]) -> list[str]:
    """The files in ``run_files`` (see :func:`trained_run_files`): the inputs of a rule that reads them."""
    return [path for files in run_files.values() for path in (files["snapshots"], files["dataset"])]
