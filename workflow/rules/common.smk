# Helpers shared by the rule files; keep logic in src/phenomena, not here.
# Each study declares itself once (src/phenomena/<study>/study.py); studies.smk builds its
# figure rules, target rule and placements from that declaration.
import os
import signal
import sys
from pathlib import Path

from phenomena.common.cluster import bundle_group
from phenomena.common.config import ConfigError
from phenomena.common.study import Placement, check_rules_declared
from phenomena.studies import all_studies, check_config

SRC = Path(workflow.basedir) / "src" / "phenomena"
# Every output lands under config["results"]: an overlay can build beside the default.
RESULTS = config["results"]
STUDIES = {study.name: study for study in all_studies()}
PLACEMENTS = {  # rule name -> where its jobs run, from every study's declaration
    name: placement
    for study in STUDIES.values()
    for name, placement in study.rules.items()
}


def stop_on_config_error(check, *args):
    """Run ``check``; a ConfigError ends the workflow with its one line, before any job."""
    try:
        check(*args)
    except ConfigError as error:
        sys.exit(f"phenomena: {error}")


stop_on_config_error(check_config, config, Path(workflow.basedir) / "workflow/schemas")


def check_device_here():
    """A device that config['accelerator'] names and this machine lacks stops the workflow now, in
    one line, before any job: when the jobs run here (gpus_per_job 0: nothing asks a scheduler for
    GPUs) or this is a cluster job's node. Jobs sent to GPU nodes check their own node.
    """
    if config["accelerator"] in ("auto", "cpu"):
        return
    if config["gpus_per_job"] == 0 or "SLURM_JOB_ID" in os.environ:
        from phenomena.common.runtime import check_accelerator  # imports torch

        stop_on_config_error(check_accelerator, config["accelerator"])


check_device_here()

if "SLURM_JOB_ID" in os.environ:
    # SLURM sends the time-limit signal (--signal=USR1@..., job_resources) to every process
    # of a job step: only training acts on it (common/lightning.py); Snakemake must not die of it.
    # SIGTERM (preemption, scancel) needs no such line: Snakemake's scheduler catches it and waits
    # for its running job, which saves a checkpoint at the end of its epoch and stops.
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)


def study_targets():
    """What the studies named in config['studies'] build (their figures, and any extra targets)."""
    return [
        path
        for name in config["studies"]
        for path in STUDIES[name].targets(config[name], RESULTS)
    ]


def trainer_params():
    """The ``trainer`` param of every training rule: the config keys that may change a run's result
    (a change reruns it). The ``logger`` key, which only adds log files, is read from the config by
    the job (phenomena.common.trainer_options.TrainerOptions.of_job)."""
    return {"accelerator": config["accelerator"], "precision": config["precision"]}


def job_resources(rule):
    """What a scheduler (SLURM) reserves for each job of ``rule``: its entry in
    config['resources'] (runtime, mem_mb, cpus_per_task); for a rule the study declares as
    training, SIGUSR1 requeue_before_limit seconds before its time limit, on which it
    checkpoints and stops, to be resubmitted by Snakemake and resume; for a rule placed on GPUs,
    gpus_per_job GPUs of type gpu_model. Rules without an entry get the profile's
    default-resources."""
    placement = PLACEMENTS[rule]
    resources = dict(config["resources"].get(rule, {}))
    if placement.trains:
        resources["slurm_extra"] = f"--signal=USR1@{config['requeue_before_limit']}"
    if placement.asks_for_gpus and config["gpus_per_job"] > 0:
        resources["gpu"] = config["gpus_per_job"]
        if config["gpu_model"]:
            resources["gpu_model"] = config["gpu_model"]
    return resources


def bundle_short_jobs():
    """On a cluster, short jobs share submissions (config bundle_minutes): each rule joins the
    group phenomena.common.cluster.bundle_group names; runs on one machine ignore it."""
    if workflow.resource_settings.nodes is None:
        return  # jobs run here (--cores): nothing is submitted
    # Snakemake gives a group job the summed resources of its jobs that may run at once, up to
    # --cores: with one job's threads, a bundle's jobs run one after another on one job's share
    workflow.global_resources["_cores"] = config["threads_per_job"]
    for defined in workflow.rules:
        defined.group = bundle_group(
            config["resources"].get(defined.name, {}),
            PLACEMENTS.get(defined.name, Placement.LOGIN),
            config["bundle_minutes"],
        )


def check_resources():
    """Each name in config['resources'] must name a rule; a misspelt one would be ignored."""
    rules = {rule.name for rule in workflow.rules}
    for name in config["resources"]:
        if name not in rules:
            raise ConfigError(
                f"config key resources.{name}: no such rule; allowed: {', '.join(sorted(rules))}"
            )


def check_placements():
    """Every study's declared rules exist and every rule of a study is declared."""
    defined = {rule.name for rule in workflow.rules}
    for study in STUDIES.values():
        check_rules_declared(study, config[study.name], defined)


def figure_code(study, figure):
    """The source of one figure, inputs of its rule: editing the figure's module reruns that
    figure only; editing the study's shared figure helpers reruns all its figures."""
    figures = SRC / study / "figures"
    return [figures / f"{figure}.py", figures / "__init__.py"]


def findings_code(study):
    """The source of a study's findings, inputs of its findings rule: its findings modules
    (``findings.py`` and any ``*findings*.py`` beside it), the findings layer and the stats.
    """
    return [
        *sorted((SRC / study).glob("*findings*.py")),
        SRC / "common" / "findings.py",
        SRC / "common" / "stats.py",
    ]
