"""Rule slt_superposition_metrics: every run's training curves and the columns of W at each
snapshot, one table each (the LLC table is the LLC job's)."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from pathlib import Path

    from phenomena.common.runtime import output_to_log
    from phenomena.common.tables import read_parquet, write_parquet
    from phenomena.slt.superposition import load_snapshots
    from phenomena.slt.superposition_llc import weight_columns

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    inputs, outputs = snakemake.input, snakemake.output  # noqa: F821
    llc = read_parquet(inputs.llc)
    seeds = dict(zip(llc["run"], llc["seed"]))
    snapshots = {Path(path).parent.name: load_snapshots(path) for path in inputs.snapshots}
    write_parquet(read_parquet(list(inputs.histories)), outputs.curves)
    write_parquet(weight_columns(snapshots, seeds), outputs.weights, tidy=False)
    print(llc.pivot_table(index="step", columns="seed", values="llc").round(2).to_string())
