"""Rule tree_search_solver_accuracy: how often each player picks a move the solver calls optimal."""

from phenomena.common.runtime import output_to_log, set_threads
from phenomena.common.tables import write_parquet
from phenomena.tree_search.arena import run_solver_accuracy
from phenomena.tree_search.solver import LabelledPositions

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    set_threads(snakemake.threads)  # noqa: F821
    settings = snakemake.params.settings  # noqa: F821
    positions = LabelledPositions.load(snakemake.input.positions)  # noqa: F821
    accuracy = run_solver_accuracy(list(snakemake.input.snapshots), positions, settings, settings["seed"])  # noqa: F821
    write_parquet(accuracy, snakemake.output[0], tidy=False)  # noqa: F821
    print(accuracy.to_string())
