# phenomena: data -> training (Lightning) -> metrics (Parquet) -> figures -> report.
# Keys of the config: config/README.md. Rules: workflow/rules/. Library: src/phenomena/.
# Adding a study: docs/adding_a_study.md.
from snakemake.utils import min_version

min_version("9.0")


configfile: os.path.join(workflow.basedir, "config", "config.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"


for study_name in STUDIES:  # phenomena.studies.STUDY_NAMES

    include: f"workflow/rules/{study_name}.smk"


include: "workflow/rules/studies.smk"


rule all:
    default_target: True
    input:
        study_targets(),
