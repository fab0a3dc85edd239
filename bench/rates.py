"""Per-unit CPU rates for ``python -m phenomena.estimate``: each study's own code at small sizes, 1 thread.

    python bench/rates.py            # measure and print
    python bench/rates.py --write    # ... and write src/phenomena/rates.json

Each case runs a study's own function (training, self-play, arena, solver, ...) on a small config for a
second or so, and states its work in the estimate's units, computed by the studies' cost models
(``phenomena.<study>.cost``).
The cases run in rounds (every case once per round, ``--repeats`` rounds, after one untimed warm-up of
each family), and each is timed in CPU seconds of this process and its children: other load on the
machine does not count, and with one torch thread a job's CPU time is its wall time on a quiet
machine. Per family, the rates are a non-negative least-squares fit of the median seconds to the units
(two sizes x two lengths: a per-fit, a per-step and a per example-parameter rate). Start-up: a fresh
Python importing what each kind of job imports. The load average before and after is recorded. GPU
entries: measured ones (``bench/gpu_check.py``, later) are kept; otherwise assumed, ``measured: false``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import torch

from phenomena.common.config import load_config
from phenomena.estimate import RATES_FILE, REPO
from phenomena.tree_search.cost import tree_search_parameters

torch.set_num_threads(1)
CONFIG = load_config(REPO / "config" / "config.yaml")
STARTUP_IMPORTS = {  # what each kind of job imports before its work (bench/README.md "What a job costs")
    "lightning": "import phenomena.double_descent.train",
    "torch": "import phenomena.tree_search.arena",
    "light": "import phenomena.common.plotting, pandas, matplotlib.pyplot",
}
GPU_SPEEDUP = 200.0  # assumed for arithmetic (per example-parameter units) on the reference card vs 1 CPU thread
GPU_STEP_SECONDS = 0.005  # assumed fixed cost of a GPU training step (kernel launches, Python), if below the CPU's
GPU_ASSUMPTION = (
    f"assumed: arithmetic (per example-parameter units) {GPU_SPEEDUP:.0f}x one CPU thread, a step's fixed cost "
    f"{GPU_STEP_SECONDS * 1000:.0f} ms (or the CPU's if less), start-up and fits as on the CPU; no GPU measured yet"
)


def cpu_seconds() -> float:
    """CPU seconds of this process and its finished children: other load on the machine does not count
    (one torch thread: a job's CPU time is its wall time on a quiet machine)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(function) -> float:
    started = cpu_seconds()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        function()
    return cpu_seconds() - started


# ---------------------------------------------------------------- cases: (units, () -> None)
# Each case runs the study's own function on a small config and states its work in the estimate's units
# (computed by the studies' cost models, phenomena.<study>.cost): the rates are a non-negative least-squares
# fit of the cases' median CPU seconds to their units, one family at a time.

NO_RATES = {"assumptions": {"grokking_stop_fraction": 1.0}}


def numbered(work: Path, name: str):
    counter = iter(range(10**6))
    return lambda: work / f"{name}_{next(counter)}"


def grokking_case(work: Path, fraction: float, steps: int, model: str = "mlp"):
    from phenomena.grokking.cost import jobs as grokking_jobs
    from phenomena.grokking.data import make_dataset
    from phenomena.grokking.runs import GrokkingRun, resolved_settings
    from phenomena.grokking.train import train_run

    study = dict(CONFIG["grokking"], llc=None)
    if model == "transformer":
        small = CONFIG["grokking"]["model"]["transformer"]  # the paper's size, on a smaller modulus
        study = {**study, "modulus": 47, "model": {"name": "transformer", "transformer": small}}
    study["training"] = {
        **study["training"],
        "max_steps": steps,
        "checkpoint_every": steps,
        "stop_after_generalizing": None,
    }
    study["sweeps"] = [{"train_fraction": [fraction], "weight_decay": [1.0], "optimizer": ["adamw"], "seed": [0]}]
    run = GrokkingRun("add", study["modulus"], fraction, 1.0, "adamw", 0)
    data = work / f"grok_{model}_{fraction}.pt"
    make_dataset(run.operation, run.modulus, run.train_fraction, run.seed).save(data)
    folder = numbered(work, f"grok_{model}_{fraction}_{steps}")
    units = grokking_jobs(study, NO_RATES)["grokking_train"][0].units
    return units, lambda: train_run(resolved_settings(study, run), data, folder())


def grokking_stop_fraction(work: Path) -> float:
    """Steps a default run (fraction 0.3, weight decay 1, AdamW, seed 0) trains before it stops, over its budget."""
    from phenomena.grokking.data import make_dataset
    from phenomena.grokking.runs import GrokkingRun, resolved_settings
    from phenomena.grokking.train import train_run

    study = CONFIG["grokking"]
    run = GrokkingRun("add", study["modulus"], 0.3, 1.0, "adamw", 0)
    data = work / "grok_stop.pt"
    make_dataset(run.operation, run.modulus, run.train_fraction, run.seed).save(data)
    timed(lambda: train_run(resolved_settings(study, run), data, work / "grok_stop"))
    steps = json.loads((work / "grok_stop" / "meta.json").read_text())["steps"]
    return steps / study["training"]["max_steps"]


def double_descent_case(work: Path, model: str, width: int, epochs: int):
    from phenomena.double_descent.cost import dd_units, double_descent_parameters, recorded_epochs
    from phenomena.double_descent.data import LabelledData, make_mnist1d
    from phenomena.double_descent.runs import Job, Member, resolved_settings
    from phenomena.double_descent.train import train_job

    study = CONFIG["double_descent"]
    batch, num_train = (100, 4000) if model == "mlp" else (32, 64)
    training = {**study["training"], "epochs": epochs, "batch_size": batch, "checkpoint_every": epochs}
    study = {**study, "training": training, "model": {**study["model"], "name": model}}
    if model == "mlp":
        source, test, shape = make_mnist1d(**study["data"]["mnist1d"]), 4000, "mnist1d"
        members = tuple(Member(model, width, num_train, noise, seed) for noise in (0.0, 0.15) for seed in (0, 1, 2))
    else:  # random CIFAR-shaped images in memory, as bench/gpu_check.py
        generator, test, shape = torch.Generator().manual_seed(0), 64, "cifar10"
        source = LabelledData(
            train_inputs=torch.randn(num_train, 3, 32, 32, generator=generator),
            train_labels=torch.randint(10, (num_train,), generator=generator),
            test_inputs=torch.randn(test, 3, 32, 32, generator=generator),
            test_labels=torch.randint(10, (test,), generator=generator),
        )
        members = (Member(model, width, num_train, 0.0, 0),)
    settings = resolved_settings(study, Job(model, width, num_train, members))
    params = double_descent_parameters(model, width, shape, json.dumps(study["model"].get(model, {})))
    records = recorded_epochs(study, settings.get("recording"))
    units = dd_units(model, params, len(members), epochs, num_train, batch, records, test)
    folder = numbered(work, f"dd_{model}_{width}_{epochs}")
    return units, lambda: train_job(settings, source, folder())


def classifier_case(work: Path, model: str, batch: int, steps: int):
    from phenomena.inductive_bias.cost import classifier_units
    from phenomena.inductive_bias.data import make_data
    from phenomena.inductive_bias.runs import architecture_jobs, run_settings
    from phenomena.inductive_bias.train import train_classifier

    study = CONFIG["inductive_bias"]
    data = work / "ib_data.pt"
    if not data.exists():
        with contextlib.redirect_stdout(io.StringIO()):
            make_data(study["data"], data)
    name, settings = next((n, s) for n, s in architecture_jobs(study).items() if s["model"] == model)
    training = {**settings["training"], "steps": steps, "batch_size": batch, "checkpoint_every": steps}
    settings = {**settings, "training": training}
    units = classifier_units(settings, 1, round(study["data"]["num_samples"] * study["data"]["train_split"]))
    folder = numbered(work, f"ib_{model}_{batch}_{steps}")
    return units, lambda: train_classifier(run_settings(name, settings, 0), data, folder())


def kernel_case(work: Path, width: int, steps: int):
    from phenomena.inductive_bias.cost import kernel_units
    from phenomena.inductive_bias.runs import kernel_jobs, run_settings
    from phenomena.inductive_bias.train import train_kernel

    name, settings = next(iter(kernel_jobs(CONFIG["inductive_bias"]).items()))
    training = {**settings["training"], "steps": steps, "checkpoint_every": steps}
    settings = {**settings, "width": width, "training": training}
    folder = numbered(work, f"kernel_{width}_{steps}")
    return kernel_units(settings, 1), lambda: train_kernel(run_settings(name, settings, 0), folder())


def perturbation_units(section: dict, rule: str) -> dict:
    from phenomena.perturbation.cost import jobs as perturbation_jobs

    return perturbation_jobs(section, NO_RATES)[rule][0].units


def datasaurus_case(work: Path, iterations: int):
    from phenomena.perturbation.datasaurus import run_datasaurus
    from phenomena.perturbation.runs import datasaurus_runs

    study = CONFIG["perturbation"]
    study = {**study, "datasaurus": {**study["datasaurus"], "iterations": iterations, "targets": ["circle"]}}
    settings = next(iter(datasaurus_runs(study).values()))
    folder = numbered(work, f"datasaurus_{iterations}")
    return perturbation_units(study, "perturbation_datasaurus"), lambda: run_datasaurus(settings, folder())


def diffusion_case(work: Path, hidden: int, steps: int):
    from phenomena.perturbation.diffusion import train_diffusion
    from phenomena.perturbation.runs import diffusion_runs, diffusion_training_settings

    study = CONFIG["perturbation"]
    part = study["diffusion"]
    training = {**part["training"], "steps": steps, "log_every": steps, "checkpoint_every": steps}
    part = {**part, "training": training, "model": {**part["model"], "hidden": hidden}}
    study = {**study, "diffusion": part}
    settings = diffusion_training_settings(next(iter(diffusion_runs(study).values())))
    folder = numbered(work, f"diffusion_{hidden}_{steps}")
    return perturbation_units(study, "perturbation_diffusion_train"), lambda: train_diffusion(settings, folder())


def zero_init_case(work: Path, epochs: int):
    from phenomena.perturbation.digits import make_digits
    from phenomena.perturbation.runs import zero_init_runs
    from phenomena.perturbation.zero_init import train_zero_init

    study = CONFIG["perturbation"]
    data = work / "digits.pt"
    if not data.exists():
        with contextlib.redirect_stdout(io.StringIO()):
            make_digits(study["zero_init"]["data"], data)
    part = study["zero_init"]
    study = {
        **study,
        "zero_init": {
            **part,
            "training": {**part["training"], "epochs": epochs, "checkpoint_every": epochs},
            "inits": part["inits"][:1],  # one run: the rule's one job trains every run, the case times one
            "seeds": part["seeds"][:1],
        },
    }
    settings = next(iter(zero_init_runs(study).values()))
    folder = numbered(work, f"zero_{epochs}")
    return perturbation_units(study, "perturbation_zero_init_train"), lambda: train_zero_init(settings, data, folder())


def board_and_net(hidden: int = 16):
    from phenomena.tree_search.game import ConnectFour
    from phenomena.tree_search.network import PolicyValueNet

    board = CONFIG["tree_search"]["board"]
    columns, rows = board["columns"], board["rows"]
    return (
        ConnectFour(columns, rows),
        PolicyValueNet(columns, rows, hidden, 2),
        tree_search_parameters(columns, rows, hidden, 2),
    )


def selfplay_case(games: int, simulations: int, plies: list):
    """Self-play at the default board with a small network; ``plies`` collects the games' mean lengths."""
    from phenomena.tree_search.cost import selfplay_units
    from phenomena.tree_search.selfplay import self_play_iteration

    game, net, params = board_and_net()
    settings = {**CONFIG["tree_search"]["selfplay"], "games_per_iteration": games, "simulations": simulations}

    def play():
        torch.manual_seed(0)
        plies.append(self_play_iteration(game, net, settings)[1].mean_length)

    play()  # once for the mean game length the units need
    return selfplay_units(1, games, simulations, game.cells, statistics.mean(plies), params), play


def arena_case(players_of, opening_plies: int, plies: list):
    """A ladder tournament among ``players_of()``'s players, every ``opening_plies``-ply opening, both colours."""
    from phenomena.tree_search.arena import Mover
    from phenomena.tree_search.cost import tournament_units
    from phenomena.tree_search.players import NETWORK, schedule
    from phenomena.tree_search.tournament import openings, play_tournament

    game, net, params = board_and_net()
    players = players_of()
    movers = [Mover(game, p, net if p.kind == NETWORK else None, 1.5) for p in players]
    pairs, starts = schedule(players, "ladder"), openings(game, opening_plies)

    def play():
        torch.manual_seed(0)
        play_tournament(game, movers, pairs, starts)

    return tournament_units(players, pairs, len(starts), game.cells, statistics.mean(plies), params), play


def network_players():
    from phenomena.tree_search.players import NETWORK, RANDOM, Player

    return [Player(RANDOM), Player(NETWORK, 0, 0), Player(NETWORK, 8, 0)]


def pure_mcts_players():
    from phenomena.tree_search.players import PURE_MCTS, RANDOM, Player

    return [Player(RANDOM), Player(PURE_MCTS, 16)]


def solver_empty_case(columns: int, rows: int):
    from phenomena.tree_search.solver import Solver

    return lambda: Solver(columns, rows).move_values(0, 0, 0)


def solver_positions_case(columns: int, rows: int):
    from phenomena.tree_search.solver import label

    solver = CONFIG["tree_search"]["solver"]
    solver = {**solver, "max_ply": min(solver["max_ply"], columns * rows - 4)}
    return lambda: label({"columns": columns, "rows": rows}, solver)


def startup_case(imports: str, work: str = "pass"):
    """A job's start and end as a rule's script has them: ``imports`` with the collector off
    (``phenomena.common.runtime.imports_without_collection``), ``work``, every object frozen at the
    end (as ``output_to_log`` leaves it)."""
    script = (
        "import gc\nfrom phenomena.common.runtime import imports_without_collection\n"
        f"with imports_without_collection():\n    {imports}\n{work}\ngc.freeze()\n"
    )
    return {}, lambda: subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)


