# What is the same in every study, generated from its declaration (src/phenomena/<study>/study.py):
# one rule per figure, the study's target rule (snakemake <study>), and which rules stay on
# the login node. Included after the studies' rule files.
from phenomena.common.findings import tables_read
from phenomena.common.provenance import lock_summary

# The lock of the environment that draws the figures (docs/lock.md), shown with each
# figure in the report (its job parameters); a new lock or a drifted environment redraws them.
LOCK = lock_summary()

for study in STUDIES.values():
    section = config[study.name]
    folder = study.results(RESULTS)
    for figure in study.figures(section):

        rule:
            name:
                study.figure_rule(figure)
            input:
                **{
                    argument: f"{folder}/metrics/{table}.parquet"
                    for argument, table in figure.tables.items()
                },
                code=figure_code(study.name, figure.name),
                style=SRC / "common" / "plotting.py",
            output:
                png=report(
                    f"{folder}/figures/{figure.name}.png",
                    caption=f"../report/{study.name}/{figure.name}.rst",
                    category=study.title,
                ),
                pdf=f"{folder}/figures/{figure.name}.pdf",
            log:
                f"{folder}/logs/figures/{figure.name}.log",
            params:
                figure=figure.name,
                study=study.name,
                lock=LOCK,
            script:
                "../scripts/figure.py"

    # Findings: the study's answers as data (src/phenomena/<study>/findings.py).
    study_findings = study.findings(section)
    if study_findings:

        rule:
            name:
                study.findings_rule
            input:
                **{
                    table: f"{folder}/metrics/{table}.parquet"
                    for table in tables_read(study_findings)
                },
                code=findings_code(study.name),
            output:
                parquet=f"{folder}/findings.parquet",
                tsv=f"{folder}/findings.tsv",
                html=report(
                    f"{folder}/findings.html",
                    caption="../report/findings.rst",
                    category=study.title,
                ),
            log:
                f"{folder}/logs/findings.log",
            params:
                study=study.name,
                section=section,
            script:
                "../scripts/findings.py"

    # Target: everything the study builds (snakemake <study>).
    rule:
        name:
            study.name
        input:
            study.targets(section, RESULTS),

    workflow.localrules(*study.local_rules(section))


# Target: every study's findings (snakemake findings).
rule findings:
    input:
        [
            path
            for name in config["studies"]
            for path in STUDIES[name].findings_files(config[name], RESULTS)
        ],


localrules:
    findings,


stop_on_config_error(check_placements)
stop_on_config_error(check_resources)
bundle_short_jobs()
