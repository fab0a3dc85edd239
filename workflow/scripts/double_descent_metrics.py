"""Rule double_descent_metrics: all curves, each member's final errors, and the peak summaries."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from phenomena.common.runtime import output_to_log
    from phenomena.common.tables import read_parquet, write_parquet
    from phenomena.double_descent.metrics import final_errors, summarize, sweep_curves
    from phenomena.double_descent.random_features import empty_table
    from phenomena.double_descent.size_grid import random_features_summary, size_grid_summary

study = snakemake.params.study  # noqa: F821 (injected by Snakemake)
inputs, output = snakemake.input, snakemake.output  # noqa: F821
metrics = study["metrics"]
with output_to_log(snakemake.log[0]):  # noqa: F821
    trained = read_parquet([*inputs.histories, *inputs.size_grids])
    final = final_errors(trained, study, last_epochs=metrics["final_epochs"])
    features = read_parquet(inputs.random_features) if study["random_features"] else empty_table()
    size_control = read_parquet(inputs.random_features_sizes) if inputs.random_features_sizes else empty_table()
    tolerance, min_rise = metrics["interpolation_train_error"], metrics["min_peak_rise"]
    summary = summarize(final, features, tolerance=tolerance, min_rise=min_rise)
    size_grid = size_grid_summary(final, tolerance=tolerance, min_rise=min_rise)
    control = random_features_summary(size_control, tolerance=tolerance, min_rise=min_rise)
    write_parquet(sweep_curves(trained, study, "model_wise"), output.curves)
    write_parquet(final, output.final)
    write_parquet(summary, output.summary, tidy=False)
    write_parquet(features, output.random_features)
    write_parquet(sweep_curves(trained, study, "sample_wise"), output.sample_wise_curves)
    write_parquet(size_grid, output.sample_wise_summary, tidy=False)
    write_parquet(size_control, output.random_features_sample_wise)
    write_parquet(control, output.random_features_sample_wise_summary, tidy=False)
    print(summary.to_string())
    print(size_grid.to_string())
    print(control.to_string())
