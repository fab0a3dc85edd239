"""Rule inductive_bias_metrics: every run's curves concatenated per part, and the study's summary."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    import pandas as pd

    from phenomena.common.runtime import output_to_log
    from phenomena.common.tables import read_parquet, write_parquet
    from phenomena.inductive_bias.metrics import study_summary

PARTS = ("architecture", "sgd", "kernel", "kernel_functions")

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    inputs, outputs = snakemake.input, snakemake.output  # noqa: F821
    tables = {part: read_parquet(inputs[part]) for part in PARTS}
    for part, table in tables.items():
        write_parquet(table, outputs[part])
    summary = study_summary(tables, snakemake.params.reference_width)  # noqa: F821
    write_parquet(summary, outputs.summary, tidy=False)
    with pd.option_context("display.width", 200, "display.max_rows", 200, "display.max_colwidth", 60):
        print(summary.to_string(index=False))
