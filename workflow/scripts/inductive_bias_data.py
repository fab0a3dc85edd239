"""Rule inductive_bias_data: MNIST-1D and the fixed input permutation, generated offline."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from phenomena.common.runtime import output_to_log
    from phenomena.inductive_bias.data import make_data

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    make_data(snakemake.params.settings, snakemake.output[0])  # noqa: F821
