"""Rule slt_double_descent_metrics: every member's LLC beside its train and test error and its
curve's interpolation threshold (the double-descent study's metric tables)."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from phenomena.common.runtime import output_to_log
    from phenomena.common.tables import read_parquet, write_parquet
    from phenomena.slt.double_descent_llc import llc_beside_errors

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    inputs = snakemake.input  # noqa: F821
    table = llc_beside_errors(read_parquet(list(inputs.llcs)), read_parquet(inputs.final), read_parquet(inputs.summary))
    print(table.groupby(["width", "step_factor", "label_noise"])["llc"].mean().unstack([1, 2]).round(1).to_string())
    write_parquet(table, snakemake.output[0], tidy=False)  # noqa: F821
