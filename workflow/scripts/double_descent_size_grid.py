"""Rule double_descent_size_grid: one width's sample-wise sizes, stack after stack; resumes after a kill."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from pathlib import Path

    from phenomena.common.runtime import output_to_log
    from phenomena.common.trainer_options import TrainerOptions
    from phenomena.double_descent.train import train_size_grid

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    train_size_grid(
        snakemake.params.settings,  # noqa: F821
        snakemake.input[0],  # noqa: F821
        Path(snakemake.output.meta).parent,  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
        options=TrainerOptions.of_job(snakemake.params, snakemake.config),  # noqa: F821
    )
