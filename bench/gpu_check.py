"""The GPU path in minutes: a short slice of every paper preset's training on the visible accelerator.

Each slice runs through the project's own code (the studies' train functions, hence ``fit_run`` and
``make_trainer``) at the paper preset's sizes (config/paper.yaml over config/config.yaml; perturbation has
no paper settings: its default ones), cut to a few hundred steps. Each prints its throughput and peak
memory, and asserts that the model and the data it trained on were on the device (the probes of
``gpu_check_support``). A slice that fails is reported and the others still run; the exit status is 1 then.

    timeout 420 python bench/gpu_check.py --out /tmp/gpu_check           # on a GPU machine
    python bench/gpu_check.py --device cpu --tiny --out /tmp/gpu_check    # same code paths, tiny sizes, seconds

Writes ``<out>/gpu_check-<device>[-tiny].json`` and prints a markdown table for bench/README.md. With
``--write-rates`` (a CUDA run at full size only), also the measured GPU rates of src/phenomena/rates.json
(``gpu_rates.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import math
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytorch_lightning as pl
import torch

from gpu_check_support import OnDevice, markdown, peak_memory, placement, probed
from gpu_rates import refusal, write_rates
from phenomena.common.config import load_config
from phenomena.common.trainer_options import TrainerOptions

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Check:
    """What every slice needs: the device, the sizes (paper or tiny), a scratch folder, the config."""

    device: torch.device
    tiny: bool
    work: Path
    config: dict = field(default_factory=lambda: load_config(REPO / "config/config.yaml", REPO / "config/paper.yaml"))

    @property
    def accelerator(self) -> str:
        return "cuda" if self.device.type == "cuda" else "cpu"

    def options(self, precision: str | None = None) -> TrainerOptions:
        """The Trainer options of a slice: the paper preset's precision (or ``precision``) on the device."""
        return TrainerOptions(accelerator=self.accelerator, precision=precision or self.config["precision"])

    def size(self, paper, tiny):
        return tiny if self.tiny else paper

    def folder(self, name: str) -> Path:
        (self.work / name).mkdir(parents=True, exist_ok=True)
        return self.work / name


def row(slice_name: str, what: str, unit: str, work: float, seconds: float, memory: dict, where: str) -> dict:
    return {
        "slice": slice_name,
        "what": what,
        "unit": unit,
        "throughput": work / seconds,
        "work": work,
        "seconds": seconds,
        **memory,
        "placement": where,
    }


# grokking


def grokking_settings(check: Check, optimizer: str, steps: int, every: int, checkpoint: int) -> tuple[dict, Path]:
    """Settings of a paper grokking run (Nanda et al.'s transformer, p = 113, train fraction 0.3: ``steps``
    steps, evaluated every ``every``, checkpointed every ``checkpoint``), and its data."""
    from phenomena.grokking.data import make_dataset
    from phenomena.grokking.runs import GrokkingRun, resolved_settings

    study = check.config["grokking"]
    if check.tiny:
        tiny = {"name": "transformer", "transformer": {"d_model": 32, "n_heads": 4, "d_mlp": 64}}
        study = {**study, "modulus": 23, "model": tiny}
    training = {
        "max_steps": steps,
        "eval_every": every,
        "checkpoint_every": checkpoint,
        "stop_after_generalizing": None,
    }
    run = GrokkingRun("add", study["modulus"], 0.3, 1.0, optimizer, 0)
    data = check.folder("grokking") / "data.pt"
    if not data.exists():
        make_dataset(run.operation, run.modulus, run.train_fraction, run.seed).save(data)
    return resolved_settings({**study, "training": {**study["training"], **training}}, run), data


def grokking_transformer(check: Check) -> dict:
    """A few hundred full-batch AdamW steps of the paper's grokking run (one checkpoint, at the end)."""
    from phenomena.grokking.train import train_run

    total = check.size(500, 40)
    settings, data = grokking_settings(check, "adamw", total, check.size(100, 10), total)
    with peak_memory(check.device) as memory, probed(check.device) as probe:
        train_run(settings, data, check.folder("grokking") / "adamw", options=check.options())
    steps, seconds = probe.window()
    what = f"transformer d{settings['model']['sizes']['d_model']}, p={settings['run']['modulus']}, {total} steps"
    return row("grokking", what, "steps/s", steps, seconds, memory, placement(probe.seen, check.device, "grokking"))


