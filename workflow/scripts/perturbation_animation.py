"""Rule perturbation_figure_animation: the annealing runs as one GIF (an extra beside the figures),
and the same GIF in an HTML page for the report."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from phenomena.common.plotting import use_style
    from phenomena.common.runtime import output_to_log
    from phenomena.common.tables import read_parquet
    from phenomena.perturbation.animation import save_animation, save_animation_page

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    use_style()
    save_animation(
        read_parquet(snakemake.input.frames),  # noqa: F821
        read_parquet(snakemake.input.statistics),  # noqa: F821
        snakemake.output.gif,  # noqa: F821
    )
    save_animation_page(snakemake.output.gif, snakemake.output.page)  # noqa: F821
