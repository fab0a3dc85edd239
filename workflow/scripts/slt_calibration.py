"""Rule slt_calibration: the LLC estimator at every sampler setting the project uses, on
reduced-rank regression cases whose learning coefficient is known (Aoyagi & Watanabe 2005)."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from phenomena.common.llc import SamplerSettings, require_devinterp
    from phenomena.common.runtime import output_to_log, set_threads
    from phenomena.common.tables import write_parquet
    from phenomena.slt.calibration import Case, calibrate

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake; a missing extra: one line)
    require_devinterp()
    set_threads(snakemake.threads)  # noqa: F821
    params = snakemake.params  # noqa: F821
    cases = [Case.of(**case) for case in params.spec["cases"]]
    samplers = {name: (SamplerSettings(**part["sampler"]), part["n"]) for name, part in params.samplers.items()}
    table = calibrate(cases, samplers, replicates=params.spec["replicates"])
    write_parquet(table, snakemake.output[0], tidy=False)  # noqa: F821
