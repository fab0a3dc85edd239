"""Rule inductive_bias_train_classifiers: one setting (architecture or SGD part), a run per seed;
each run resumes from its own last.ckpt."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from pathlib import Path

    from phenomena.common.runtime import output_to_log
    from phenomena.common.trainer_options import TrainerOptions
    from phenomena.inductive_bias.runs import run_settings
    from phenomena.inductive_bias.train import train_classifier

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    params = snakemake.params  # noqa: F821
    job = snakemake.wildcards.inductive_bias_job  # noqa: F821
    for seed, meta in zip(params.seeds, snakemake.output.meta):  # noqa: F821
        print(f"{job}: seed {seed}", flush=True)
        train_classifier(
            run_settings(job, params.settings, seed),
            snakemake.input[0],  # noqa: F821
            Path(meta).parent,
            threads=snakemake.threads,  # noqa: F821
            options=TrainerOptions.of_job(params, snakemake.config),  # noqa: F821
        )
