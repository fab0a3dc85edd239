# Grokking on modular arithmetic: data -> train -> metrics -> figures.
# Rule files share one namespace: import each study's helpers under a study prefix.
from dataclasses import asdict

import phenomena.grokking.runs as grokking_runs

GROKKING = config["grokking"]
GROKKING_RUNS = grokking_runs.plan_runs(GROKKING)
GROKKING_DATASETS = {run.dataset_name: run for run in GROKKING_RUNS.values()}
GROKKING_LLC_TRAJECTORIES = grokking_runs.llc_trajectory_runs(GROKKING, GROKKING_RUNS)
GROKKING_PROGRESS_RUNS = grokking_runs.progress_runs(GROKKING_RUNS)
GROKKING_FIGURES = ["accuracy", "steps_to_generalize", "weight_norm", "optimizers"]
GROKKING_FIGURES += ["progress"] if GROKKING_PROGRESS_RUNS else []
GROKKING_FIGURES += ["llc", "llc_final"] if GROKKING["llc"] else []
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
    localrule: True  # seconds of work: on a cluster, queueing would cost more
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
        snapshots=f"{GROKKING_DIR}/runs/{{run}}/snapshots.pt",
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


rule grokking_progress:
    input:
        **grokking_runs.snapshot_and_dataset_files(GROKKING_DIR, GROKKING_PROGRESS_RUNS),
    output:
        f"{GROKKING_DIR}/metrics/progress.parquet",
    log:
        f"{GROKKING_DIR}/logs/progress.log",
    threads: config["threads_per_job"]
    params:
        runs=[asdict(run) for run in GROKKING_PROGRESS_RUNS.values()],
        settings=GROKKING["progress"],
    script:
        "../scripts/grokking_progress.py"


# The LLC of a trajectory run at every snapshot: one job per run (the costly part).
rule grokking_llc_trajectory:
    input:
        snapshots=f"{GROKKING_DIR}/runs/{{run}}/snapshots.pt",
        datasets=lambda wc: f"{GROKKING_DIR}/data/{GROKKING_RUNS[wc.run].dataset_name}.pt",
    output:
        f"{GROKKING_DIR}/runs/{{run}}/llc.parquet",
    log:
        f"{GROKKING_DIR}/logs/llc/{{run}}.log",
    threads: config["threads_per_job"]
    params:
        runs=lambda wc: [asdict(GROKKING_RUNS[wc.run])],
        steps="all",
        sampler=(GROKKING["llc"] or {}).get("sampler"),
    script:
        "../scripts/grokking_llc.py"


# The LLC of every other run at its last step, one job, and the trajectories beside them.
rule grokking_llc:
    input:
        **grokking_runs.snapshot_and_dataset_files(
            GROKKING_DIR,
            {
                n: r
                for n, r in GROKKING_RUNS.items()
                if n not in GROKKING_LLC_TRAJECTORIES
            },
        ),
        tables=expand(
            f"{GROKKING_DIR}/runs/{{run}}/llc.parquet", run=GROKKING_LLC_TRAJECTORIES
        ),
    output:
        f"{GROKKING_DIR}/metrics/llc.parquet",
    log:
        f"{GROKKING_DIR}/logs/llc.log",
    threads: config["threads_per_job"]
    params:
        runs=[
            asdict(r)
            for n, r in GROKKING_RUNS.items()
            if n not in GROKKING_LLC_TRAJECTORIES
        ],
        steps="last",
        sampler=(GROKKING["llc"] or {}).get("sampler"),
    script:
        "../scripts/grokking_llc.py"


GROKKING_FIGURE_TABLES = {
    "progress": {"progress": rules.grokking_progress.output[0]},
    "llc": {"llc": rules.grokking_llc.output[0]},
    "llc_final": {"llc": rules.grokking_llc.output[0]},
}


for grokking_figure in GROKKING_FIGURES:

    rule:
        name:
            f"grokking_figure_{grokking_figure}"
        input:
            **GROKKING_FIGURE_TABLES.get(grokking_figure, {}),
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
