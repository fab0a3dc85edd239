"""Rule inductive_bias_train_kernels: one width and output scale, a run per seed; each run
resumes from its own last.ckpt."""

from pathlib import Path

from phenomena.common.runtime import output_to_log
from phenomena.common.trainer_options import TrainerOptions
from phenomena.inductive_bias.runs import run_settings
from phenomena.inductive_bias.train import train_kernel

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    params = snakemake.params  # noqa: F821
    job = snakemake.wildcards.inductive_bias_job  # noqa: F821
    for seed, meta in zip(params.seeds, snakemake.output.meta):  # noqa: F821
        print(f"{job}: seed {seed}", flush=True)
        train_kernel(
            run_settings(job, params.settings, seed),
            Path(meta).parent,
            threads=snakemake.threads,  # noqa: F821
            options=TrainerOptions.of_job(params, snakemake.config),  # noqa: F821
        )
