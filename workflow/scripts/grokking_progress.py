"""Rule grokking_progress: Nanda et al.'s progress measures at every snapshot of every additive run,
beside its controls."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from phenomena.common.runtime import output_to_log, set_threads
    from phenomena.common.tables import write_parquet
    from phenomena.grokking.progress import progress_table

params = snakemake.params  # noqa: F821 (injected by Snakemake)
with output_to_log(snakemake.log[0]):  # noqa: F821
    set_threads(snakemake.threads)  # noqa: F821
    table = progress_table(params.runs, **params.settings)  # runs by name, with their files
    write_parquet(table, snakemake.output[0])  # noqa: F821
