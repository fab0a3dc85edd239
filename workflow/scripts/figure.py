"""Figure rules of every study: run ``phenomena.<study>.figures.<figure>.plot`` on its tables.

Every input of the rule except ``code`` and ``style`` is a metric table, passed to ``plot``
as a keyword argument of the same name (``curves=...``, ``summary=...``).
"""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    import importlib

    from phenomena.common.plotting import save_figure, use_style
    from phenomena.common.runtime import output_to_log
    from phenomena.common.tables import read_parquet

NOT_TABLES = ("code", "style")

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    params = snakemake.params  # noqa: F821
    module = importlib.import_module(f"phenomena.{params.study}.figures.{params.figure}")
    tables = {name: read_parquet(path) for name, path in snakemake.input.items() if name not in NOT_TABLES}  # noqa: F821
    use_style()
    figure = module.plot(**tables)
    save_figure(figure, snakemake.output.png)  # noqa: F821
