"""Rule perturbation_diffusion_train: one DDPM on the swiss roll; resumes from its last.ckpt."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from pathlib import Path

    from phenomena.common.runtime import output_to_log
    from phenomena.common.trainer_options import TrainerOptions
    from phenomena.perturbation.diffusion import train_diffusion

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    train_diffusion(
        snakemake.params.settings,  # noqa: F821
        Path(snakemake.output.meta).parent,  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
        options=TrainerOptions.of_job(snakemake.params, snakemake.config),  # noqa: F821
    )
