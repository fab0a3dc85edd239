"""The LightningModule of AlphaZero: each Lightning epoch is one self-play + training iteration.

At the start of an epoch the current network plays ``games_per_iteration`` games against
itself with MCTS (plain PyTorch: Lightning has no place inside the search); the examples
go into a replay buffer held on the module; the epoch then takes ``steps_per_iteration``
gradient steps on batches drawn from the buffer. The buffer, the compute counters and the
random state travel in Lightning checkpoints, so a resumed run continues where it stopped.

Devices: the network lives on the module's device (the Trainer's accelerator, from config
``accelerator``). The search's trees, the games, the replay buffer and every random draw stay
on the CPU; only what the network reads moves: the boards of each search step in one batch
(:func:`phenomena.tree_search.mcts.network_evaluator`, which returns its outputs to the CPU) and
each training batch. Snapshots are saved on the CPU; Lightning loads checkpoints on the CPU
before it moves the module, so a run checkpointed on a GPU resumes on a CPU and back.
"""

from __future__ import annotations

import contextlib

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from phenomena.common.lightning import StepTicks
from phenomena.tree_search.game import ConnectFour
from phenomena.tree_search.network import PolicyValueNet, forward_flops
from phenomena.tree_search.selfplay import Examples, self_play_iteration

LOGGED_METRICS = {
    "policy_loss": ("train", "policy_loss"),
    "value_loss": ("train", "value_loss"),
    "first_player_wins": ("selfplay", "first_player_wins"),
    "draws": ("selfplay", "draws"),
    "game_length": ("selfplay", "game_length"),
    "buffer_size": ("selfplay", "buffer_size"),
    "train_flops": ("compute", "train_flops"),
}
"""Logged name -> (split, metric) in the tidy tables."""


class ReplayBuffer:
    """The most recent ``capacity`` examples, oldest overwritten first."""

    def __init__(self, capacity: int, columns: int, rows: int):
        self.capacity = capacity
        self.planes = torch.zeros(capacity, 2, rows, columns)
        self.policy = torch.zeros(capacity, columns)
        self.value = torch.zeros(capacity)
        self.size = 0
        self.cursor = 0

    def add(self, examples: Examples) -> None:
        for start in range(0, len(examples), self.capacity):
            part = slice(start, start + self.capacity)
            count = len(examples.value[part])
            index = (self.cursor + torch.arange(count)) % self.capacity
            self.planes[index] = examples.planes[part]
            self.policy[index] = examples.policy[part]
            self.value[index] = examples.value[part]
            self.cursor = (self.cursor + count) % self.capacity
            self.size = min(self.capacity, self.size + count)

    def sample(self, batch_size: int) -> Examples:
        index = torch.randint(self.size, (batch_size,))
        return Examples(self.planes[index], self.policy[index], self.value[index])

    def state_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("planes", "policy", "value", "size", "cursor")}

    def load_state_dict(self, state: dict) -> None:
        for key, value in state.items():
            setattr(self, key, value)


class AlphaZeroModule(pl.LightningModule):
    def __init__(self, board: dict, network: dict, selfplay: dict, training: dict):
        super().__init__()
        self.save_hyperparameters()
        self.game = ConnectFour(board["columns"], board["rows"])
        self.net = PolicyValueNet(board["columns"], board["rows"], network["hidden"], network["layers"])
        self.selfplay_settings, self.training_settings = selfplay, training
        self.buffer = ReplayBuffer(training["buffer_size"], board["columns"], board["rows"])
        self.flops_per_evaluation = forward_flops(self.net)
        self.counters = {"selfplay_evaluations": 0, "train_samples": 0, "iterations": 0}
        self.last_stats: dict[str, float] = {}
        self.losses: list[torch.Tensor] = []  # (policy loss, value loss) of each step, on the device
        self.rng_state = torch.get_rng_state()  # the run's own random stream, see own_rng

    @contextlib.contextmanager
    def own_rng(self):
        """Draw self-play and buffer samples from the run's own random stream.

        Lightning draws from the global generator too (dataloader seeds), and not in the
        same order after a resume; a stream of our own, saved in checkpoints, makes a
        resumed run repeat exactly what the uninterrupted run would have done.
        """
        saved = torch.get_rng_state()
        torch.set_rng_state(self.rng_state)
        try:
            yield
        finally:
            self.rng_state = torch.get_rng_state()
            torch.set_rng_state(saved)

    def train_flops(self) -> float:
        """Training compute so far: forward passes in self-play plus 3x forward per training sample."""
        c = self.counters
        return float(self.flops_per_evaluation * (c["selfplay_evaluations"] + 3 * c["train_samples"]))

    def on_train_epoch_start(self) -> None:
        self.net.eval()
        with self.own_rng():
            examples, stats = self_play_iteration(self.game, self.net, self.selfplay_settings)
        self.net.train()
        self.buffer.add(examples)
        self.buffer.add(examples.mirrored())
        self.counters["selfplay_evaluations"] += stats.evaluations
        self.counters["iterations"] += 1
        self.last_stats = {
            "first_player_wins": stats.first_player_wins,
            "draws": stats.draws,
            "game_length": stats.mean_length,
            "buffer_size": float(self.buffer.size),
        }
        self.losses = []

    def train_dataloader(self) -> DataLoader:
        return DataLoader(StepTicks(self.training_settings["steps_per_iteration"]), batch_size=None)

    def val_dataloader(self) -> DataLoader:
        return DataLoader(StepTicks(1), batch_size=None)

    def training_step(self, batch, batch_index) -> torch.Tensor:
        with self.own_rng():
            examples = self.buffer.sample(self.training_settings["batch_size"]).to(self.device)
        logits, value = self.net(examples.planes)
        policy_loss = -(examples.policy * F.log_softmax(logits, -1)).sum(-1).mean()
        value_loss = F.mse_loss(value, examples.value)
        self.counters["train_samples"] += len(examples)
        self.losses.append(torch.stack([policy_loss, value_loss]).detach())  # no wait for the device here
        return policy_loss + value_loss

    def validation_step(self, batch, batch_index) -> None:
        losses = torch.stack(self.losses).mean(0) if self.losses else torch.full((2,), float("nan"))
        metrics = {"policy_loss": losses[0], "value_loss": losses[1], "train_flops": self.train_flops()}
        metrics.update(self.last_stats)
        self.log_dict({k: float(v) for k, v in metrics.items()}, batch_size=1)

    def configure_optimizers(self):
        t = self.training_settings
        return torch.optim.AdamW(self.net.parameters(), lr=t["lr"], weight_decay=t["weight_decay"])

    def snapshot(self) -> dict:
        """What the arena needs of one checkpoint: the weights and the compute spent so far."""
        return {
            "state_dict": {k: v.detach().to("cpu", copy=True) for k, v in self.net.state_dict().items()},
            "network": dict(self.hparams["network"]),
            "board": dict(self.hparams["board"]),
            "iteration": self.counters["iterations"],
            "step": int(self.global_step),
            "train_flops": self.train_flops(),
            "flops_per_evaluation": self.flops_per_evaluation,
        }

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["replay_buffer"] = self.buffer.state_dict()
        checkpoint["counters"] = dict(self.counters)
        checkpoint["rng_state"] = self.rng_state

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self.buffer.load_state_dict(checkpoint["replay_buffer"])
        self.counters = dict(checkpoint["counters"])
        self.rng_state = checkpoint["rng_state"]
