"""Rule <study>_findings: run the study's declared findings on its metric tables."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    import importlib

    import pandas as pd

    from phenomena.common.files import write_text_atomic
    from phenomena.common.findings import findings_html, findings_table
    from phenomena.common.provenance import git_commit
    from phenomena.common.runtime import output_to_log
    from phenomena.common.tables import read_parquet, write_parquet

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    params, inputs, outputs = snakemake.params, snakemake.input, snakemake.output  # noqa: F821
    study = importlib.import_module(f"phenomena.{params.study}.study").STUDY
    tables = {name: read_parquet(path) for name, path in inputs.items() if name != "code"}
    commit = git_commit(snakemake.scriptdir)  # noqa: F821
    declared = study.findings(params.section)
    table = findings_table(declared, tables, study=study.name, section=params.section, commit=commit)
    write_parquet(table, outputs.parquet, tidy=False)
    write_text_atomic(outputs.tsv, table.to_csv(sep="\t", index=False))
    write_text_atomic(outputs.html, findings_html(table, study.title))
    with pd.option_context("display.width", 250, "display.max_colwidth", 140):
        print(table[["finding", "statement", "verdict"]].to_string(index=False))
