"""Rule double_descent_metrics: all curves, each member's final errors, and the peak summary."""

from phenomena.common.runtime import output_to_log
from phenomena.common.tables import read_parquet, write_parquet
from phenomena.double_descent.metrics import final_errors, summarize
from phenomena.double_descent.random_features import empty_table

study = snakemake.params.study  # noqa: F821 (injected by Snakemake)
output = snakemake.output  # noqa: F821
with output_to_log(snakemake.log[0]):  # noqa: F821
    curves = read_parquet(snakemake.input.histories)  # noqa: F821
    final = final_errors(curves, study, last_epochs=study["metrics"]["final_epochs"])
    features = read_parquet(snakemake.input.random_features) if study["random_features"] else empty_table()  # noqa: F821
    summary = summarize(
        final,
        features,
        tolerance=study["metrics"]["interpolation_train_error"],
        min_rise=study["metrics"]["min_peak_rise"],
    )
    write_parquet(curves, output.curves)
    write_parquet(final, output.final)
    write_parquet(summary, output.summary, tidy=False)
    write_parquet(features, output.random_features)
    print(summary.to_string())
