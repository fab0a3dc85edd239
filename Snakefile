# phenomena: data -> training (Lightning) -> metrics (Parquet) -> figures -> report.
# Keys of the config: config/README.md. Rules: workflow/rules/. Library: src/phenomena/.
from snakemake.utils import min_version

min_version("9.0")


configfile: os.path.join(workflow.basedir, "config", "config.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/grokking.smk"
include: "workflow/rules/double_descent.smk"
include: "workflow/rules/tree_search.smk"
include: "workflow/rules/perturbation.smk"


try:
    check_resources()
except ConfigError as error:
    sys.exit(f"phenomena: {error}")


rule all:
    default_target: True
    input:
        study_targets(),
