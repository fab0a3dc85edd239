# Helpers shared by the rule files; keep logic in src/phenomena, not here.
import os
import signal
import sys
from pathlib import Path

from phenomena.common.config import ConfigError, load_yaml, validate_config
from phenomena.double_descent.runs import (
    check_study_config as check_double_descent_config,
)
from phenomena.grokking.runs import check_study_config as check_grokking_config
from phenomena.perturbation.runs import check_study_config as check_perturbation_config
from phenomena.tree_search.runs import check_study_config as check_tree_search_config

SRC = Path(workflow.basedir) / "src" / "phenomena"
STUDY_CHECKS = {
    "grokking": check_grokking_config,
    "double_descent": check_double_descent_config,
    "tree_search": check_tree_search_config,
    "perturbation": check_perturbation_config,
}

try:
    validate_config(
        config,
        load_yaml(Path(workflow.basedir) / "workflow/schemas/config.schema.yaml"),
    )
    for study, check in STUDY_CHECKS.items():
        check(config[study])
except ConfigError as error:
    sys.exit(f"phenomena: {error}")

if "SLURM_JOB_ID" in os.environ:
    # SLURM sends the time-limit signal (--signal=USR1@..., job_resources) to every process
    # of a job step: only training acts on it (common/lightning.py); Snakemake must not die of it.
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)

STUDY_TARGETS = {}  # study name -> its final outputs, filled by each rule file


def study_targets():
    """Final outputs of the studies named in config['studies']."""
    return [path for study in config["studies"] for path in STUDY_TARGETS[study]]


def job_resources(rule, gpu=False, requeue=False):
    """What a scheduler (SLURM) reserves for each job of ``rule``, from its entry in
    config['resources'] (runtime, mem_mb, cpus_per_task); for a rule that trains on the
    accelerator (``gpu``), gpus_per_job GPUs of type gpu_model; for a rule that trains with
    Lightning (``requeue``), SIGUSR1 requeue_before_limit seconds before its time limit, on
    which it checkpoints and stops, to be resubmitted by Snakemake and resume. Rules without
    an entry get the profile's default-resources."""
    resources = dict(config["resources"].get(rule, {}))
    if requeue:
        resources["slurm_extra"] = f"--signal=USR1@{config['requeue_before_limit']}"
    if gpu and config["gpus_per_job"] > 0:
        resources["gpu"] = config["gpus_per_job"]
        if config["gpu_model"]:
            resources["gpu_model"] = config["gpu_model"]
    return resources


def check_resources():
    """Each name in config['resources'] must name a rule; a misspelt one would be ignored."""
    rules = {rule.name for rule in workflow.rules}
    for name in config["resources"]:
        if name not in rules:
            raise ConfigError(
                f"config key resources.{name}: no such rule; allowed: {', '.join(sorted(rules))}"
            )


def figure_code(study, figure):
    """The source of one figure, inputs of its rule: editing the figure's module reruns that
    figure only; editing the study's shared figure helpers reruns all its figures."""
    figures = SRC / study / "figures"
    return [figures / f"{figure}.py", figures / "__init__.py"]
