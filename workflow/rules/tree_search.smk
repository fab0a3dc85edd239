# Tree search vs policy-only: solver labels -> AlphaZero training -> each run's arena (and its
# solver accuracy), the baselines' arena (the perfect player) -> one Elo fit -> metrics. Why one training rule per run: src/phenomena/tree_search/train.py.
# Figures, the target rule and where each rule runs: src/phenomena/tree_search/study.py.
# Rule files share one namespace: names here start with the study's (TREE_SEARCH_, ts_, tree_search_).
import phenomena.tree_search.runs as tree_search_runs

TREE_SEARCH = config["tree_search"]
TREE_SEARCH_RUNS = tree_search_runs.plan_runs(TREE_SEARCH)
TREE_SEARCH_BOARD = tree_search_runs.board_name(TREE_SEARCH)
TREE_SEARCH_SNAPSHOTS = tree_search_runs.snapshot_iterations(TREE_SEARCH)
TREE_SEARCH_COMPARISON = tree_search_runs.comparison_iterations(TREE_SEARCH)
TREE_SEARCH_DIR = STUDIES["tree_search"].results(RESULTS)


# Arena keys only the Elo fit and the estimates read (the metrics rule).
TREE_SEARCH_METRICS_ONLY = (
    "bootstrap_samples",
    "frontier_levels",
    "gumbel_pooled_budgets",
)


# Snapshots of one run, and what its arena job (tournament and solver accuracy) depends on
# (board, arena settings but the bootstrap, which only the Elo fit uses; seed; the run's label
# and the snapshots where Gumbel meets PUCT).
TREE_SEARCH_SNAPSHOT_FILES = lambda wc: expand(
    f"{TREE_SEARCH_DIR}/runs/{wc.ts_run}/snapshots/iter{{iteration:04d}}.pt",
    iteration=TREE_SEARCH_SNAPSHOTS,
)
TREE_SEARCH_EVALUATION = lambda wc: {
    "board": TREE_SEARCH["board"],
    "arena": {
        k: v
        for k, v in TREE_SEARCH["arena"].items()
        if k not in TREE_SEARCH_METRICS_ONLY
    },
    "seed": TREE_SEARCH_RUNS[wc.ts_run].seed,
    "label": TREE_SEARCH_RUNS[wc.ts_run].label,
    "comparison": TREE_SEARCH_COMPARISON,
    "accelerator": config["accelerator"],
}


# Each run by name with its seed, its arena (all runs share one Elo scale), sweep columns and the
# files the metrics rule reads.
TREE_SEARCH_RUN_FILES = {
    name: {
        "seed": run.seed,
        "arena": tree_search_runs.arena_name(TREE_SEARCH),
        "sweep": run.sweep_columns(),
        "files": {
            "history": f"{TREE_SEARCH_DIR}/runs/{name}/history.parquet",
            "games": f"{TREE_SEARCH_DIR}/runs/{name}/arena/games.parquet",
            "players": f"{TREE_SEARCH_DIR}/runs/{name}/arena/players.parquet",
            "accuracy": f"{TREE_SEARCH_DIR}/runs/{name}/solver_accuracy.parquet",
        },
    }
    for name, run in TREE_SEARCH_RUNS.items()
}


wildcard_constraints:
    ts_run="|".join(map(re.escape, TREE_SEARCH_RUNS)),
    ts_board=re.escape(TREE_SEARCH_BOARD),


rule tree_search_positions:
    output:
        f"{TREE_SEARCH_DIR}/data/positions_{{ts_board}}.pt",
    log:
        f"{TREE_SEARCH_DIR}/logs/data/positions_{{ts_board}}.log",
    threads: config["threads_per_job"]
    resources:
        **job_resources("tree_search_positions"),
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
        **job_resources("tree_search_train"),
    params:
        settings=lambda wc: tree_search_runs.resolved_settings(
            TREE_SEARCH, TREE_SEARCH_RUNS[wc.ts_run]
        ),
        trainer=trainer_params(),
    script:
        "../scripts/tree_search_train.py"