# ---------------------------------------------------------------- measuring and fitting


def measure(cases: dict, repeats: int) -> dict[str, float]:
    """Median CPU seconds of each case, in rounds (every case once per round), after one untimed run of
    each family's first case (lazy imports and first-call costs belong to a job's start-up)."""
    seconds = {name: [] for name in cases}
    for family in (*FAMILIES, "solver"):
        first = next((run for name, (_, run) in cases.items() if name.startswith(family)), None)
        if first:
            timed(first)
    for _ in range(repeats):
        for name, (_, run) in cases.items():
            seconds[name].append(timed(run))
    return {name: statistics.median(values) for name, values in seconds.items()}


def fit(cases: dict, seconds: dict, names: list[str], known: dict[str, float]) -> dict[str, float]:
    """Non-negative least squares of the cases' seconds (less what ``known`` rates explain) on their units,
    each case weighted by 1 / its seconds (relative errors)."""
    import numpy as np
    from scipy.optimize import nnls

    unknown = sorted({u for name in names for u in cases[name][0] if u not in known})
    rows, target = [], []
    for name in names:
        units = cases[name][0]
        rest = seconds[name] - sum(known.get(u, 0.0) * c for u, c in units.items())
        rows.append([units.get(u, 0.0) / seconds[name] for u in unknown])
        target.append(rest / seconds[name])
    solution, _ = nnls(np.array(rows), np.array(target))
    return dict(zip(unknown, map(float, solution)))