def grokking_resume(check: Check) -> dict:
    """A Grokfast run stopped at a checkpoint and resumed on the device, as after a SLURM requeue: Lightning
    loads the checkpoint on the CPU; the optimizer, Grokfast's slow gradients and the random state must follow."""
    from phenomena.grokking.train import train_run

    every = check.size(100, 10)
    run_dir = check.folder("grokking") / "grokfast"
    settings, data = grokking_settings(check, "grokfast", 2 * every, every, every)
    train_run(settings, data, run_dir, options=check.options())
    settings["training"] = {**settings["training"], "max_steps": 4 * every}  # a raised budget continues the run
    with peak_memory(check.device) as memory, probed(check.device) as probe:
        train_run(settings, data, run_dir, options=check.options())
    if not probe.resumed:
        raise AssertionError("grokking_resume: the second fit did not resume from the checkpoint")
    probe.seen["slow gradients"] = {str(average.device) for average in probe.module.slow_gradients.averages}
    steps, seconds = probe.window()
    where = placement(probe.seen, check.device, "grokking_resume")
    return row("grokking_resume", f"Grokfast, resumed at step {2 * every}", "steps/s", steps, seconds, memory, where)


def grokking_llc(check: Check) -> dict:
    """One LLC estimate (devinterp's SGLD; the paper sampler with fewer chains and draws) at the last snapshot
    of the grokking slice, on the device (the pipeline's LLC jobs run on the CPU)."""
    from phenomena.common.llc import SamplerSettings, estimate_llc, require_devinterp
    from phenomena.grokking.data import ModularDataset
    from phenomena.grokking.llc import cross_entropy_of_examples
    from phenomena.grokking.models import load_snapshots

    try:
        require_devinterp()
    except ImportError as missing:
        return {"slice": "grokking_llc", "what": "skipped", "note": f"skipped: devinterp missing ({missing})"}
    model, snapshots = load_snapshots(check.folder("grokking") / "adamw" / "snapshots.pt")
    model.load_state_dict(snapshots[max(snapshots)])
    model.to(check.device)
    dataset = ModularDataset.load(check.folder("grokking") / "data.pt")
    inputs, labels = dataset.train_inputs.to(check.device), dataset.train_labels.to(check.device)
    # the paper sampler (step size, localization, n beta: calibrated on the transformer's snapshots), fewer draws;
    # a NaN (a chain devinterp stopped early: the rate would count steps never taken) fails the row below
    sizes = {"chains": check.size(2, 1), "draws": check.size(100, 5), "burn_in": check.size(20, 2)}
    sampler = SamplerSettings(
        **{**check.config["grokking"]["llc"]["sampler"], **sizes, "batch_size": check.size(512, 64)}
    )
    loss, seen = cross_entropy_of_examples(inputs, labels), {"parameters": set(), "examples": set()}

    def watched(network: torch.nn.Module, indices: torch.Tensor) -> torch.Tensor:
        seen["parameters"] |= {str(parameter.device) for parameter in network.parameters()}
        seen["examples"].add(str(indices.device))
        return loss(network, indices)

    with peak_memory(check.device) as memory:
        started = time.perf_counter()
        estimate = estimate_llc(model, watched, len(labels), sampler)
        seconds = time.perf_counter() - started
    if not math.isfinite(estimate["llc"]):
        raise AssertionError(f"grokking_llc: the estimate is {estimate['llc']}: a chain diverged")
    draws = sampler.chains * (sampler.burn_in + sampler.draws)
    what = f"{sampler.chains} chain(s) x {sampler.burn_in + sampler.draws} SGLD steps of {sampler.batch_size}"
    what += f", LLC {estimate['llc']:.1f}"
    return row(
        "grokking_llc", what, "SGLD steps/s", draws, seconds, memory, placement(seen, check.device, "grokking_llc")
    )