# One job per run: its tournament, then its players' solver accuracy on the labelled positions
# (0.4 s of the same snapshots and settings; it reseeds, so it is the same as a job of its own).
rule tree_search_arena:
    input:
        snapshots=TREE_SEARCH_SNAPSHOT_FILES,
        positions=f"{TREE_SEARCH_DIR}/data/positions_{TREE_SEARCH_BOARD}.pt",
    output:
        games=f"{TREE_SEARCH_DIR}/runs/{{ts_run}}/arena/games.parquet",
        players=f"{TREE_SEARCH_DIR}/runs/{{ts_run}}/arena/players.parquet",
        accuracy=f"{TREE_SEARCH_DIR}/runs/{{ts_run}}/solver_accuracy.parquet",
    log:
        f"{TREE_SEARCH_DIR}/logs/arena/{{ts_run}}.log",
    threads: config["threads_per_job"]
    resources:
        **job_resources("tree_search_arena"),
    params:
        settings=TREE_SEARCH_EVALUATION,
    script:
        "../scripts/tree_search_arena.py"


# The baselines' arena: the perfect player against random, pure MCTS and every run's last snapshot.
TREE_SEARCH_LAST_SNAPSHOTS = {
    name: {
        "path": f"{TREE_SEARCH_DIR}/runs/{name}/snapshots/iter{TREE_SEARCH_SNAPSHOTS[-1]:04d}.pt",
        "label": run.label,
        "seed": run.seed,
    }
    for name, run in TREE_SEARCH_RUNS.items()
}
TREE_SEARCH_BASELINES = (
    {
        "games": f"{TREE_SEARCH_DIR}/baselines_arena/games.parquet",
        "players": f"{TREE_SEARCH_DIR}/baselines_arena/players.parquet",
    }
    if TREE_SEARCH["arena"]["perfect_player"]
    else {}
)


rule tree_search_baselines_arena:
    input:
        [run["path"] for run in TREE_SEARCH_LAST_SNAPSHOTS.values()],
    output:
        games=f"{TREE_SEARCH_DIR}/baselines_arena/games.parquet",
        players=f"{TREE_SEARCH_DIR}/baselines_arena/players.parquet",
    log:
        f"{TREE_SEARCH_DIR}/logs/arena/baselines.log",
    threads: config["threads_per_job"]
    resources:
        **job_resources("tree_search_baselines_arena"),
    params:
        settings={
            "board": TREE_SEARCH["board"],
            "arena": {
                k: TREE_SEARCH["arena"][k]
                for k in (
                    "budgets",
                    "pure_mcts_simulations",
                    "c_puct",
                    "opening_plies",
                )
            },
            "seed": TREE_SEARCH["seeds"][0],
            "accelerator": config["accelerator"],
        },
        runs=TREE_SEARCH_LAST_SNAPSHOTS,
    script:
        "../scripts/tree_search_baselines_arena.py"


rule tree_search_metrics:
    input:
        [
            path
            for files in TREE_SEARCH_RUN_FILES.values()
            for path in files["files"].values()
        ],
        TREE_SEARCH_BASELINES.values(),
    output:
        curves=f"{TREE_SEARCH_DIR}/metrics/curves.parquet",
        summary=f"{TREE_SEARCH_DIR}/metrics/summary.parquet",
        games=f"{TREE_SEARCH_DIR}/metrics/games.parquet",
        pairs=f"{TREE_SEARCH_DIR}/metrics/pairs.parquet",
        estimates=f"{TREE_SEARCH_DIR}/metrics/estimates.parquet",
        frontier=f"{TREE_SEARCH_DIR}/metrics/frontier.parquet",
    log:
        f"{TREE_SEARCH_DIR}/logs/metrics.log",
    params:
        runs=TREE_SEARCH_RUN_FILES,
        baselines=TREE_SEARCH_BASELINES,
        settings={
            "bootstrap_samples": TREE_SEARCH["arena"]["bootstrap_samples"],
            "frontier_levels": TREE_SEARCH["arena"]["frontier_levels"],
            "gumbel_budget_group": TREE_SEARCH["arena"]["gumbel_pooled_budgets"],
            "budgets": TREE_SEARCH["arena"]["budgets"],
            "seed": TREE_SEARCH["seeds"][0],
        },
    script:
        "../scripts/tree_search_metrics.py"
