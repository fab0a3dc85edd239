"""Rule perturbation_metrics: every run's tables concatenated per part, and the study's summary."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    import pandas as pd

    from phenomena.common.files import load_torch
    from phenomena.common.runtime import output_to_log
    from phenomena.common.tables import read_parquet, write_parquet
    from phenomena.perturbation.metrics import study_summary, zero_init_summary

TIDY = ("datasaurus_statistics", "diffusion_distances", "zero_init_curves")

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    inputs, outputs = snakemake.input, snakemake.output  # noqa: F821
    tables = {name: read_parquet(inputs[name]) for name in (*TIDY, "datasaurus_frames", "diffusion_points")}
    for name, table in tables.items():
        write_parquet(table, outputs[name], tidy=name in TIDY)
    digits = load_torch(inputs.digits)
    per_run = zero_init_summary(tables["zero_init_curves"], digits["train_labels"], digits["test_labels"])
    write_parquet(per_run, outputs.zero_init_summary, tidy=False)
    params = snakemake.params  # noqa: F821
    summary = study_summary(tables, per_run, tolerance=params.tolerance, decimals=params.decimals)
    write_parquet(summary, outputs.summary, tidy=False)
    with pd.option_context("display.width", 200, "display.max_rows", 200):
        print(summary.to_string(index=False))