# double descent


def double_descent_resnet18(check: Check, precision: str | None = None) -> dict:
    """Nakkiran et al.'s ResNet-18 (k = 64; Adam, batch 128, crops and flips, 20% label noise) on random
    CIFAR-shaped images, built in memory as the study's ``LabelledData``: nothing is read or downloaded."""
    from phenomena.double_descent.data import LabelledData
    from phenomena.double_descent.runs import Job, Member, resolved_settings
    from phenomena.double_descent.train import train_job

    study = check.config["double_descent"]
    width, num_train, num_test = check.size(64, 4), check.size(4096, 64), check.size(2000, 32)
    study = {
        **study,
        "training": {**study["training"], "epochs": 3, "batch_size": check.size(128, 16), "checkpoint_every": 3},
    }
    generator = torch.Generator().manual_seed(0)
    source = LabelledData(
        train_inputs=torch.randn(num_train, 3, 32, 32, generator=generator),
        train_labels=torch.randint(10, (num_train,), generator=generator),
        test_inputs=torch.randn(num_test, 3, 32, 32, generator=generator),
        test_labels=torch.randint(10, (num_test,), generator=generator),
    )
    name = f"double_descent{'_' + precision if precision else ''}"
    member = Member("resnet18", width, num_train, 0.2, 0)
    settings = resolved_settings(study, Job("resnet18", width, num_train, (member,)))
    with peak_memory(check.device) as memory, probed(check.device) as probe:
        train_job(settings, source, check.folder(name) / "run", options=check.options(precision))
    steps, seconds = probe.window()
    batch = study["training"]["batch_size"]
    what = f"ResNet-18 k={width}, batch {batch}, {precision or '32-true'}, 3 epochs of {num_train // batch} steps"
    return row(name, what, "steps/s", steps, seconds, memory, placement(probe.seen, check.device, name))


def double_descent_resnet18_bf16(check: Check) -> dict:
    """The same in bf16 mixed precision (config key ``precision``; the paper preset keeps 32-true until a GPU
    figure shows that bf16 pays)."""
    return double_descent_resnet18(check, "bf16-mixed")


# tree search


def tree_search_settings(check: Check) -> tuple[dict, Path]:
    """Settings of the paper's largest tree-search run (7x6 board, MLP 512x4, AlphaZero self-play at the
    paper's 32 simulations per move), three iterations of 128 games (the paper plays 1,024)."""
    from phenomena.tree_search.runs import plan_runs, resolved_settings

    study = check.config["tree_search"]
    largest = {**study["network"], "hidden": [max(study["network"]["hidden"])]}
    network = check.size(largest, {"hidden": [32], "layers": 1})
    selfplay = {
        **study["selfplay"],
        "searches": ["puct"],
        "games_per_iteration": check.size(128, 8),
        "simulations": check.size(32, 8),
    }
    training = {
        "iterations": TREE_SEARCH_ITERATIONS,
        "steps_per_iteration": check.size(20, 2),
        "batch_size": check.size(1024, 32),
        "buffer_size": check.size(500_000, 10_000),
        "snapshot_every": 1,
        "checkpoint_every": 1,
    }
    study = {**study, "network": network, "selfplay": selfplay, "training": {**study["training"], **training}}
    return resolved_settings(study, next(iter(plan_runs(study).values()))), check.folder("tree_search") / "run"


TREE_SEARCH_ITERATIONS = 3  # the rate leaves the first out (start-up, first kernels): DeviceProbe.window


@contextlib.contextmanager
def selfplay_boards() -> Iterator[set[str]]:
    """Within the block, the devices of the boards that self-play's network evaluations read (the first
    evaluation of each iteration's games; the study's self-play makes its evaluator with
    ``selfplay.network_evaluator``, which sends them to the network's device)."""
    from phenomena.tree_search import selfplay

    original, seen = selfplay.network_evaluator, set()

    def watched(game, net):
        evaluate, first = original(game, net), [True]

        def evaluate_watched(state):
            if not first:
                return evaluate(state)
            first.clear()
            hook = net.register_forward_pre_hook(lambda module, inputs: seen.add(str(inputs[0].device)))
            try:
                return evaluate(state)
            finally:
                hook.remove()

        return evaluate_watched

    selfplay.network_evaluator = watched
    try:
        yield seen
    finally:
        selfplay.network_evaluator = original


