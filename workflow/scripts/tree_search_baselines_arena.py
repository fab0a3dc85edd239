"""Rule tree_search_baselines_arena: the perfect player against random, pure MCTS and every run's
last snapshot (raw policy and largest PUCT budget)."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    import time

    from phenomena.common.runtime import output_to_log, set_threads
    from phenomena.common.tables import write_parquet
    from phenomena.tree_search.arena import run_baselines_arena

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    set_threads(snakemake.threads)  # noqa: F821
    settings = snakemake.params.settings  # noqa: F821
    started = time.perf_counter()
    games, players = run_baselines_arena(snakemake.params.runs, settings, settings["seed"])  # noqa: F821
    print(f"{len(games)} games among {len(players)} players in {time.perf_counter() - started:.1f} s")
    write_parquet(games, snakemake.output.games, tidy=False)  # noqa: F821
    write_parquet(players, snakemake.output.players, tidy=False)  # noqa: F821
