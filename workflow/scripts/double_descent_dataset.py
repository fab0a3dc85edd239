"""Rule double_descent_dataset: a training subset with label noise, named n<size>_noise<f>_seed<s>."""

from phenomena.common.runtime import output_to_log
from phenomena.double_descent.data import LabelledData, make_training_set

params = snakemake.params  # noqa: F821 (injected by Snakemake)
with output_to_log(snakemake.log[0]):  # noqa: F821
    source = LabelledData.load(snakemake.input[0])  # noqa: F821
    data = make_training_set(source, params.num_train, params.label_noise, params.seed)
    data.save(snakemake.output[0])  # noqa: F821
    print(f"{len(data.train_labels)} examples, {len(data.noisy_indices)} labels changed to another class")
