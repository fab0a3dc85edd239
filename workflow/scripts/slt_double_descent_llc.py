"""Rule slt_double_descent_llc: the LLC of each member of every model-wise double-descent stack
at its last epoch, from the weights its training kept (``input.weights``), one stack after another,
at ``params.step["step_factor"]`` times the sampler's step with ``params.step["chains"]`` chains."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from phenomena.common.llc import SamplerSettings, require_devinterp
    from phenomena.common.runtime import output_to_log, set_threads
    from phenomena.common.tables import write_parquet
    from phenomena.slt.double_descent_llc import all_member_llcs

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake; a missing extra: one line)
    require_devinterp()
    set_threads(snakemake.threads)  # noqa: F821
    inputs = snakemake.input  # noqa: F821
    params = snakemake.params  # noqa: F821
    sampler = SamplerSettings(**{**params.sampler, "chains": params.step["chains"]})
    table = all_member_llcs(list(inputs.weights), inputs.source, sampler, params.step["step_factor"])
    write_parquet(table, snakemake.output[0], tidy=False)  # noqa: F821
