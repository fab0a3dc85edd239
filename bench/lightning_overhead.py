"""Lightning vs a plain PyTorch loop on the grokking model: ms per training step, side by side.

Both train the default grokking setup (embed-MLP d64/256, addition mod 97, train fraction
0.3, full batch, AdamW, evaluation every ``--eval-every`` steps) from the same seed for the
same number of steps, alternating A/B/A/B so drift in machine load hits both alike.

    python bench/lightning_overhead.py --steps 2000 --repeats 3
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import tempfile
import time

import pytorch_lightning as pl
import torch
import torch.nn.functional as F

from phenomena.common.config import load_config
from phenomena.common.lightning import make_trainer
from phenomena.common.runtime import seed_everything, set_threads
from phenomena.common.trainer_options import TrainerOptions
from phenomena.grokking.data import make_dataset
from phenomena.grokking.models import build_model, weight_norm
from phenomena.grokking.module import GrokkingModule
from phenomena.grokking.runs import GrokkingRun, resolved_settings


def settings_for(steps: int, eval_every: int) -> dict:
    study = load_config("config/config.yaml")["grokking"]
    study["training"].update({"max_steps": steps, "eval_every": eval_every, "stop_after_generalizing": None})
    return resolved_settings(study, GrokkingRun("add", 97, 0.3, 1.0, "adamw", 0))


def plain_loop(settings: dict, dataset) -> float:
    """Seconds for the training steps of a hand-written loop (evaluation included)."""
    seed_everything(0)
    model = build_model(settings["model"]["name"], settings["model"]["sizes"], dataset.modulus)
    opt = settings["optimizer"]
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=opt["lr"], betas=opt["betas"], weight_decay=opt["weight_decay"]
    )
    warmup = max(1, opt["warmup_steps"])
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warmup))
    every = settings["training"]["eval_every"]
    started = time.perf_counter()
    for step in range(1, settings["training"]["max_steps"] + 1):
        loss = F.cross_entropy(model(dataset.train_inputs), dataset.train_labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % every == 0:
            with torch.no_grad():
                weight_norm(model)
                for inputs, labels in (
                    (dataset.train_inputs, dataset.train_labels),
                    (dataset.val_inputs, dataset.val_labels),
                ):
                    logits = model(inputs)
                    F.cross_entropy(logits, labels), (logits.argmax(-1) == labels).float().mean()
    return time.perf_counter() - started


class FitTimer(pl.Callback):
    """Time from the first to the last training step, leaving Trainer start-up out."""

    def on_train_start(self, trainer, pl_module):
        self.started = time.perf_counter()

    def on_train_end(self, trainer, pl_module):
        self.seconds = time.perf_counter() - self.started


def lightning_loop(settings: dict, dataset, run_dir: str) -> tuple[float, float]:
    """(seconds of the fit loop, seconds including Trainer construction and start-up)."""
    started = time.perf_counter()
    seed_everything(0)
    training = settings["training"]
    module = GrokkingModule(dataset, settings["model"], settings["optimizer"], training["eval_every"])
    timer = FitTimer()
    trainer = make_trainer(
        run_dir,
        max_steps=training["max_steps"],
        checkpoint_every_epochs=10**9,
        callbacks=[timer],
        options=TrainerOptions(accelerator="cpu"),
    )
    with contextlib.redirect_stdout(io.StringIO()):
        trainer.fit(module)
    return timer.seconds, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--eval-every", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    set_threads(args.threads)
    settings = settings_for(args.steps, args.eval_every)
    dataset = make_dataset("add", 97, 0.3, 0)
    plain, fit, total = [], [], []
    for _ in range(args.repeats):
        plain.append(plain_loop(settings, dataset))
        seconds, with_startup = lightning_loop(settings, dataset, tempfile.mkdtemp(prefix="phenomena-bench-"))
        fit.append(seconds)
        total.append(with_startup)
    print(f"steps={args.steps} eval_every={args.eval_every} repeats={args.repeats} threads={args.threads}")
    baseline = statistics.median(plain)
    for label, seconds in [("plain PyTorch loop", plain), ("Lightning fit loop", fit), ("Lightning + start-up", total)]:
        median = statistics.median(seconds)
        print(f"{label:22s}: {1000 * median / args.steps:6.2f} ms/step  ratio to plain {median / baseline:.3f}")


if __name__ == "__main__":
    main()
