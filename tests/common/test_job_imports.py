"""Each kind of job imports only what it uses (issue 23: a job costs its work, not its imports).

Every Snakemake job starts a fresh Python, so what its script imports at the top is paid
once per job, before any work: torch ~2 s, pytorch_lightning ~4 s more (it pulls
torchmetrics, which imports scipy.signal, matplotlib and transformers whenever they are
installed, and torch._dynamo), matplotlib with seaborn ~1 s (bench/README.md, 'What a job
costs'). Each test imports one script's modules, exactly its top-level import lines, in a
fresh interpreter, and fails if a module banned for that kind of job is in ``sys.modules``.
Modules a job imports later, inside the function that needs them, are not seen: that is the
point (devinterp in the LLC jobs, a figure's module in the figure job).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from phenomena.studies import STUDY_NAMES, all_studies

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "workflow" / "scripts"
STUDIES = STUDY_NAMES

# Banned modules by reason; a kind of job bans the reasons that apply to it.
LIGHTNING = {  # only jobs that train use Lightning, and with it torchmetrics' optional imports
    "pytorch_lightning": "Lightning: only training jobs build a Trainer",
    "lightning_fabric": "Lightning: only training jobs build a Trainer",
    "torchmetrics": "pulled by Lightning; no job computes a torchmetrics metric",
    "torch._dynamo": "pulled by lightning_fabric.wrappers; nothing is compiled",
    "transformers": "pulled by torchmetrics when installed (for devinterp); only LLC jobs use it, lazily",
    "scipy.signal": "pulled by torchmetrics; no job filters signals",
}
FIGURES = {  # drawing happens in figure jobs only
    "matplotlib": "drawing: figure jobs only",
    "seaborn": "drawing: figure jobs only",
    "phenomena.common.plotting": "the figures' style: figure jobs only",
    **{f"phenomena.{study}.figures": "figure modules: figure jobs only" for study in STUDIES},
}
DEVINTERP = {"devinterp": "the LLC extra: imported inside the LLC functions, by the LLC jobs only"}
TORCH = {"torch": "figures and these tables are drawn and computed from Parquet tables alone"}

# What each kind of job may not import, and which scripts are of that kind.
# Training jobs need Lightning, and Lightning brings matplotlib (torchmetrics): our drawing modules are banned.
TRAINING = {**{name: reason for name, reason in FIGURES.items() if name != "matplotlib"}, **DEVINTERP}
WORKING = {**LIGHTNING, **FIGURES, **DEVINTERP}  # data, measurement and metric jobs: torch allowed
KINDS: dict[str, tuple[dict[str, str], list[str]]] = {
    "training": (
        TRAINING,
        [
            "grokking_train",
            "double_descent_train",
            "tree_search_train",
            "perturbation_diffusion_train",
            "perturbation_zero_init_train",
        ],
    ),
    "data": (
        WORKING,
        [
            "double_descent_source",
            "tree_search_positions",
            "perturbation_datasaurus",
            "perturbation_digits",
        ],
    ),
    "measurement": (
        WORKING,
        [
            "grokking_progress",
            "double_descent_random_features",
            "double_descent_random_features_sizes",
            "tree_search_arena",
            "perturbation_diffusion_sample",
        ],
    ),
    "llc": ({**LIGHTNING, **FIGURES}, ["grokking_llc"]),
    "metrics": (
        WORKING,
        ["double_descent_metrics", "tree_search_metrics", "perturbation_metrics"],
    ),
    "metrics without torch": ({**WORKING, **TORCH}, ["grokking_metrics"]),
    "findings": ({**WORKING, **TORCH}, ["findings"]),
    "figure": (
        {**LIGHTNING, **DEVINTERP, **TORCH},
        ["figure", "perturbation_animation"],
    ),
}
# A script not listed above takes its kind from its rule's placement in the study's declaration
# (a new study needs no edit here): a training rule's may import Lightning, any other's may not.
FROM_DECLARATION = {
    True: "training (its rule's placement)",
    False: "data, measurement or metrics (its rule's placement)",
}
LISTED = {script for _, scripts in KINDS.values() for script in scripts}
for study in all_studies():
    for rule, placement in study.rules.items():
        if rule not in LISTED and (SCRIPTS / f"{rule}.py").exists():
            banned = TRAINING if placement.trains else WORKING
            KINDS.setdefault(FROM_DECLARATION[placement.trains], (banned, []))[1].append(rule)
CASES = [(kind, script) for kind, (_, scripts) in KINDS.items() for script in scripts]
# Importing Lightning takes ~5 s of CPU per script: those cases run in the slow suite only.
IMPORTS_LIGHTNING = {*KINDS["training"][1], *KINDS.get(FROM_DECLARATION[True], ({}, []))[1]}


def import_lines(path: Path) -> list[str]:
    """The top-level import statements of a script, as source."""
    tree = ast.parse(path.read_text())
    return [ast.unparse(node) for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]


def modules_after(statements: list[str]) -> set[str]:
    """``sys.modules`` of a fresh interpreter after running ``statements``."""
    code = "\n".join([*statements, "import json, sys", "print(json.dumps(sorted(sys.modules)))"])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    return set(json.loads(done.stdout.splitlines()[-1]))


def job_statements(script: str) -> list[str]:
    """What a job of ``script`` imports before its work; the figure job, any figure module too."""
    statements = import_lines(SCRIPTS / f"{script}.py")
    if script == "figure":  # it imports one figure module by name: none may bring in more
        statements += figure_modules()
    if script == "findings":  # it imports one study's findings module by name (through its declaration)
        statements += [f"import phenomena.{study}.study" for study in STUDIES] + findings_modules()
    return statements


def findings_modules() -> list[str]:
    """Every study's findings modules, which the findings job imports through the declaration."""
    return [
        f"import phenomena.{study}.findings"
        for study in STUDIES
        if (REPO / f"src/phenomena/{study}/findings.py").exists()
    ]


