"""Rules grokking_llc_trajectory and grokking_llc: the LLC of runs at their snapshots (devinterp).

``params.runs`` holds each run by name with its settings and files (``snapshots``,
``dataset``); ``params.steps`` is 'all' (every snapshot) or 'last'. Tables in
``input.tables`` (the trajectories of other runs) are appended to the output as they are.
"""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from phenomena.common.llc import SamplerSettings, require_devinterp
    from phenomena.common.runtime import output_to_log, set_threads
    from phenomena.common.tables import read_parquet, write_parquet
    from phenomena.grokking.llc import run_llc_table

params, inputs = snakemake.params, snakemake.input  # noqa: F821 (injected by Snakemake)

with output_to_log(snakemake.log[0]):  # noqa: F821 (a missing extra ends the job with one line)
    require_devinterp()
    set_threads(snakemake.threads)  # noqa: F821
    others = inputs.get("tables")
    table = run_llc_table(
        params.runs,
        SamplerSettings(**params.sampler),
        steps=params.steps,
        others=read_parquet([others] if isinstance(others, str) else list(others)) if others else None,
    )
    write_parquet(table, snakemake.output[0])  # noqa: F821
