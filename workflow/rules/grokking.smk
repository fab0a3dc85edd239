# Grokking on modular arithmetic: data -> train -> metrics -> figures.
# Rule files share one namespace: import each study's helpers under a study prefix.
import phenomena.grokking.runs as grokking_runs

GROKKING = config["grokking"]
GROKKING_RUNS = grokking_runs.plan_runs(GROKKING)
GROKKING_DATASETS = {run.dataset_name: run for run in GROKKING_RUNS.values()}
GROKKING_FIGURES = ["accuracy", "steps_to_generalize", "weight_norm", "optimizers"]
GROKKING_DIR = "results/grokking"

STUDY_TARGETS["grokking"] = expand(
    f"{GROKKING_DIR}/figures/{{figure}}.{{ext}}",
    figure=GROKKING_FIGURES,
    ext=["png", "pdf"],
)


wildcard_constraints:
    dataset="|".join(map(re.escape, GROKKING_DATASETS)),
    run="|".join(map(re.escape, GROKKING_RUNS)),


rule grokking_data:
    output:
        f"{GROKKING_DIR}/data/{{dataset}}.pt",
    log:
        f"{GROKKING_DIR}/logs/data/{{dataset}}.log",
    params:
        operation=lambda wc: GROKKING_DATASETS[wc.dataset].operation,
        modulus=lambda wc: GROKKING_DATASETS[wc.dataset].modulus,
        train_fraction=lambda wc: GROKKING_DATASETS[wc.dataset].train_fraction,
        seed=lambda wc: GROKKING_DATASETS[wc.dataset].seed,
    script:
        "../scripts/grokking_data.py"


rule grokking_train:
    input:
        lambda wc: f"{GROKKING_DIR}/data/{GROKKING_RUNS[wc.run].dataset_name}.pt",
    output:
        history=f"{GROKKING_DIR}/runs/{{run}}/history.parquet",
        meta=f"{GROKKING_DIR}/runs/{{run}}/meta.json",
    log:
        f"{GROKKING_DIR}/logs/train/{{run}}.log",
    threads: config["threads_per_job"]
    resources:
        **job_resources("grokking_train", gpu=True, requeue=True),
    params:
        settings=lambda wc: grokking_runs.resolved_settings(
            GROKKING, GROKKING_RUNS[wc.run]
        ),
        accelerator=config["accelerator"],
    script:
        "../scripts/grokking_train.py"


rule grokking_metrics:
    input:
        expand(f"{GROKKING_DIR}/runs/{{run}}/history.parquet", run=GROKKING_RUNS),
    output:
        curves=f"{GROKKING_DIR}/metrics/curves.parquet",
        summary=f"{GROKKING_DIR}/metrics/summary.parquet",
    log:
        f"{GROKKING_DIR}/logs/metrics.log",
    localrule: True  # seconds of work: on a cluster, queueing would cost more
    script:
        "../scripts/grokking_metrics.py"


for grokking_figure in GROKKING_FIGURES:

    rule:
        name:
            f"grokking_figure_{grokking_figure}"
        input:
            curves=rules.grokking_metrics.output.curves,
            summary=rules.grokking_metrics.output.summary,
            code=figure_code("grokking", grokking_figure),
            style=SRC / "common" / "plotting.py",
        output:
            png=report(
                f"{GROKKING_DIR}/figures/{grokking_figure}.png",
                caption=f"../report/grokking/{grokking_figure}.rst",
                category="Grokking",
            ),
            pdf=f"{GROKKING_DIR}/figures/{grokking_figure}.pdf",
        log:
            f"{GROKKING_DIR}/logs/figures/{grokking_figure}.log",
        localrule: True  # seconds of work: on a cluster, queueing would cost more
        params:
            figure=grokking_figure,
            study="grokking",
        script:
            "../scripts/figure.py"


# Target: every figure of the grokking study (snakemake grokking).
rule grokking:
    input:
        STUDY_TARGETS["grokking"],
    localrule: True
