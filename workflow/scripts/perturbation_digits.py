"""Rule perturbation_digits: MNIST-1D for the zero-initialization runs, generated offline."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from phenomena.common.runtime import output_to_log
    from phenomena.perturbation.digits import make_digits

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    make_digits(snakemake.params.settings, snakemake.output[0])  # noqa: F821
