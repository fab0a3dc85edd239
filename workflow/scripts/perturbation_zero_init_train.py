"""Rule perturbation_zero_init_train: one MLP from its initialization; resumes from its last.ckpt."""

from pathlib import Path

from phenomena.common.runtime import output_to_log
from phenomena.common.trainer_options import TrainerOptions
from phenomena.perturbation.zero_init import train_zero_init

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    train_zero_init(
        snakemake.params.settings,  # noqa: F821
        snakemake.input[0],  # noqa: F821
        Path(snakemake.output.meta).parent,  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
        options=TrainerOptions.of_job(snakemake.params, snakemake.config),  # noqa: F821
    )
