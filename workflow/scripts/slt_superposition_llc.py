"""Rule slt_superposition_llc: the LLC of every toy-model run at every snapshot."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from pathlib import Path

    from phenomena.common.llc import SamplerSettings, require_devinterp
    from phenomena.common.runtime import output_to_log, set_threads
    from phenomena.common.tables import write_parquet
    from phenomena.slt.superposition_llc import all_snapshot_llcs

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake; a missing extra: one line)
    require_devinterp()
    set_threads(snakemake.threads)  # noqa: F821
    inputs, params = snakemake.input, snakemake.params  # noqa: F821
    runs = {Path(path).parent.name: (snapshots, path) for snapshots, path in zip(inputs.snapshots, inputs.datasets)}
    table = all_snapshot_llcs(runs, params.seeds, SamplerSettings(**params.sampler))
    write_parquet(table, snakemake.output[0], tidy=False)  # noqa: F821
