# Inductive bias: MNIST-1D -> MLP and CNN on original and permuted inputs, SGD at several batch
# sizes and full batch with the explicit regularizer; 1D regression networks and their tangent
# kernels -> metrics. Figures, the target rule and where each rule runs:
# src/phenomena/inductive_bias/study.py. Each long classifier job trains its setting for every
# seed; one job trains every run of the short settings, one job every kernel run, one after another.
import phenomena.inductive_bias.runs as inductive_bias_runs

INDUCTIVE_BIAS = config["inductive_bias"]
INDUCTIVE_BIAS_LONG = inductive_bias_runs.long_classifier_jobs(INDUCTIVE_BIAS)
INDUCTIVE_BIAS_SHORT = inductive_bias_runs.short_classifier_jobs(INDUCTIVE_BIAS)
INDUCTIVE_BIAS_KERNELS = inductive_bias_runs.kernel_jobs(INDUCTIVE_BIAS)
INDUCTIVE_BIAS_SEEDS = INDUCTIVE_BIAS["seeds"]
INDUCTIVE_BIAS_DIR = STUDIES["inductive_bias"].results(RESULTS)
INDUCTIVE_BIAS_RUN = f"{INDUCTIVE_BIAS_DIR}/runs/{{inductive_bias_job}}/seed{{seed}}"


rule inductive_bias_data:
    output:
        f"{INDUCTIVE_BIAS_DIR}/data/mnist1d.pt",
    log:
        f"{INDUCTIVE_BIAS_DIR}/logs/data/mnist1d.log",
    params:
        settings=INDUCTIVE_BIAS["data"],
    script:
        "../scripts/inductive_bias_data.py"


# A job per long setting (CNN, or the explicit regularizer: 9-39 s a run), every seed.
rule inductive_bias_train_classifiers:
    input:
        rules.inductive_bias_data.output[0],
    output:
        history=expand(
            f"{INDUCTIVE_BIAS_RUN}/history.parquet",
            seed=INDUCTIVE_BIAS_SEEDS,
            allow_missing=True,
        ),
        meta=expand(
            f"{INDUCTIVE_BIAS_RUN}/meta.json",
            seed=INDUCTIVE_BIAS_SEEDS,
            allow_missing=True,
        ),
    log:
        f"{INDUCTIVE_BIAS_DIR}/logs/train/{{inductive_bias_job}}.log",
    wildcard_constraints:
        inductive_bias_job="|".join(map(re.escape, INDUCTIVE_BIAS_LONG)),
    threads: config["threads_per_job"]
    resources:
        **job_resources("inductive_bias_train_classifiers"),
    params:
        settings=lambda wc: INDUCTIVE_BIAS_LONG[wc.inductive_bias_job],
        seeds=INDUCTIVE_BIAS_SEEDS,
        trainer=trainer_params(),
    script:
        "../scripts/inductive_bias_train_classifiers.py"


# One job: the runs of the MLP settings without the explicit regularizer are 0.4-4 s of work each
# (runs.is_short), less than a job's ~5 s of start-up (Python, torch, Lightning).
rule inductive_bias_train_short_classifiers:
    input:
        rules.inductive_bias_data.output[0],
    output:
        history=expand(
            f"{INDUCTIVE_BIAS_RUN}/history.parquet",
            inductive_bias_job=list(INDUCTIVE_BIAS_SHORT),
            seed=INDUCTIVE_BIAS_SEEDS,
        ),
        meta=expand(
            f"{INDUCTIVE_BIAS_RUN}/meta.json",
            inductive_bias_job=list(INDUCTIVE_BIAS_SHORT),
            seed=INDUCTIVE_BIAS_SEEDS,
        ),
    log:
        f"{INDUCTIVE_BIAS_DIR}/logs/train/short_classifiers.log",
    threads: config["threads_per_job"]
    resources:
        **job_resources("inductive_bias_train_short_classifiers"),
    params:
        settings=INDUCTIVE_BIAS_SHORT,
        seeds=INDUCTIVE_BIAS_SEEDS,
        trainer=trainer_params(),
    script:
        "../scripts/inductive_bias_train_short_classifiers.py"


# One job: the kernel runs are 1-3 s of work each, ~8 s of start-up (Python, torch, Lightning).
rule inductive_bias_train_kernels:
    output:
        history=expand(
            f"{INDUCTIVE_BIAS_RUN}/history.parquet",
            inductive_bias_job=list(INDUCTIVE_BIAS_KERNELS),
            seed=INDUCTIVE_BIAS_SEEDS,
        ),
        functions=expand(
            f"{INDUCTIVE_BIAS_RUN}/functions.parquet",
            inductive_bias_job=list(INDUCTIVE_BIAS_KERNELS),
            seed=INDUCTIVE_BIAS_SEEDS,
        ),
        meta=expand(
            f"{INDUCTIVE_BIAS_RUN}/meta.json",
            inductive_bias_job=list(INDUCTIVE_BIAS_KERNELS),
            seed=INDUCTIVE_BIAS_SEEDS,
        ),
    log:
        f"{INDUCTIVE_BIAS_DIR}/logs/train/kernels.log",
    threads: config["threads_per_job"]
    resources:
        **job_resources("inductive_bias_train_kernels"),
    params:
        settings=INDUCTIVE_BIAS_KERNELS,
        seeds=INDUCTIVE_BIAS_SEEDS,
        trainer=trainer_params(),
    script:
        "../scripts/inductive_bias_train_kernels.py"


rule inductive_bias_metrics:
    input:
        architecture=expand(
            f"{INDUCTIVE_BIAS_RUN}/history.parquet",
            inductive_bias_job=list(
                inductive_bias_runs.architecture_jobs(INDUCTIVE_BIAS)
            ),
            seed=INDUCTIVE_BIAS_SEEDS,
        ),
        sgd=expand(
            f"{INDUCTIVE_BIAS_RUN}/history.parquet",
            inductive_bias_job=list(inductive_bias_runs.sgd_jobs(INDUCTIVE_BIAS)),
            seed=INDUCTIVE_BIAS_SEEDS,
        ),
        kernel=rules.inductive_bias_train_kernels.output.history,
        kernel_functions=rules.inductive_bias_train_kernels.output.functions,
    output:
        architecture=f"{INDUCTIVE_BIAS_DIR}/metrics/architecture.parquet",
        sgd=f"{INDUCTIVE_BIAS_DIR}/metrics/sgd.parquet",
        kernel=f"{INDUCTIVE_BIAS_DIR}/metrics/kernel.parquet",
        kernel_functions=f"{INDUCTIVE_BIAS_DIR}/metrics/kernel_functions.parquet",
        summary=f"{INDUCTIVE_BIAS_DIR}/metrics/summary.parquet",
    log:
        f"{INDUCTIVE_BIAS_DIR}/logs/metrics.log",
    params:
        reference_width=INDUCTIVE_BIAS["kernel"]["reference_width"],
    script:
        "../scripts/inductive_bias_metrics.py"
