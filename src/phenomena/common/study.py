"""What a study declares about itself, once; the workflow's shared layer builds the rest from it.

A study (``phenomena/<study>/study.py``) gives one :class:`Study`: its config checker, its
figures with the metric tables each reads, and where each of its rules runs. From that the
shared rule file (``workflow/rules/studies.smk``) generates the figure rules, the study's
target rule (``snakemake <study>``), what every rule reserves on a cluster, and the config
validation; the tests read the same declaration instead of keeping lists of their own.

The study's own rules (data, training, metrics) stay written out in
``workflow/rules/<study>.smk``, so its DAG reads top to bottom in one file.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from phenomena.common.config import ConfigError

if TYPE_CHECKING:  # the findings layer (pandas, scipy) is not needed to plan the workflow
    from phenomena.common.findings import Finding


class Placement(enum.Enum):
    """Where the jobs of a rule run, and what they reserve on a cluster."""

    LOGIN = "login"
    """Seconds of work (data, metrics, figures): on the login node; queueing would cost more."""
    CPU = "cpu"
    """A job of ``threads_per_job`` threads with the rule's ``resources`` entry."""
    TRAINING = "training"
    """A Lightning training job on the CPU: as CPU, plus the signal before its time limit on
    which it checkpoints and stops (``requeue_before_limit``), to be resubmitted and resume."""
    GPU_TRAINING = "gpu_training"
    """As TRAINING, on ``gpus_per_job`` GPUs of type ``gpu_model``."""
    GPU = "gpu"
    """As CPU, on ``gpus_per_job`` GPUs of type ``gpu_model``: a job whose networks follow config
    ``accelerator`` without training (tree search's arenas)."""

    @property
    def trains(self) -> bool:
        return self in (Placement.TRAINING, Placement.GPU_TRAINING)

    @property
    def asks_for_gpus(self) -> bool:
        return self in (Placement.GPU, Placement.GPU_TRAINING)


@dataclass(frozen=True)
class Figure:
    """One figure: ``phenomena.<study>.figures.<name>.plot(**tables)`` saved as PNG and PDF.

    ``tables`` maps each keyword argument of ``plot`` to a metric table of the study, the
    file ``results/<study>/metrics/<table>.parquet``; its caption is
    ``workflow/report/<study>/<name>.rst``.
    """

    name: str
    tables: dict[str, str]


@dataclass(frozen=True)
class Study:
    """A study of the workflow, as the shared layer and the tests see it.

    - ``name``: the config section, the package ``phenomena.<name>``, the rule file
      ``workflow/rules/<name>.smk``, the results folder (``<results>/<name>``, config key
      ``results``) and the target rule.
    - ``title``: its category in the report.
    - ``check_config``: the checks of its config section that its JSON schema
      (``workflow/schemas/<name>.schema.yaml``) cannot express; raises ConfigError.
    - ``figures``: its figures for a config section (some exist only when a part is enabled).
    - ``rules``: where each of its explicit rules runs (figure and target rules are generated
      and run on the login node).
    - ``extra_targets``: outputs beyond the figures that ``snakemake <name>`` builds, relative
      to ``results/<name>`` (e.g. an animation), for a config section.
    - ``findings``: the answers it gives (:mod:`phenomena.common.findings`), for a config
      section; the generated rule ``<name>_findings`` writes them to ``findings.parquet``.
    """

    name: str
    title: str
    check_config: Callable[[dict], None]
    figures: Callable[[dict], list[Figure]]
    rules: dict[str, Placement]
    extra_targets: Callable[[dict], list[str]] = field(default=lambda section: [])
    findings: Callable[[dict], list[Finding]] = field(default=lambda section: [])

    def results(self, root: str = "results") -> str:
        """The study's folder under the results root (config key ``results``)."""
        return f"{root}/{self.name}"

    def figure_rule(self, figure: Figure) -> str:
        return f"{self.name}_figure_{figure.name}"

    @property
    def findings_rule(self) -> str:
        return f"{self.name}_findings"

    def findings_files(self, section: dict, root: str = "results") -> list[str]:
        """The findings table (Parquet, TSV, and the HTML page the report shows), if it has findings."""
        if not self.findings(section):
            return []
        return [f"{self.results(root)}/findings.{ext}" for ext in ("parquet", "tsv", "html")]

    def targets(self, section: dict, root: str = "results") -> list[str]:
        """What ``snakemake <name>`` builds under the results root ``root``: every figure as PNG
        and PDF, the findings and the extra targets."""
        folder = self.results(root)
        figures = [f"{folder}/figures/{f.name}.{ext}" for f in self.figures(section) for ext in ("png", "pdf")]
        extra = [f"{folder}/{path}" for path in self.extra_targets(section)]
        return figures + self.findings_files(section, root) + extra

    def rules_placed(self, *placements: Placement) -> set[str]:
        """The study's explicit rules that run as one of ``placements``."""
        return {rule for rule, placement in self.rules.items() if placement in placements}

    def local_rules(self, section: dict) -> set[str]:
        """Every rule of the study that runs on the login node: declared LOGIN, figures, target."""
        generated = {self.figure_rule(figure) for figure in self.figures(section)} | {self.name}
        if self.findings(section):
            generated.add(self.findings_rule)
        return self.rules_placed(Placement.LOGIN) | generated


def check_rules_declared(study: Study, section: dict, defined: set[str]) -> None:
    """Every rule the study declares exists, and every rule named after the study is declared
    or generated, so that where a rule runs is never left to a default by mistake."""
    generated = {study.figure_rule(figure) for figure in study.figures(section)} | {study.findings_rule}
    missing = sorted(set(study.rules) - defined)
    undeclared = sorted(
        rule for rule in defined - generated if rule.startswith(f"{study.name}_") and rule not in study.rules
    )
    if missing:
        raise ConfigError(f"study {study.name} declares rules that its rule file lacks: {', '.join(missing)}")
    if undeclared:
        raise ConfigError(
            f"rules of study {study.name} without a placement in phenomena/{study.name}/study.py: "
            f"{', '.join(undeclared)}; allowed placements: {', '.join(p.value for p in Placement)}"
        )
