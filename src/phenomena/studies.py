"""The studies of the workflow, in the order the config, the report and the docs list them.

Adding a study: docs/adding_a_study.md. Each name is a package ``phenomena.<name>`` whose
module ``study`` holds its declaration, ``STUDY`` (:class:`phenomena.common.study.Study`).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from phenomena.common.config import load_schema, validate_config
from phenomena.common.study import Study

STUDY_NAMES = ("grokking", "double_descent", "tree_search", "perturbation", "inductive_bias", "slt")


def all_studies() -> list[Study]:
    """The declaration of every study, in the order of :data:`STUDY_NAMES`."""
    return [importlib.import_module(f"phenomena.{name}.study").STUDY for name in STUDY_NAMES]


def check_config(config: dict, schema_dir: str | Path) -> None:
    """Check the merged workflow config: its schema (shared keys and every study's section),
    then each study's own checks; raise ConfigError on the first mistake."""
    validate_config(config, load_schema(schema_dir, STUDY_NAMES))
    for study in all_studies():
        study.check_config(config[study.name])
