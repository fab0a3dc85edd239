"""Rule grokking_data: all pairs of one operation over Z_p, split by the seed."""

from phenomena.common.runtime import output_to_log
from phenomena.grokking.data import make_dataset

params = snakemake.params  # noqa: F821 (injected by Snakemake)
with output_to_log(snakemake.log[0]):  # noqa: F821
    dataset = make_dataset(params.operation, params.modulus, params.train_fraction, params.seed)
    dataset.save(snakemake.output[0])  # noqa: F821
    print(f"{len(dataset.train_labels)} train / {len(dataset.val_labels)} validation pairs")
