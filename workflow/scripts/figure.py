"""Figure rules of every study: run ``phenomena.<study>.figures.<figure>.plot`` on the metrics."""

import importlib

from phenomena.common.plotting import save_figure, use_style
from phenomena.common.runtime import output_to_log
from phenomena.common.tables import read_parquet

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    params = snakemake.params  # noqa: F821
    module = importlib.import_module(f"phenomena.{params.study}.figures.{params.figure}")
    use_style()
    figure = module.plot(read_parquet(snakemake.input.curves), read_parquet(snakemake.input.summary))  # noqa: F821
    save_figure(figure, snakemake.output.png)  # noqa: F821
