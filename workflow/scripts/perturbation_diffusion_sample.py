"""Rule perturbation_diffusion_sample: reverse chains from noise and from a line, distances to the data."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from phenomena.common.runtime import output_to_log
    from phenomena.perturbation.diffusion_sampling import sample_diffusion

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    sample_diffusion(
        snakemake.params.settings,  # noqa: F821
        snakemake.input[0],  # noqa: F821
        snakemake.output.distances,  # noqa: F821
        snakemake.output.points,  # noqa: F821
    )