FAMILIES = {  # case-name prefix -> what the rates mean
    "grok": "grokking (MLP: fractions 0.2, 0.6 x 150, 450 steps; the paper's transformer on p=47: 20, 60 steps)",
    "dd": "double-descent stacks (MLP widths 16, 300 x 2, 6 epochs, 6 members; ResNet-18 k=4, 16 x 1, 2 epochs)",
    "ib_": "inductive-bias classifiers (MLP batch 25, 400 x 100, 300 steps; CNN batch 100)",
    "kernel": "inductive-bias kernel networks (widths 16, 1024 x 100, 300 steps)",
    "datasaurus": "datasaurus annealing (10k, 30k iterations)",
    "diffusion": "diffusion training (hidden 32, 128 x 100, 300 steps)",
    "zero": "zero-init MLP (1, 3 epochs)",
    "search": "batched search: self-play (16, 128 games x 8, 16 simulations), network arenas (1-, 3-ply openings)",
    "rollout": "pure MCTS against random (16 simulations, 1- and 3-ply openings: 10 and 250 games)",
}


def build_cases(work: Path) -> dict:
    plies: list[float] = []
    cases = {f"startup_{kind}": startup_case(code) for kind, code in STARTUP_IMPORTS.items()}
    # rule all starts no script: a bare interpreter
    cases["startup_none"] = {}, lambda: subprocess.run([sys.executable, "-c", "pass"], check=True)
    cases["light_job"] = startup_case(STARTUP_IMPORTS["light"], LIGHT_WORK)
    for fraction in (0.2, 0.6):
        for steps in (150, 450):
            cases[f"grok_mlp_{fraction}_{steps}"] = grokking_case(work, fraction, steps)
    for steps in (20, 60):
        cases[f"grok_transformer_{steps}"] = grokking_case(work, 0.3, steps, "transformer")
    for width in (16, 300):
        for epochs in (2, 6):
            cases[f"dd_mlp_{width}_{epochs}"] = double_descent_case(work, "mlp", width, epochs)
    for width in (4, 16):
        for epochs in (1, 2):
            cases[f"dd_resnet18_{width}_{epochs}"] = double_descent_case(work, "resnet18", width, epochs)
    for batch in (25, 400):
        for steps in (100, 300):
            cases[f"ib_mlp_{batch}_{steps}"] = classifier_case(work, "mlp", batch, steps)
    for steps in (100, 300):
        cases[f"ib_cnn_{steps}"] = classifier_case(work, "cnn", 100, steps)
    for width in (16, 1024):
        for steps in (100, 300):
            cases[f"kernel_{width}_{steps}"] = kernel_case(work, width, steps)
    for iterations in (10_000, 30_000):
        cases[f"datasaurus_{iterations}"] = datasaurus_case(work, iterations)
    for hidden in (32, 128):
        for steps in (100, 300):
            cases[f"diffusion_{hidden}_{steps}"] = diffusion_case(work, hidden, steps)
    for epochs in (1, 3):
        cases[f"zero_{epochs}"] = zero_init_case(work, epochs)
    for games in (16, 128):
        for simulations in (8, 16):
            cases[f"search_selfplay_{games}_{simulations}"] = selfplay_case(games, simulations, plies)
    for opening in (1, 3):
        cases[f"search_arena_{opening}"] = arena_case(network_players, opening, plies)
        cases[f"rollout_arena_{opening}"] = arena_case(pure_mcts_players, opening, plies)
    for columns, rows in ((4, 4), (5, 4)):
        cases[f"solver_empty_{columns}x{rows}"] = ({}, solver_empty_case(columns, rows))
        cases[f"solver_positions_{columns}x{rows}"] = ({}, solver_positions_case(columns, rows))
    return cases, plies


