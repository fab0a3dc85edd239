"""Rule double_descent_metrics: all curves, each member's final errors, and the peak summaries."""

from phenomena.common.runtime import output_to_log
from phenomena.common.tables import read_parquet, write_parquet
from phenomena.double_descent.metrics import final_errors, size_grid_summary, summarize, sweep_curves
from phenomena.double_descent.random_features import empty_table

study = snakemake.params.study  # noqa: F821 (injected by Snakemake)
output = snakemake.output  # noqa: F821
metrics = study["metrics"]
with output_to_log(snakemake.log[0]):  # noqa: F821
    trained = read_parquet([*snakemake.input.histories, *snakemake.input.size_grids])  # noqa: F821
    final = final_errors(trained, study, last_epochs=metrics["final_epochs"])
    features = read_parquet(snakemake.input.random_features) if study["random_features"] else empty_table()  # noqa: F821
    tolerance, min_rise = metrics["interpolation_train_error"], metrics["min_peak_rise"]
    summary = summarize(final, features, tolerance=tolerance, min_rise=min_rise)
    size_grid = size_grid_summary(final, tolerance=tolerance, min_rise=min_rise)
    write_parquet(sweep_curves(trained, study, "model_wise"), output.curves)
    write_parquet(final, output.final)
    write_parquet(summary, output.summary, tidy=False)
    write_parquet(features, output.random_features)
    write_parquet(sweep_curves(trained, study, "sample_wise"), output.sample_wise_curves)
    write_parquet(size_grid, output.sample_wise_summary, tidy=False)
    print(summary.to_string())
    print(size_grid.to_string())
