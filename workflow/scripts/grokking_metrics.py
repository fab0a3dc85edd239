"""Rule grokking_metrics: all runs' curves in one tidy table, and the per-run summary."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from phenomena.common.runtime import output_to_log
    from phenomena.common.tables import read_parquet, write_parquet
    from phenomena.grokking.metrics import summarize

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    curves = read_parquet(snakemake.input)  # noqa: F821
    summary = summarize(curves)
    write_parquet(curves, snakemake.output.curves)  # noqa: F821
    write_parquet(summary, snakemake.output.summary, tidy=False)  # noqa: F821
    print(summary.to_string())
