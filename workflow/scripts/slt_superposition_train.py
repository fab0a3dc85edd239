"""Rule slt_superposition_train: every seed's toy model of superposition, with snapshots, one after
another in one job; each run in its own folder, resuming from its own last.ckpt after a kill."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from pathlib import Path

    from phenomena.common.runtime import output_to_log
    from phenomena.common.trainer_options import TrainerOptions
    from phenomena.slt.superposition import train_superposition_runs

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    train_superposition_runs(
        list(snakemake.params.settings.values()),  # noqa: F821
        [Path(meta).parent for meta in snakemake.output.meta],  # noqa: F821 (in the same order)
        threads=snakemake.threads,  # noqa: F821
        options=TrainerOptions.of_job(snakemake.params, snakemake.config),  # noqa: F821
    )
