"""Rule tree_search_positions: evaluation positions labelled by the exact solver."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from phenomena.common.runtime import output_to_log
    from phenomena.tree_search.solver import label

params = snakemake.params  # noqa: F821 (injected by Snakemake)
with output_to_log(snakemake.log[0]):  # noqa: F821
    labelled = label(params.board, params.solver)
    labelled.save(snakemake.output[0])  # noqa: F821
    values = labelled.value.tolist()
    print(f"{len(values)} positions: {values.count(1)} wins, {values.count(0)} draws, {values.count(-1)} losses")
