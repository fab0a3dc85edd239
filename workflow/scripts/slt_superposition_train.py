"""Rule slt_superposition_train: one toy model of superposition from one seed, with snapshots;
resumes from its last.ckpt after a kill."""

from pathlib import Path

from phenomena.common.runtime import output_to_log
from phenomena.common.trainer_options import TrainerOptions
from phenomena.slt.superposition import train_superposition

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    train_superposition(
        snakemake.params.settings,  # noqa: F821
        Path(snakemake.output.meta).parent,  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
        options=TrainerOptions.of_job(snakemake.params, snakemake.config),  # noqa: F821
    )
