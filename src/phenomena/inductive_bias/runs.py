"""The jobs of the inductive-bias study and the runs each trains, from its config section.

Each classifier setting (a "job": its name is its runs' folder) is trained once per seed of
``seeds``, each run in its own folder ``runs/<job>/seed<seed>``. The runs are seconds of work, so a
Snakemake job per run would mostly pay Python's start-up: a long setting's runs share a job (rule
``inductive_bias_train_classifiers``), the short settings' runs (:func:`is_short`) all share one
(rule ``inductive_bias_train_short_classifiers``), and so do the kernel settings' runs (rule
``inductive_bias_train_kernels``).
"""

from __future__ import annotations

from phenomena.common.config import ConfigError
from phenomena.common.naming import run_name

STUDY = "inductive_bias"


def check_study_config(study: dict) -> None:
    """Checks the JSON schema cannot express (the schema has checked types and ranges)."""
    sgd = study["sgd"]
    train_examples, data = sgd["train_examples"], study["data"]
    available = int(data["num_samples"] * data["train_split"])
    if train_examples > available:
        raise ConfigError(
            f"config key inductive_bias.sgd.train_examples: got {train_examples}; the data has "
            f"{available} training examples (data.num_samples x data.train_split)"
        )
    for key in ("batch_sizes", "regularizer_batch"):
        values = sgd[key] if key == "batch_sizes" else [sgd[key]]
        too_large = [size for size in values if size > train_examples]
        if too_large:
            raise ConfigError(
                f"config key inductive_bias.sgd.{key}: got {too_large[0]}; must be at most "
                f"sgd.train_examples ({train_examples})"
            )
    if "exact" in sgd["regularizers"] and train_examples % sgd["regularizer_batch"]:
        raise ConfigError(
            f"config key inductive_bias.sgd.regularizer_batch: got {sgd['regularizer_batch']}; the exact "
            f"regularizer needs minibatches that partition sgd.train_examples ({train_examples}): a divisor"
        )
    kernel = study["kernel"]
    if kernel["alphas"] and kernel["reference_width"] not in kernel["widths"]:
        raise ConfigError(
            f"config key inductive_bias.kernel.reference_width: got {kernel['reference_width']}; "
            f"must be one of kernel.widths {kernel['widths']} (the alphas are trained at that width)"
        )


def classifier_jobs(study: dict) -> dict[str, dict]:
    """Job name -> settings of the architecture and SGD parts' jobs (without the seed)."""
    return {**architecture_jobs(study), **sgd_jobs(study)}


def is_short(settings: dict) -> bool:
    """Whether a classifier setting's runs are short: the MLP without the explicit regularizer.

    Measured in the default run (2 cores, 2026-12-07), a run of such a setting is 0.4-4 s of work
    (architecture MLPs 2.3-3.5 s, SGD at every batch size 0.4-1.6 s, full batch without the
    regularizer ~4 s), less than a job's ~5 s of start-up; a CNN run is 9-15 s, a regularized one
    26-39 s (a gradient of gradient norms). The short ones share one job, the long ones keep theirs.
    """
    return settings["model"] == "mlp" and settings["training"]["regularizer_batch"] is None


def short_classifier_jobs(study: dict) -> dict[str, dict]:
    """The classifier jobs whose runs one job trains together (:func:`is_short`)."""
    return {job: settings for job, settings in classifier_jobs(study).items() if is_short(settings)}


def long_classifier_jobs(study: dict) -> dict[str, dict]:
    """The classifier jobs that keep a job each (every seed of the setting)."""
    return {job: settings for job, settings in classifier_jobs(study).items() if not is_short(settings)}


def architecture_jobs(study: dict) -> dict[str, dict]:
    """One job per model x input order."""
    part = study["architecture"]
    jobs = {}
    for model in part["models"]:
        for order in part["orders"]:
            name = run_name([("architecture_", model), ("", order)])
            jobs[name] = {
                "part": "architecture",
                "model": model,
                "model_settings": part[model],
                "order": order,
                "train_examples": None,
                "training": {
                    **part["training"],
                    "optimizer": "adam",
                    "regularizer_batch": None,
                    "log_regularizer_batch": None,
                },
            }
    return jobs


def sgd_jobs(study: dict) -> dict[str, dict]:
    """One job per batch size at ``epochs`` epochs, and the full-batch runs as long (in steps) as
    the smallest batch size's: plain, and with the explicit regularizer in each form of
    ``regularizers`` (job ``sgd_fullbatch_steps<S>_regularized_<form>``)."""
    part = study["sgd"]
    examples, epochs = part["train_examples"], part["epochs"]

    def job(batch_size: int, steps: int, form: str | None) -> dict:
        regularized = form is not None
        training = {
            "optimizer": "sgd",
            "lr": part["lr"],
            "batch_size": batch_size,
            "steps": steps,
            "evaluations": part["evaluations"],
            "checkpoint_every": max(1, steps // 4),  # steps: seconds of work, four checkpoints
            "regularizer_batch": part["regularizer_batch"] if regularized else None,
            "log_regularizer_batch": part["regularizer_batch"],
        }
        if regularized:
            training["regularizer_form"] = form
        return {
            "part": "sgd",
            "model": "mlp",
            "model_settings": part["model"],
            "order": "original",
            "train_examples": examples,
            "batch_size": batch_size,
            "regularized": regularized,
            "training": training,
        }

    jobs = {}
    for batch_size in part["batch_sizes"]:
        steps = epochs * (examples // batch_size)
        jobs[run_name([("sgd_batch", batch_size), ("epochs", epochs)])] = job(batch_size, steps, None)
    long_steps = epochs * (examples // min(part["batch_sizes"]))
    jobs[run_name([("sgd_fullbatch_steps", long_steps), ("", "plain")])] = job(examples, long_steps, None)
    for form in part["regularizers"]:
        jobs[run_name([("sgd_fullbatch_steps", long_steps), ("regularized_", form)])] = job(examples, long_steps, form)
    return jobs


def regularizer_form(job: str) -> str | None:
    """The regularizer form an SGD-part job trains with, from its name (None: plain)."""
    head, _, form = job.rpartition("_regularized_")
    return form if head else None


def kernel_jobs(study: dict) -> dict[str, dict]:
    """One setting (its runs' folder name) per width at alpha 1, and per alpha at the reference
    width; one job trains them all."""
    part = study["kernel"]
    points = [(width, 1.0) for width in part["widths"]]
    points += [(part["reference_width"], float(alpha)) for alpha in part["alphas"] if float(alpha) != 1.0]
    return {
        run_name([("kernel_width", width), ("alpha", alpha)]): {
            "part": "kernel",
            "width": width,
            "alpha": alpha,
            "task": part["task"],
            "training": part["training"],
        }
        for width, alpha in points
    }


def run_settings(job: str, settings: dict, seed: int) -> dict:
    """The settings of the run of ``job`` with ``seed`` (its identity in checkpoints and meta.json)."""
    return {"run": f"{job}_seed{seed}", "job": job, "seed": seed, **settings}
