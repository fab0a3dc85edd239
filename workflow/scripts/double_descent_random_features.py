"""Rule double_descent_random_features: min-norm random-feature regression over feature counts."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    import pandas as pd

    from phenomena.common.runtime import output_to_log, set_threads
    from phenomena.common.tables import write_parquet
    from phenomena.double_descent.data import LabelledData, make_training_set
    from phenomena.double_descent.random_features import feature_sweep, sweep_table

spec = snakemake.params.spec  # noqa: F821 (injected by Snakemake)
with output_to_log(snakemake.log[0]):  # noqa: F821
    set_threads(snakemake.threads)  # noqa: F821
    source = LabelledData.load(snakemake.input[0])  # noqa: F821
    tables = []
    for seed in spec["seeds"]:
        training_set = make_training_set(source, spec["num_train"], spec["label_noise"], seed)
        records = feature_sweep(training_set, spec["features"], seed)
        tables.append(sweep_table(records, num_train=spec["num_train"], label_noise=spec["label_noise"], seed=seed))
        print(f"seed {seed}: " + ", ".join(f"{r['features']}: {r['test_error']:.3f}" for r in records), flush=True)
    write_parquet(pd.concat(tables, ignore_index=True), snakemake.output[0])  # noqa: F821
