# Double descent: source data -> stacked training (model-wise jobs, sample-wise size grids) and
# random features (along features; along the map's sizes, its positive control) -> metrics.
# Figures, the target rule and where each rule runs: src/phenomena/double_descent/study.py.
# Rule files share one namespace: names here start with the study's (DD_, dd_, double_descent_).
# Every job makes its training sets from the source itself (milliseconds): no job per training set.
import phenomena.double_descent.runs as dd_runs

DOUBLE_DESCENT = config["double_descent"]
DD_JOBS = dd_runs.plan_jobs(DOUBLE_DESCENT)
DD_SIZE_GRID_JOBS = dd_runs.plan_size_grid_jobs(DOUBLE_DESCENT)
DD_RANDOM_FEATURES = DOUBLE_DESCENT["random_features"]
DD_SIZE_CONTROL = dd_runs.size_control_spec(DOUBLE_DESCENT)
DD_DIR = STUDIES["double_descent"].results(RESULTS)
DD_SOURCE = f"{DD_DIR}/data/source.pt"
DD_TABLES = [
    "curves",
    "final",
    "summary",
    "random_features",
    "sample_wise_curves",
    "sample_wise_summary",
    "random_features_sample_wise",
    "random_features_sample_wise_summary",
]


wildcard_constraints:
    dd_job="|".join(map(re.escape, DD_JOBS)),
    dd_size_grid_job="|".join(map(re.escape, DD_SIZE_GRID_JOBS)),


rule double_descent_source:
    output:
        DD_SOURCE,
    log:
        f"{DD_DIR}/logs/data/source.log",
    params:
        data=DOUBLE_DESCENT["data"],
    script:
        "../scripts/double_descent_source.py"


# First of all training: the SLT study's LLC jobs (minutes) wait for every stack, and run last
# on one core otherwise.
rule double_descent_train:
    input:
        DD_SOURCE,
    output:
        history=f"{DD_DIR}/runs/{{dd_job}}/history.parquet",
        weights=f"{DD_DIR}/runs/{{dd_job}}/weights.pt",
        meta=f"{DD_DIR}/runs/{{dd_job}}/meta.json",
    log:
        f"{DD_DIR}/logs/train/{{dd_job}}.log",
    priority: 2
    threads: config["threads_per_job"]
    resources:
        **job_resources("double_descent_train"),
    params:
        settings=lambda wc: dd_runs.resolved_settings(
            DOUBLE_DESCENT, DD_JOBS[wc.dd_job]
        ),
        trainer=trainer_params(),
    script:
        "../scripts/double_descent_train.py"


rule double_descent_size_grid:
    input:
        DD_SOURCE,
    output:
        history=f"{DD_DIR}/runs/{{dd_size_grid_job}}/history.parquet",
        meta=f"{DD_DIR}/runs/{{dd_size_grid_job}}/meta.json",
    log:
        f"{DD_DIR}/logs/train/{{dd_size_grid_job}}.log",
    threads: config["threads_per_job"]
    resources:
        **job_resources("double_descent_size_grid"),
    params:
        settings=lambda wc: dd_runs.resolved_settings(
            DOUBLE_DESCENT, DD_SIZE_GRID_JOBS[wc.dd_size_grid_job]
        ),
        trainer=trainer_params(),
    script:
        "../scripts/double_descent_size_grid.py"


rule double_descent_random_features:
    input:
        DD_SOURCE,
    output:
        f"{DD_DIR}/random_features/curves.parquet",
    log:
        f"{DD_DIR}/logs/random_features.log",
    threads: config["threads_per_job"]
    resources:
        **job_resources("double_descent_random_features"),
    params:
        spec=DD_RANDOM_FEATURES,
    script:
        "../scripts/double_descent_random_features.py"


# The map's positive control: random features along the same size grid, noise and seeds (no
# training: ~95 CPU-seconds for the default's 72 fits); its params leave out the widths, so a
# new width does not rerun it.
rule double_descent_random_features_sizes:
    input:
        DD_SOURCE,
    output:
        f"{DD_DIR}/random_features/sample_wise.parquet",
    log:
        f"{DD_DIR}/logs/random_features_sample_wise.log",
    threads: config["threads_per_job"]
    resources:
        **job_resources("double_descent_random_features_sizes"),
    params:
        spec=DD_SIZE_CONTROL,
    script:
        "../scripts/double_descent_random_features_sizes.py"


rule double_descent_metrics:
    input:
        histories=expand(f"{DD_DIR}/runs/{{dd_job}}/history.parquet", dd_job=DD_JOBS),
        size_grids=expand(
            f"{DD_DIR}/runs/{{dd_size_grid_job}}/history.parquet",
            dd_size_grid_job=DD_SIZE_GRID_JOBS,
        ),
        random_features=(
            rules.double_descent_random_features.output if DD_RANDOM_FEATURES else []
        ),
        random_features_sizes=(
            rules.double_descent_random_features_sizes.output
            if DD_SIZE_CONTROL
            else []
        ),
    output:
        **{table: f"{DD_DIR}/metrics/{table}.parquet" for table in DD_TABLES},
    log:
        f"{DD_DIR}/logs/metrics.log",
    params:
        study=DOUBLE_DESCENT,
    script:
        "../scripts/double_descent_metrics.py"
