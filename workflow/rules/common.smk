# Helpers shared by the rule files; keep logic in src/phenomena, not here.
import sys
from pathlib import Path

from phenomena.common.config import ConfigError, load_yaml, validate_config
from phenomena.double_descent.runs import (
    check_study_config as check_double_descent_config,
)
from phenomena.grokking.runs import check_study_config as check_grokking_config
from phenomena.perturbation.runs import check_study_config as check_perturbation_config
from phenomena.tree_search.runs import check_study_config as check_tree_search_config

SRC = Path(workflow.basedir) / "src" / "phenomena"
STUDY_CHECKS = {
    "grokking": check_grokking_config,
    "double_descent": check_double_descent_config,
    "tree_search": check_tree_search_config,
    "perturbation": check_perturbation_config,
}

try:
    validate_config(
        config,
        load_yaml(Path(workflow.basedir) / "workflow/schemas/config.schema.yaml"),
    )
    for study, check in STUDY_CHECKS.items():
        check(config[study])
except ConfigError as error:
    sys.exit(f"phenomena: {error}")

STUDY_TARGETS = {}  # study name -> its final outputs, filled by each rule file


def study_targets():
    """Final outputs of the studies named in config['studies']."""
    return [path for study in config["studies"] for path in STUDY_TARGETS[study]]


def figure_code(study, figure):
    """The source of one figure, inputs of its rule: editing the figure's module reruns that
    figure only; editing the study's shared figure helpers reruns all its figures."""
    figures = SRC / study / "figures"
    return [figures / f"{figure}.py", figures / "__init__.py"]
