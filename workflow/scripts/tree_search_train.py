"""Rule tree_search_train: one AlphaZero run; resumes from its last.ckpt if a previous attempt died."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from pathlib import Path

    from phenomena.common.runtime import output_to_log
    from phenomena.common.trainer_options import TrainerOptions
    from phenomena.tree_search.train import train_run

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    train_run(
        snakemake.params.settings,  # noqa: F821
        Path(snakemake.output.meta).parent,  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
        options=TrainerOptions.of_job(snakemake.params, snakemake.config),  # noqa: F821
    )
