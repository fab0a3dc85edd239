"""Rule double_descent_random_features_sizes: random-feature curves along the map's size grid."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    import pandas as pd

    from phenomena.common.runtime import output_to_log, set_threads
    from phenomena.common.tables import write_parquet
    from phenomena.double_descent.data import LabelledData
    from phenomena.double_descent.random_features import size_sweep

spec = snakemake.params.spec  # noqa: F821 (injected by Snakemake)
with output_to_log(snakemake.log[0]):  # noqa: F821
    set_threads(snakemake.threads)  # noqa: F821
    source = LabelledData.load(snakemake.input[0])  # noqa: F821
    tables = [
        size_sweep(source, spec["num_train"], spec["random_features"], label_noise=noise, seed=seed)
        for noise in spec["label_noise"]
        for seed in spec["seeds"]
    ]
    table = pd.concat(tables, ignore_index=True)
    write_parquet(table, snakemake.output[0])  # noqa: F821
    errors = table[(table["split"] == "test") & (table["metric"] == "error")]
    print(errors.pivot_table(index=["label_noise", "seed", "features"], columns="num_train", values="value"))
