# Double descent: source data -> noisy training sets -> stacked training -> metrics -> figures.
# Rule files share one namespace: import each study's helpers under a study prefix.
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
DD_FIGURES = {  # figure -> the metric tables it reads
    "model_wise": ["final", "summary"],
    "epoch_wise": ["curves"],
    "sample_wise": ["final", "summary"],
    "random_features": ["random_features"],
}
if DOUBLE_DESCENT["sample_wise"] is None:
    DD_FIGURES.pop("sample_wise")
if DOUBLE_DESCENT["model_wise"] is None:
    DD_FIGURES.pop("model_wise")
    DD_FIGURES.pop("epoch_wise")
if DD_RANDOM_FEATURES is None:
    DD_FIGURES.pop("random_features")

STUDY_TARGETS["double_descent"] = expand(
    f"{DD_DIR}/figures/{{figure}}.{{ext}}", figure=DD_FIGURES, ext=["png", "pdf"]
)


wildcard_constraints:
    dd_dataset="|".join(map(re.escape, DD_DATASETS)),
    dd_job="|".join(map(re.escape, DD_JOBS)),


rule double_descent_source:
    output:
        f"{DD_DIR}/data/source.pt",
    log:
        f"{DD_DIR}/logs/data/source.log",
    localrule: True  # seconds of work: on a cluster, queueing would cost more
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
    localrule: True  # seconds of work: on a cluster, queueing would cost more
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
        **job_resources("double_descent_train", gpu=True, requeue=True),
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
    localrule: True  # seconds of work: on a cluster, queueing would cost more
    params:
        study=DOUBLE_DESCENT,
    script:
        "../scripts/double_descent_metrics.py"


for dd_figure, dd_tables in DD_FIGURES.items():

    rule:
        name:
            f"double_descent_figure_{dd_figure}"
        input:
            **{table: f"{DD_DIR}/metrics/{table}.parquet" for table in dd_tables},
            code=figure_code("double_descent", dd_figure),
            style=SRC / "common" / "plotting.py",
        output:
            png=report(
                f"{DD_DIR}/figures/{dd_figure}.png",
                caption=f"../report/double_descent/{dd_figure}.rst",
                category="Double descent",
            ),
            pdf=f"{DD_DIR}/figures/{dd_figure}.pdf",
        log:
            f"{DD_DIR}/logs/figures/{dd_figure}.log",
        localrule: True  # seconds of work: on a cluster, queueing would cost more
        params:
            figure=dd_figure,
            study="double_descent",
        script:
            "../scripts/figure.py"


# Target: every figure of the double-descent study (snakemake double_descent).
rule double_descent:
    input:
        STUDY_TARGETS["double_descent"],
    localrule: True
