"""Rule tree_search_arena: the tournament of one run's snapshots x budgets and the baselines, then
how often each of its players picks a move the solver calls optimal (``run_solver_accuracy``
reseeds: its table is the one it gives in a job of its own)."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    import time

    from phenomena.common.runtime import output_to_log, set_threads
    from phenomena.common.tables import write_parquet
    from phenomena.tree_search.arena import run_arena, run_solver_accuracy
    from phenomena.tree_search.solver import LabelledPositions

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    set_threads(snakemake.threads)  # noqa: F821
    settings = snakemake.params.settings  # noqa: F821
    snapshots = list(snakemake.input.snapshots)  # noqa: F821
    started = time.perf_counter()
    games, players = run_arena(snapshots, settings, settings["seed"])
    print(f"{len(games)} games among {len(players)} players in {time.perf_counter() - started:.1f} s")
    write_parquet(games, snakemake.output.games, tidy=False)  # noqa: F821
    write_parquet(players, snakemake.output.players, tidy=False)  # noqa: F821
    started = time.perf_counter()
    positions = LabelledPositions.load(snakemake.input.positions)  # noqa: F821
    accuracy = run_solver_accuracy(snapshots, positions, settings, settings["seed"])
    print(f"solver accuracy on {len(positions.value)} positions in {time.perf_counter() - started:.1f} s")
    write_parquet(accuracy, snakemake.output.accuracy, tidy=False)  # noqa: F821
    print(accuracy.to_string())
