# Double descent: source data -> noisy training sets -> stacked training -> metrics.
# Figures, the target rule and where each rule runs: src/phenomena/double_descent/study.py.
# Rule files share one namespace: names here start with the study's (DD_, dd_, double_descent_).
import phenomena.double_descent.runs as dd_runs

DOUBLE_DESCENT = config["double_descent"]
DD_JOBS = dd_runs.plan_jobs(DOUBLE_DESCENT)
DD_DATASETS = (
    {  # every training set by name (n<size>_noise<f>_seed<s>) -> a member using it
        **dd_runs.plan_datasets(DD_JOBS),
        **dd_runs.random_feature_datasets(DOUBLE_DESCENT),
    }
)
DD_RANDOM_FEATURES = DOUBLE_DESCENT["random_features"]
DD_DIR = "results/double_descent"
DD_TABLES = ["curves", "final", "summary", "random_features"]


wildcard_constraints:
    dd_dataset="|".join(map(re.escape, DD_DATASETS)),
    dd_job="|".join(map(re.escape, DD_JOBS)),


rule double_descent_source:
    output:
        f"{DD_DIR}/data/source.pt",
    log:
        f"{DD_DIR}/logs/data/source.log",
    params:
        data=DOUBLE_DESCENT["data"],
    script:
        "../scripts/double_descent_source.py"


rule double_descent_dataset:
    input:
        rules.double_descent_source.output,
    output:
        f"{DD_DIR}/data/{{dd_dataset}}.pt",
    log:
        f"{DD_DIR}/logs/data/{{dd_dataset}}.log",
    params:
        num_train=lambda wc: DD_DATASETS[wc.dd_dataset].num_train,
        label_noise=lambda wc: DD_DATASETS[wc.dd_dataset].label_noise,
        seed=lambda wc: DD_DATASETS[wc.dd_dataset].seed,
    script:
        "../scripts/double_descent_dataset.py"


rule double_descent_train:
    input:
        lambda wc: [
            f"{DD_DIR}/data/{member.dataset_name}.pt"
            for member in DD_JOBS[wc.dd_job].members
        ],
    output:
        history=f"{DD_DIR}/runs/{{dd_job}}/history.parquet",
        meta=f"{DD_DIR}/runs/{{dd_job}}/meta.json",
    log:
        f"{DD_DIR}/logs/train/{{dd_job}}.log",
    threads: config["threads_per_job"]
    resources:
        **job_resources("double_descent_train"),
    params:
        settings=lambda wc: dd_runs.resolved_settings(
            DOUBLE_DESCENT, DD_JOBS[wc.dd_job]
        ),
        accelerator=config["accelerator"],
    script:
        "../scripts/double_descent_train.py"


rule double_descent_random_features:
    input:
        expand(
            f"{DD_DIR}/data/{{dd_dataset}}.pt",
            dd_dataset=dd_runs.random_feature_datasets(DOUBLE_DESCENT),
        ),
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


rule double_descent_metrics:
    input:
        histories=expand(f"{DD_DIR}/runs/{{dd_job}}/history.parquet", dd_job=DD_JOBS),
        random_features=(
            rules.double_descent_random_features.output if DD_RANDOM_FEATURES else []
        ),
    output:
        **{table: f"{DD_DIR}/metrics/{table}.parquet" for table in DD_TABLES},
    log:
        f"{DD_DIR}/logs/metrics.log",
    params:
        study=DOUBLE_DESCENT,
    script:
        "../scripts/double_descent_metrics.py"
