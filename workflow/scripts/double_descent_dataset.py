"""Rule double_descent_dataset: a training subset with label noise, named n<size>_noise<f>_seed<s>."""

import re

from phenomena.common.runtime import output_to_log
from phenomena.double_descent.data import LabelledData, make_training_set

name = snakemake.wildcards.dd_dataset  # noqa: F821 (injected by Snakemake)
num_train, noise, seed = re.fullmatch(r"n(\d+)_noise([0-9.]+)_seed(\d+)", name).groups()
with output_to_log(snakemake.log[0]):  # noqa: F821
    data = make_training_set(LabelledData.load(snakemake.input[0]), int(num_train), float(noise), int(seed))  # noqa: F821
    data.save(snakemake.output[0])  # noqa: F821
    print(f"{name}: {len(data.train_labels)} examples, {len(data.noisy_indices)} labels changed to another class")
