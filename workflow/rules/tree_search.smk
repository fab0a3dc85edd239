# Tree search vs policy-only: solver labels -> AlphaZero training -> arena + solver accuracy
# -> Elo -> metrics -> figures. Why one training rule per run: src/phenomena/tree_search/train.py.
# Rule files share one namespace: import each study's helpers under a study prefix.
import phenomena.tree_search.runs as tree_search_runs

TREE_SEARCH = config["tree_search"]
TREE_SEARCH_RUNS = tree_search_runs.plan_runs(TREE_SEARCH)
TREE_SEARCH_BOARD = tree_search_runs.board_name(TREE_SEARCH)
TREE_SEARCH_SNAPSHOTS = tree_search_runs.snapshot_iterations(TREE_SEARCH)
TREE_SEARCH_FIGURES = [
    "elo_vs_step",
    "search_gain",
    "compute_frontier",
    "solver_accuracy",
]
TREE_SEARCH_DIR = "results/tree_search"

STUDY_TARGETS["tree_search"] = expand(
    f"{TREE_SEARCH_DIR}/figures/{{figure}}.{{ext}}",
    figure=TREE_SEARCH_FIGURES,
    ext=["png", "pdf"],
)


# Snapshots of one run, and what the arena and solver-accuracy rules depend on (board,
# arena settings but the bootstrap, which only the Elo fit uses; seed): both rules take these two.
TREE_SEARCH_SNAPSHOT_FILES = lambda wc: expand(
    f"{TREE_SEARCH_DIR}/runs/{wc.ts_run}/snapshots/iter{{iteration:04d}}.pt",
    iteration=TREE_SEARCH_SNAPSHOTS,
)
TREE_SEARCH_EVALUATION = lambda wc: {
    "board": TREE_SEARCH["board"],
    "arena": {
        k: v for k, v in TREE_SEARCH["arena"].items() if k != "bootstrap_samples"
    },
    "seed": TREE_SEARCH_RUNS[wc.ts_run].seed,
}


wildcard_constraints:
    ts_run="|".join(map(re.escape, TREE_SEARCH_RUNS)),
    board=re.escape(TREE_SEARCH_BOARD),


rule tree_search_positions:
    output:
        f"{TREE_SEARCH_DIR}/data/positions_{{board}}.pt",
    log:
        f"{TREE_SEARCH_DIR}/logs/data/positions_{{board}}.log",
    params:
        board=TREE_SEARCH["board"],
        solver=TREE_SEARCH["solver"],
    script:
        "../scripts/tree_search_positions.py"


rule tree_search_train:
    output:
        snapshots=expand(
            f"{TREE_SEARCH_DIR}/runs/{{{{ts_run}}}}/snapshots/iter{{iteration:04d}}.pt",
            iteration=TREE_SEARCH_SNAPSHOTS,
        ),
        history=f"{TREE_SEARCH_DIR}/runs/{{ts_run}}/history.parquet",
        meta=f"{TREE_SEARCH_DIR}/runs/{{ts_run}}/meta.json",
    log:
        f"{TREE_SEARCH_DIR}/logs/train/{{ts_run}}.log",
    threads: config["threads_per_job"]
    resources:
        **job_resources("tree_search_train", requeue=True),
    params:
        settings=lambda wc: tree_search_runs.resolved_settings(
            TREE_SEARCH, TREE_SEARCH_RUNS[wc.ts_run]
        ),
    script:
        "../scripts/tree_search_train.py"


rule tree_search_arena:
    input:
        TREE_SEARCH_SNAPSHOT_FILES,
    output:
        games=f"{TREE_SEARCH_DIR}/runs/{{ts_run}}/arena/games.parquet",
        players=f"{TREE_SEARCH_DIR}/runs/{{ts_run}}/arena/players.parquet",
    log:
        f"{TREE_SEARCH_DIR}/logs/arena/{{ts_run}}.log",
    threads: config["threads_per_job"]
    resources:
        **job_resources("tree_search_arena"),
    params:
        settings=TREE_SEARCH_EVALUATION,
    script:
        "../scripts/tree_search_arena.py"


rule tree_search_solver_accuracy:
    input:
        positions=f"{TREE_SEARCH_DIR}/data/positions_{TREE_SEARCH_BOARD}.pt",
        snapshots=TREE_SEARCH_SNAPSHOT_FILES,
    output:
        f"{TREE_SEARCH_DIR}/runs/{{ts_run}}/solver_accuracy.parquet",
    log:
        f"{TREE_SEARCH_DIR}/logs/solver_accuracy/{{ts_run}}.log",
    threads: config["threads_per_job"]
    params:
        settings=TREE_SEARCH_EVALUATION,
    script:
        "../scripts/tree_search_solver_accuracy.py"


rule tree_search_metrics:
    input:
        history=expand(
            f"{TREE_SEARCH_DIR}/runs/{{ts_run}}/history.parquet",
            ts_run=TREE_SEARCH_RUNS,
        ),
        games=expand(
            f"{TREE_SEARCH_DIR}/runs/{{ts_run}}/arena/games.parquet",
            ts_run=TREE_SEARCH_RUNS,
        ),
        players=expand(
            f"{TREE_SEARCH_DIR}/runs/{{ts_run}}/arena/players.parquet",
            ts_run=TREE_SEARCH_RUNS,
        ),
        accuracy=expand(
            f"{TREE_SEARCH_DIR}/runs/{{ts_run}}/solver_accuracy.parquet",
            ts_run=TREE_SEARCH_RUNS,
        ),
    output:
        curves=f"{TREE_SEARCH_DIR}/metrics/curves.parquet",
        summary=f"{TREE_SEARCH_DIR}/metrics/summary.parquet",
        games=f"{TREE_SEARCH_DIR}/metrics/games.parquet",
    log:
        f"{TREE_SEARCH_DIR}/logs/metrics.log",
    localrule: True  # seconds of work: on a cluster, queueing would cost more
    params:
        runs=[
            {"name": name, "seed": run.seed, "sweep": run.sweep_columns()}
            for name, run in TREE_SEARCH_RUNS.items()
        ],
        bootstrap_samples=TREE_SEARCH["arena"]["bootstrap_samples"],
    script:
        "../scripts/tree_search_metrics.py"


for tree_search_figure in TREE_SEARCH_FIGURES:

    rule:
        name:
            f"tree_search_figure_{tree_search_figure}"
        input:
            curves=rules.tree_search_metrics.output.curves,
            summary=rules.tree_search_metrics.output.summary,
            code=figure_code("tree_search", tree_search_figure),
            style=SRC / "common" / "plotting.py",
        output:
            png=report(
                f"{TREE_SEARCH_DIR}/figures/{tree_search_figure}.png",
                caption=f"../report/tree_search/{tree_search_figure}.rst",
                category="Tree search vs policy-only",
            ),
            pdf=f"{TREE_SEARCH_DIR}/figures/{tree_search_figure}.pdf",
        log:
            f"{TREE_SEARCH_DIR}/logs/figures/{tree_search_figure}.log",
        localrule: True  # seconds of work: on a cluster, queueing would cost more
        params:
            figure=tree_search_figure,
            study="tree_search",
        script:
            "../scripts/figure.py"


# Target: every figure of the tree-search study (snakemake tree_search).
rule tree_search:
    input:
        STUDY_TARGETS["tree_search"],
    localrule: True