def tree_search_training(check: Check, device: torch.device, run_dir: Path, name: str) -> dict:
    """AlphaZero iterations through the study's training (self-play, then gradient steps) with the network
    on ``device`` (config ``accelerator``; the trees and the replay buffer stay on the CPU)."""
    from phenomena.tree_search.train import train_run

    settings, _ = tree_search_settings(check)
    accelerator = "cuda" if device.type == "cuda" else "cpu"
    options = TrainerOptions(accelerator=accelerator, precision=check.config["precision"])
    with peak_memory(device) as memory, probed(device) as probe, selfplay_boards() as boards:
        with contextlib.redirect_stdout(io.StringIO()):
            train_run(settings, run_dir, options=options)
    steps, seconds = probe.window()
    selfplay, training = settings["selfplay"], settings["training"]
    games = selfplay["games_per_iteration"] * steps / training["steps_per_iteration"]
    what = (
        f"{settings['board']['columns']}x{settings['board']['rows']}, MLP {settings['network']['hidden']}x"
        f"{settings['network']['layers']}: {training['iterations']} x ({selfplay['games_per_iteration']} games x "
        f"{selfplay['simulations']} sims, then {training['steps_per_iteration']} steps of {training['batch_size']})"
        f"; network on {device.type}"
    )
    where = placement({**probe.seen, "self-play boards": boards}, device, name)
    return row(name, what, "games/s", games, seconds, memory, where)


def tree_search_iteration(check: Check) -> dict:
    """Self-play training on the device (config ``accelerator``): the network's evaluations in the search,
    one batch per search step, and its gradient steps; the search and the replay buffer on the CPU."""
    return tree_search_training(check, check.device, tree_search_settings(check)[1], "tree_search_iteration")


def tree_search_iteration_cpu(check: Check) -> dict:
    """The same on the CPU (``accelerator: cpu``), one torch thread as the pipeline's jobs: which is faster
    decides where the study's training should run (on a CPU check, the row above again). First, the device
    run's checkpoint is resumed on the CPU: a run checkpointed on a GPU node must resume on any node."""
    device_settings, device_run = tree_search_settings(check)
    resume_on_the_cpu(device_settings, device_run)
    run_dir, name = check.folder("tree_search") / "run_cpu", "tree_search_iteration_cpu"
    result = tree_search_training(check, torch.device("cpu"), run_dir, name)
    return {**result, "what": result["what"] + "; the device run resumed on cpu"}


def resume_on_the_cpu(settings: dict, run_dir: Path) -> None:
    """Train the finished run in ``run_dir`` again on the CPU with its settings: it resumes from its last
    checkpoint (network, optimizer, replay buffer, random state, loaded on the CPU), has nothing left to
    train, and writes its outputs again."""
    from phenomena.tree_search.train import train_run

    log = io.StringIO()
    with contextlib.redirect_stdout(log):
        train_run(settings, run_dir, options=TrainerOptions(accelerator="cpu"))
    meta = json.loads((run_dir / "meta.json").read_text())
    if "resuming from" not in log.getvalue() or not meta["device"].startswith("cpu"):
        raise AssertionError(f"tree_search: the device run did not resume on the CPU: {log.getvalue()[-500:]}")
    if meta["iterations"] != settings["training"]["iterations"]:
        raise AssertionError(f"tree_search: resumed on the CPU at iteration {meta['iterations']}")


