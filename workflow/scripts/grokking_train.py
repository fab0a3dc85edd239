"""Rule grokking_train: draw the run's split, then one Lightning run; resumes from its last.ckpt
if a previous attempt died."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from pathlib import Path

    from phenomena.common.runtime import output_to_log
    from phenomena.common.trainer_options import TrainerOptions
    from phenomena.grokking.data import make_dataset
    from phenomena.grokking.train import train_run

settings, output = snakemake.params.settings, snakemake.output  # noqa: F821 (injected by Snakemake)
with output_to_log(snakemake.log[0]):  # noqa: F821
    run = settings["run"]
    make_dataset(run["operation"], run["modulus"], run["train_fraction"], run["seed"]).save(output.dataset)
    train_run(
        settings,
        output.dataset,
        Path(output.meta).parent,
        threads=snakemake.threads,  # noqa: F821
        options=TrainerOptions.of_job(snakemake.params, snakemake.config),  # noqa: F821
    )
