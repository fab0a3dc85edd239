"""Rule perturbation_datasaurus: anneal the start blob onto one target shape, same statistics."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from pathlib import Path

    from phenomena.common.runtime import output_to_log
    from phenomena.perturbation.datasaurus import run_datasaurus

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    run_datasaurus(snakemake.params.settings, Path(snakemake.output.meta).parent)  # noqa: F821