def tree_search_network(check: Check) -> tuple[dict, object, OnDevice]:
    """The settings, the game and the network after the iterations above (loaded on the CPU, whichever device
    trained it), evaluated on the device."""
    from phenomena.tree_search.game import ConnectFour
    from phenomena.tree_search.network import load_snapshot
    from phenomena.tree_search.train import snapshot_path

    settings, run_dir = tree_search_settings(check)
    net, _ = load_snapshot(snapshot_path(run_dir, settings["training"]["iterations"]))
    return settings, ConnectFour(settings["board"]["columns"], settings["board"]["rows"]), OnDevice(net, check.device)


def tree_search_selfplay(check: Check) -> dict:
    """The same self-play, its network evaluations on the device (the search itself stays on the CPU)."""
    from phenomena.tree_search.selfplay import self_play_iteration

    settings, game, net = tree_search_network(check)
    s = settings["selfplay"]
    torch.manual_seed(0)
    with peak_memory(check.device) as memory:
        started = time.perf_counter()
        _, stats = self_play_iteration(game, net, s)
        seconds = time.perf_counter() - started
    what = f"{stats.games} games x {s['simulations']} sims, {stats.games / seconds:.2f} games/s; network on the device"
    where = placement(net.seen, check.device, "tree_search_selfplay")
    return row("tree_search_selfplay", what, "evaluations/s", stats.evaluations, seconds, memory, where)


def tree_search_arena(check: Check) -> dict:
    """An arena round (ladder: random, the raw policy and a searching player of the same network, every
    1-ply opening, both colours), the network evaluated on the device."""
    from phenomena.tree_search.arena import NETWORK, RANDOM, Mover, Player, openings, play_tournament, schedule

    settings, game, net = tree_search_network(check)
    c_puct, budgets = settings["selfplay"]["c_puct"], check.size([0, 64], [0, 4])
    movers = [Mover(game, Player(RANDOM)), *(Mover(game, Player(NETWORK, b, 1), net, c_puct) for b in budgets)]
    torch.manual_seed(0)
    with peak_memory(check.device) as memory, contextlib.redirect_stdout(io.StringIO()):
        started = time.perf_counter()
        games = play_tournament(game, movers, schedule([m.player for m in movers], "ladder"), openings(game, 1))
        seconds = time.perf_counter() - started
    what = f"{len(games)} games, budgets {budgets} and random; network on the device"
    return row(
        "tree_search_arena", what, "games/s", len(games), seconds, memory, placement(net.seen, check.device, "arena")
    )


# perturbation


def perturbation_diffusion(check: Check) -> dict:
    """The DDPM on the swiss roll (the default preset's: paper.yaml leaves perturbation alone)."""
    from phenomena.perturbation.diffusion import train_diffusion
    from phenomena.perturbation.runs import diffusion_runs, diffusion_training_settings

    settings = diffusion_training_settings(next(iter(diffusion_runs(check.config["perturbation"]).values())))
    total, every = check.size(1000, 40), check.size(200, 10)
    settings["training"] = {**settings["training"], "steps": total, "log_every": every, "checkpoint_every": total}
    if check.tiny:
        settings["model"] = {**settings["model"], "hidden": 32, "layers": 2}
    with peak_memory(check.device) as memory, probed(check.device) as probe:
        train_diffusion(settings, check.folder("diffusion") / "run", options=check.options())
    steps, seconds = probe.window()
    model = settings["model"]
    what = f"MLP {model['hidden']}x{model['layers']}, batch {settings['training']['batch_size']}, {total} steps"
    return row("diffusion", what, "steps/s", steps, seconds, memory, placement(probe.seen, check.device, "diffusion"))


def perturbation_zero_init(check: Check) -> dict:
    """The MLP on MNIST-1D from its default init: the one study whose batches come from a DataLoader
    (copied to the device by Lightning at every step), and whose evaluation reads the data that moved."""
    from phenomena.perturbation.digits import make_digits
    from phenomena.perturbation.runs import zero_init_runs
    from phenomena.perturbation.zero_init import train_zero_init

    study = check.config["perturbation"]
    data = check.folder("zero_init") / "digits.pt"
    with contextlib.redirect_stdout(io.StringIO()):
        make_digits({**study["zero_init"]["data"], "num_samples": check.size(4000, 400)}, data)
    settings = next(iter(zero_init_runs(study).values()))
    settings["training"] = {**settings["training"], "epochs": 4, "checkpoint_every": 4}
    with peak_memory(check.device) as memory, probed(check.device) as probe:
        train_zero_init(settings, data, check.folder("zero_init") / "run", options=check.options())
    steps, seconds = probe.window()
    model, batch = settings["model"], settings["training"]["batch_size"]
    what = f"MLP {model['width']}x{model['hidden_layers']}, batch {batch}, 4 epochs"
    return row("zero_init", what, "steps/s", steps, seconds, memory, placement(probe.seen, check.device, "zero_init"))


