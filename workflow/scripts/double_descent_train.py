"""Rule double_descent_train: one stack of models; resumes from its last.ckpt after a kill;
keeps the trained weights (weights.pt)."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from pathlib import Path

    from phenomena.common.runtime import output_to_log
    from phenomena.common.trainer_options import TrainerOptions
    from phenomena.double_descent.train import train_job

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    train_job(
        snakemake.params.settings,  # noqa: F821
        snakemake.input[0],  # noqa: F821 (the source: the job makes its members' training sets)
        Path(snakemake.output.meta).parent,  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
        options=TrainerOptions.of_job(snakemake.params, snakemake.config),  # noqa: F821
        keep_weights=True,  # weights.pt: the members' learning coefficients (SLT study)
    )
