"""Rule tree_search_metrics: Elo ladder, search-vs-policy scores, Gumbel vs PUCT, the compute
frontier and the curves of all runs.

``params.runs`` holds each run by name with its seed, its arena, sweep columns and files;
``params.baselines`` the baselines' arena's files. All are fitted on one Elo scale.
"""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from phenomena.common.runtime import output_to_log
    from phenomena.common.tables import read_parquet, write_parquet
    from phenomena.tree_search.metrics import arena_metrics

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    params = snakemake.params  # noqa: F821
    runs = {
        name: {**run, "tables": {table: read_parquet(path) for table, path in run["files"].items()}}
        for name, run in params.runs.items()
    }
    baselines = {table: read_parquet(path) for table, path in params.baselines.items()}
    tables = arena_metrics(runs, baselines, params.settings)
    for name, table in tables.items():
        write_parquet(table, snakemake.output[name], tidy=name == "curves")  # noqa: F821
