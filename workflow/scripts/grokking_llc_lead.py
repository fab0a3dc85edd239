"""Rule grokking_llc_lead: where each LLC trajectory crosses its geometric midpoint, against the
validation jump and the memorizing control's crossing (:mod:`phenomena.grokking.llc_lead`)."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from phenomena.common.runtime import output_to_log
    from phenomena.common.tables import read_parquet, write_parquet
    from phenomena.grokking.llc_lead import llc_lead

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    lead = llc_lead(read_parquet(snakemake.input.llc), read_parquet(snakemake.input.summary))  # noqa: F821
    write_parquet(lead, snakemake.output[0], tidy=False)  # noqa: F821
    print(lead.to_string())