def solver_fit(seconds: dict, what: str) -> dict:
    small, large = seconds[f"solver_{what}_4x4"], seconds[f"solver_{what}_5x4"]
    fitted = {"seconds_at_reference": large, "reference_cells": 20, "growth_per_cell": (large / small) ** (1 / 4)}
    if what == "positions":
        fitted["reference_positions"] = CONFIG["tree_search"]["solver"]["positions"]
    return fitted | {"what": f"solver ({what}) on 4x4 and 5x4: seconds x growth^(cells - 20), a rough extrapolation"}


def measure_rates(repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        load_before = os.getloadavg()
        cases, plies = build_cases(work)
        seconds = measure(cases, repeats)
        stop_fraction = grokking_stop_fraction(work)
        load_after = os.getloadavg()
    startup = {kind: round(seconds[f"startup_{kind}"], 3) for kind in (*STARTUP_IMPORTS, "none")}
    rates: dict[str, float] = {}
    for prefix in ("grok", "dd", "ib_", "kernel", "datasaurus", "diffusion", "zero"):
        rates |= fit(cases, seconds, [n for n in cases if n.startswith(prefix)], {})
    rates["forward_example_param"] = rates["dd_mlp_example_param"] / 3  # a forward pass ~ 1/3 of a step (FLOPs)
    rates |= fit(cases, seconds, [n for n in cases if n.startswith("search")], rates)
    rates |= fit(cases, seconds, [n for n in cases if n.startswith("rollout")], rates)
    rates["light_job"] = max(seconds["light_job"] - seconds["startup_light"], 0.0)
    rates["solver_second"] = 1.0
    cpu = {unit: {"seconds_per_unit": value} for unit, value in sorted(rates.items())}
    cpu["startup"] = startup
    cpu["ts_solver_empty"] = solver_fit(seconds, "empty")
    cpu["ts_solver_positions"] = solver_fit(seconds, "positions")
    board = CONFIG["tree_search"]["board"]
    return {
        "cpu": cpu,
        "families": FAMILIES,
        "assumptions": {
            "grokking_stop_fraction": round(stop_fraction, 4),
            "grokking_stop_fraction_note": "steps of the default run (0.3, wd 1, AdamW, seed 0) over max_steps; "
            "other settings grok at other steps",
            "tree_search_plies_per_cell": round(statistics.mean(plies) / (board["columns"] * board["rows"]), 4),
        },
        "load_average": f"{load_before[0]:.2f} before, {load_after[0]:.2f} after",
        "seconds": {name: round(value, 4) for name, value in seconds.items()},
    }


LIGHT_WORK = (
    "import pandas as pd, matplotlib.pyplot as plt, tempfile, os; "
    "d = tempfile.mkdtemp(); f = pd.DataFrame({'x': range(100)}); f.to_parquet(os.path.join(d, 't.parquet')); "
    "plt.plot(f.x); plt.savefig(os.path.join(d, 'f.png')); plt.savefig(os.path.join(d, 'f.pdf'))"
)
GPU_UNITS = ("grokking_", "dd_")  # the GPU training rules' units (Placement GPU_TRAINING)


def assumed_gpu_rate(unit: str, cpu_rate: float) -> float:
    """GPU_ASSUMPTION for one unit: arithmetic sped up, a step's fixed cost capped, the rest as on the CPU."""
    if unit.endswith("example_param"):
        return cpu_rate / GPU_SPEEDUP
    if unit.endswith("_step"):
        return min(cpu_rate, GPU_STEP_SECONDS)
    return cpu_rate


def gpu_entries(cpu: dict, previous: dict) -> dict:
    """GPU rates keyed by the CPU's unit names: measured ones (bench/gpu_check.py) kept, the others assumed."""
    entries = {}
    for unit, entry in cpu.items():
        if not unit.startswith(GPU_UNITS) or "seconds_per_unit" not in entry:
            continue
        kept = previous.get(unit)
        assumed = {"seconds_per_unit": assumed_gpu_rate(unit, entry["seconds_per_unit"]), "measured": False}
        entries[unit] = kept if kept and kept.get("measured") else assumed
    return entries


def any_measured(previous: dict) -> bool:
    return any(entry.get("measured") for entry in previous.get("gpu", {}).values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--write", action="store_true", help=f"write {RATES_FILE.relative_to(REPO)}")
    args = parser.parse_args()
    measured = measure_rates(args.repeats)
    previous = json.loads(RATES_FILE.read_text()) if RATES_FILE.exists() else {}
    rates = {
        "date": dt.date.today().isoformat(),
        "machine": f"{os.cpu_count()}-core {platform.machine()} CPU, 1 torch thread",
        "torch": torch.__version__,
        "load_average": measured["load_average"],
        "command": f"python bench/rates.py --repeats {args.repeats} --write",
        "cpu": measured["cpu"],
        "families": measured["families"],
        "assumptions": measured["assumptions"],
        "gpu_reference": previous.get("gpu_reference", "NVIDIA H100"),
        "gpu_assumption": GPU_ASSUMPTION if not any_measured(previous) else previous["gpu_assumption"],
        "gpu": gpu_entries(measured["cpu"], previous.get("gpu", {})),
        "seconds": measured["seconds"],
    }
    text = json.dumps(rates, indent=1)
    print(text)
    if args.write:
        RATES_FILE.write_text(text + "\n")


if __name__ == "__main__":
    main()
