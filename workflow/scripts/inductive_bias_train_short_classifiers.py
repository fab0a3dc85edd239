"""Rule inductive_bias_train_short_classifiers: every short setting (MLP, no explicit regularizer),
a run per seed, one after another in one job; each run resumes from its own last.ckpt."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from pathlib import Path

    from phenomena.common.runtime import output_to_log
    from phenomena.common.trainer_options import TrainerOptions
    from phenomena.inductive_bias.runs import run_settings
    from phenomena.inductive_bias.train import train_classifiers

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    params = snakemake.params  # noqa: F821
    train_classifiers(
        [run_settings(job, settings, seed) for job, settings in params.settings.items() for seed in params.seeds],
        snakemake.input[0],  # noqa: F821
        [Path(meta).parent for meta in snakemake.output.meta],  # noqa: F821 (job by job, seed by seed)
        threads=snakemake.threads,  # noqa: F821
        options=TrainerOptions.of_job(params, snakemake.config),  # noqa: F821
    )