SLICES = [  # in this order: the tree-search slices use the network of tree_search_iteration, the LLC grokking's
    grokking_transformer,
    grokking_resume,
    double_descent_resnet18,
    double_descent_resnet18_bf16,
    tree_search_iteration,
    tree_search_iteration_cpu,
    tree_search_selfplay,
    tree_search_arena,
    perturbation_diffusion,
    perturbation_zero_init,
    grokking_llc,
]


def run_slice(check: Check, run, log) -> dict:
    """One slice, its row; its output goes to ``log``; a failure becomes a row with the error (the
    other slices still run)."""
    started = time.perf_counter()
    try:
        with contextlib.redirect_stdout(log):
            result = run(check)
    except Exception as error:  # report and go on: one run of this script should show every problem
        traceback.print_exc()
        result = {"slice": run.__name__, "error": f"{type(error).__name__}: {error}"[:300]}
    result["wall_seconds"] = time.perf_counter() - started
    shown = result.get("error") or result.get("note") or f"{result['throughput']:,.1f} {result['unit']}"
    print(f"{result['slice']}: {shown} ({result['wall_seconds']:.1f} s)", file=sys.stderr, flush=True)
    return result


def cpu_name() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return names[0] if names else platform.processor() or "CPU"


def machine(device: torch.device) -> dict:
    """What ran the check: the device, the software, the load, and the GPU settings that matter here."""
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else cpu_name()
    return {
        "device": str(device),
        "device_name": name,
        "cpus": os.cpu_count(),
        "loadavg": Path("/proc/loadavg").read_text().strip() if Path("/proc/loadavg").exists() else None,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "pytorch_lightning": pl.__version__,
        "cublas_workspace_config": os.environ.get("CUBLAS_WORKSPACE_CONFIG"),
        "deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
        "tf32_matmul": torch.backends.cuda.matmul.allow_tf32,
        "tf32_cudnn": torch.backends.cudnn.allow_tf32,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="cuda (default; fails if none is visible) or cpu")
    parser.add_argument("--tiny", action="store_true", help="tiny sizes: the same code paths in seconds")
    parser.add_argument("--out", type=Path, default=REPO / "bench/results", help="folder of the JSON file")
    parser.add_argument("--write-rates", action="store_true", help="write the measured GPU rates (CUDA, not --tiny)")
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    if args.write_rates and (line := refusal(device.type, args.tiny)):
        print(line, file=sys.stderr)
        return 2
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error("no CUDA device is visible; --device cpu --tiny runs the same code on the CPU")
    started, now = time.perf_counter(), dt.datetime.now(dt.timezone.utc)
    args.out.mkdir(parents=True, exist_ok=True)
    name = f"gpu_check-{device.type}{'-tiny' if args.tiny else ''}"
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as scratch, open(args.out / f"{name}.log", "w") as log:
        check = Check(device, args.tiny, Path(scratch))
        rows = [run_slice(check, run, log) for run in SLICES]
    report = {
        "started": now.isoformat(timespec="seconds"),
        "tiny": args.tiny,
        "seconds": time.perf_counter() - started,
        **machine(device),
        "rows": rows,
    }
    path = args.out / f"{name}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(markdown(rows))
    print(f"\n{path} ({report['seconds']:.0f} s; load average {report['loadavg']})")
    if args.write_rates:
        written = write_rates(report)
        print(f"measured GPU rates written to src/phenomena/rates.json: {', '.join(written) or 'none'}")
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
