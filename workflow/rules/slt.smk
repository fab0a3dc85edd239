# Singular learning theory: the LLC estimator on reduced-rank regression (known coefficients);
# the LLC of every model-wise double-descent network (its training's weights.pt: no retraining);
# the toy model of superposition: train (every seed in one job, snapshots) -> LLC at each
# snapshot -> metrics.
# Figures, findings, the target rule and where each rule runs: src/phenomena/slt/study.py.
# Rule files share one namespace: names here start with the study's (SLT_, slt_).
import phenomena.slt.runs as slt_runs

SLT = config["slt"]
SLT_DIR = STUDIES["slt"].results(RESULTS)
stop_on_config_error(slt_runs.check_double_descent_part, SLT, config["double_descent"])
SLT_SUPERPOSITION = slt_runs.superposition_runs(SLT)
SLT_DD_STEPS = slt_runs.double_descent_steps(SLT)


wildcard_constraints:
    slt_step="|".join(SLT_DD_STEPS) or "none",


# Every sampler the project estimates an LLC with, on cases whose coefficient is known.
rule slt_calibration:
    output:
        f"{SLT_DIR}/metrics/calibration.parquet",
    log:
        f"{SLT_DIR}/logs/calibration.log",
    threads: config["threads_per_job"]
    resources:
        **job_resources("slt_calibration"),
    params:
        spec=SLT["calibration"],
        samplers=slt_runs.calibration_samplers(config),
    script:
        "../scripts/slt_calibration.py"


# The LLC of every member of every model-wise double-descent stack at its last epoch: one job per
# SGLD step (the calibrated sampler's, and a fraction of it as a check; each job spends ~5 s
# importing; the 16 default stacks take ~4 CPU-minutes at the sampler's step, ~2 at the check's):
# as soon as the networks are trained (priority), so that the other jobs fill the other core.
rule slt_double_descent_llc:
    input:
        weights=expand(
            f"{DD_DIR}/runs/{{dd_job}}/weights.pt",
            dd_job=DD_JOBS if SLT["double_descent"] else [],
        ),
        source=DD_SOURCE,
    output:
        f"{SLT_DIR}/double_descent_llc/{{slt_step}}.parquet",
    log:
        f"{SLT_DIR}/logs/double_descent_llc_{{slt_step}}.log",
    priority: 2
    threads: config["threads_per_job"]
    resources:
        **job_resources("slt_double_descent_llc"),
    params:
        sampler=(SLT["double_descent"] or {}).get("sampler"),
        step=lambda wc: SLT_DD_STEPS[wc.slt_step],
    script:
        "../scripts/slt_double_descent_llc.py"


rule slt_double_descent_metrics:
    input:
        llcs=expand(
            f"{SLT_DIR}/double_descent_llc/{{slt_step}}.parquet", slt_step=SLT_DD_STEPS
        ),
        final=f"{DD_DIR}/metrics/final.parquet",
        summary=f"{DD_DIR}/metrics/summary.parquet",
    output:
        f"{SLT_DIR}/metrics/double_descent_llc.parquet",
    log:
        f"{SLT_DIR}/logs/double_descent_metrics.log",
    script:
        "../scripts/slt_double_descent_metrics.py"


# One job: every seed's run, one after another, each in its own folder (~16 s each; ~5 s of a job's
# start-up saved per run).
rule slt_superposition_train:
    output:
        history=expand(
            f"{SLT_DIR}/runs/{{slt_run}}/history.parquet", slt_run=SLT_SUPERPOSITION
        ),
        snapshots=expand(
            f"{SLT_DIR}/runs/{{slt_run}}/snapshots.pt", slt_run=SLT_SUPERPOSITION
        ),
        dataset=expand(
            f"{SLT_DIR}/runs/{{slt_run}}/dataset.pt", slt_run=SLT_SUPERPOSITION
        ),
        meta=expand(f"{SLT_DIR}/runs/{{slt_run}}/meta.json", slt_run=SLT_SUPERPOSITION),
    log:
        f"{SLT_DIR}/logs/train/superposition.log",
    threads: config["threads_per_job"]
    resources:
        **job_resources("slt_superposition_train"),
    params:
        settings=SLT_SUPERPOSITION,
        trainer=trainer_params(),
    script:
        "../scripts/slt_superposition_train.py"


# The LLC at every snapshot of every run, one job: a new sampler reruns it, never the training.
rule slt_superposition_llc:
    input:
        snapshots=expand(
            f"{SLT_DIR}/runs/{{slt_run}}/snapshots.pt", slt_run=SLT_SUPERPOSITION
        ),
        datasets=expand(
            f"{SLT_DIR}/runs/{{slt_run}}/dataset.pt", slt_run=SLT_SUPERPOSITION
        ),
    output:
        f"{SLT_DIR}/metrics/superposition_llc.parquet",
    log:
        f"{SLT_DIR}/logs/superposition_llc.log",
    threads: config["threads_per_job"]
    resources:
        **job_resources("slt_superposition_llc"),
    params:
        seeds={run: settings["seed"] for run, settings in SLT_SUPERPOSITION.items()},
        sampler=(SLT["superposition"] or {}).get("sampler"),
    script:
        "../scripts/slt_superposition_llc.py"


rule slt_superposition_metrics:
    input:
        histories=expand(
            f"{SLT_DIR}/runs/{{slt_run}}/history.parquet", slt_run=SLT_SUPERPOSITION
        ),
        llc=rules.slt_superposition_llc.output,
        snapshots=expand(
            f"{SLT_DIR}/runs/{{slt_run}}/snapshots.pt", slt_run=SLT_SUPERPOSITION
        ),
    output:
        curves=f"{SLT_DIR}/metrics/superposition_curves.parquet",
        weights=f"{SLT_DIR}/metrics/superposition_weights.parquet",
    log:
        f"{SLT_DIR}/logs/superposition_metrics.log",
    script:
        "../scripts/slt_superposition_metrics.py"
