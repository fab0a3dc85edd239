# Grokking on modular arithmetic: train (drawing its split) -> metrics (+ progress measures, LLC).
# Figures, the target rule and where each rule runs: src/phenomena/grokking/study.py.
# No data rule: a split costs milliseconds to draw and a job ~5 s to start, so each training
# job draws its own (from operation, modulus, fraction and seed) and keeps it beside the run.
# Rule files share one namespace: names here start with the study's (GROKKING_, grokking_).
import phenomena.grokking.runs as grokking_runs

GROKKING = config["grokking"]
GROKKING_DIR = STUDIES["grokking"].results(RESULTS)
GROKKING_RUNS = grokking_runs.plan_runs(GROKKING)
GROKKING_LLC_TRAJECTORIES = grokking_runs.llc_trajectory_runs(GROKKING, GROKKING_RUNS)
# Runs by name with their settings and files, for the rules that look inside trained runs.
GROKKING_PROGRESS_FILES = grokking_runs.trained_run_files(
    GROKKING_DIR, grokking_runs.progress_runs(GROKKING_RUNS)
)
# The LLC at the last step only: the runs of llc.final that are not trajectories.
GROKKING_LLC_FINAL_FILES = grokking_runs.trained_run_files(
    GROKKING_DIR, grokking_runs.llc_final_runs(GROKKING, GROKKING_RUNS)
)
GROKKING_SAMPLER = (GROKKING["llc"] or {}).get("sampler")


wildcard_constraints:
    grokking_run="|".join(map(re.escape, GROKKING_RUNS)),


rule grokking_train:
    output:
        dataset=f"{GROKKING_DIR}/runs/{{grokking_run}}/dataset.pt",
        history=f"{GROKKING_DIR}/runs/{{grokking_run}}/history.parquet",
        snapshots=f"{GROKKING_DIR}/runs/{{grokking_run}}/snapshots.pt",
        meta=f"{GROKKING_DIR}/runs/{{grokking_run}}/meta.json",
    log:
        f"{GROKKING_DIR}/logs/train/{{grokking_run}}.log",
    threads: config["threads_per_job"]
    resources:
        **job_resources("grokking_train"),
    params:
        settings=lambda wc: grokking_runs.resolved_settings(
            GROKKING, GROKKING_RUNS[wc.grokking_run]
        ),
        trainer=trainer_params(),
    script:
        "../scripts/grokking_train.py"


rule grokking_metrics:
    input:
        expand(
            f"{GROKKING_DIR}/runs/{{grokking_run}}/history.parquet",
            grokking_run=GROKKING_RUNS,
        ),
    output:
        curves=f"{GROKKING_DIR}/metrics/curves.parquet",
        summary=f"{GROKKING_DIR}/metrics/summary.parquet",
    log:
        f"{GROKKING_DIR}/logs/metrics.log",
    script:
        "../scripts/grokking_metrics.py"


# progress and llc read every run and are the study's last long jobs: before the figures
# that are ready at the same time (each waits on one of them), so both cores stay busy.
rule grokking_progress:
    input:
        grokking_runs.input_files(GROKKING_PROGRESS_FILES),
    output:
        f"{GROKKING_DIR}/metrics/progress.parquet",
    log:
        f"{GROKKING_DIR}/logs/progress.log",
    priority: 1
    threads: config["threads_per_job"]
    resources:
        **job_resources("grokking_progress"),
    params:
        runs=GROKKING_PROGRESS_FILES,
        settings=GROKKING["progress"],
    script:
        "../scripts/grokking_progress.py"


# The LLC of a trajectory run at every snapshot: one job per run (the costly part).
rule grokking_llc_trajectory:
    input:
        lambda wc: grokking_runs.input_files(
            grokking_runs.trained_run_files(
                GROKKING_DIR, {wc.grokking_run: GROKKING_RUNS[wc.grokking_run]}
            )
        ),
    output:
        f"{GROKKING_DIR}/runs/{{grokking_run}}/llc.parquet",
    log:
        f"{GROKKING_DIR}/logs/llc/{{grokking_run}}.log",
    threads: config["threads_per_job"]
    resources:
        **job_resources("grokking_llc_trajectory"),
    params:
        runs=lambda wc: grokking_runs.trained_run_files(
            GROKKING_DIR, {wc.grokking_run: GROKKING_RUNS[wc.grokking_run]}
        ),
        steps="all",
        sampler=GROKKING_SAMPLER,
    script:
        "../scripts/grokking_llc.py"


# The LLC of the llc.final runs at their last step, one job, and the trajectories beside them.
rule grokking_llc:
    input:
        runs=grokking_runs.input_files(GROKKING_LLC_FINAL_FILES),
        tables=expand(
            f"{GROKKING_DIR}/runs/{{grokking_run}}/llc.parquet",
            grokking_run=GROKKING_LLC_TRAJECTORIES,
        ),
    output:
        f"{GROKKING_DIR}/metrics/llc.parquet",
    log:
        f"{GROKKING_DIR}/logs/llc.log",
    priority: 1
    threads: config["threads_per_job"]
    resources:
        **job_resources("grokking_llc"),
    params:
        runs=GROKKING_LLC_FINAL_FILES,
        steps="last",
        sampler=GROKKING_SAMPLER,
    script:
        "../scripts/grokking_llc.py"


# Where each LLC trajectory crosses its geometric midpoint, against the validation jump and the
# memorizing control's crossing (src/phenomena/grokking/llc_lead.py).
rule grokking_llc_lead:
    input:
        llc=f"{GROKKING_DIR}/metrics/llc.parquet",
        summary=f"{GROKKING_DIR}/metrics/summary.parquet",
    output:
        f"{GROKKING_DIR}/metrics/llc_lead.parquet",
    log:
        f"{GROKKING_DIR}/logs/llc_lead.log",
    script:
        "../scripts/grokking_llc_lead.py"