def figure_modules() -> list[str]:
    """Every study's figure modules, which the figure job imports by name at run time."""
    return [
        f"import phenomena.{study}.figures.{path.stem}"
        for study in STUDIES
        for path in sorted((REPO / "src/phenomena" / study / "figures").glob("*.py"))
        if path.stem != "__init__"
    ]


def banned_found(loaded: set[str], banned: dict[str, str]) -> list[str]:
    """'module: reason' for each banned module (or a submodule of a banned package) loaded."""
    return [
        f"{name}: {reason}"
        for name, reason in banned.items()
        if any(module == name or module.startswith(name + ".") for module in loaded)
    ]


@pytest.fixture(scope="module")
def imported(request) -> dict[str, Future]:
    """The modules each selected script's imports load, started side by side (one per CPU)."""
    selected = [
        item.callspec.params["script"]
        for item in request.session.items
        if item.name.startswith("test_job_imports_only_what_it_uses[")
    ]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        yield {script: pool.submit(modules_after, job_statements(script)) for script in selected}


def test_every_script_has_a_kind():
    """A new script must be given a kind (and so a banned list) here."""
    assert sorted(script for _, script in CASES) == sorted(path.stem for path in SCRIPTS.glob("*.py"))


@pytest.mark.parametrize(
    ("kind", "script"),
    [
        pytest.param(kind, script, marks=[pytest.mark.slow] if script in IMPORTS_LIGHTNING else [], id=script)
        for kind, script in CASES
    ],
)
def test_job_imports_only_what_it_uses(kind, script, imported):
    found = banned_found(imported[script].result(), KINDS[kind][0])
    assert not found, f"a {kind} job ({script}.py) imports, before its work:\n" + "\n".join(found)


def test_reading_the_snakefile_imports_no_torch():
    """Every `snakemake` call reads the Snakefile, twice per job through SLURM: its imports and
    the studies' declarations (runs, config checks, findings) stay free of torch, scipy and
    drawing. (pandas is not banned: Snakemake's own API imports it before any Snakefile.)"""
    rule_files = [REPO / "Snakefile", *sorted((REPO / "workflow/rules").glob("*.smk"))]
    statements = [
        line for path in rule_files for line in path.read_text().splitlines() if line.startswith(("import ", "from "))
    ]
    banned = {
        **LIGHTNING,
        **FIGURES,
        **TORCH,
        "scipy": "statistics are computed by findings jobs, not by the Snakefile",
    }
    declared = "[study.findings(section) for study, section in zip(all_studies(), configs)]"
    configs = "configs = [load_config('config/config.yaml')[name] for name in STUDY_NAMES]"
    prelude = "from phenomena.common.config import load_config; from phenomena.studies import STUDY_NAMES"
    found = banned_found(modules_after([*statements, "all_studies()", prelude, configs, declared]), banned)
    assert not found, "reading the Snakefile imports:\n" + "\n".join(found)


def test_banned_modules_are_detected():
    """The check itself: a banned package is seen through any of its submodules, with its reason."""
    assert banned_found({"torch", "torch._dynamo.utils", "pandas"}, LIGHTNING) == [
        "torch._dynamo: pulled by lightning_fabric.wrappers; nothing is compiled"
    ]
    assert banned_found({"torch", "phenomena.grokking.figures.llc"}, {**FIGURES, **TORCH}) == [
        "phenomena.grokking.figures: figure modules: figure jobs only",
        "torch: figures and these tables are drawn and computed from Parquet tables alone",
    ]
