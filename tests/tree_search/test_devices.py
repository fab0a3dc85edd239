"""Tree search on the config's ``accelerator``, checked on the CPU: the meta device stands in for a GPU.

The real thing runs on a GPU machine: ``bench/gpu_check.py`` (bench/README.md, "The GPU path").
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from phenomena.common.config import ConfigError, load_config
from phenomena.common.trainer_options import TrainerOptions
from phenomena.tree_search.game import ConnectFour
from phenomena.tree_search.mcts import network_evaluator, search
from phenomena.tree_search.module import AlphaZeroModule
from phenomena.tree_search.runs import plan_runs, resolved_settings
from phenomena.tree_search.train import train_run


def tiny_settings(repo) -> dict:
    study = load_config(repo / "config/config.yaml", repo / "config/smoke.yaml")["tree_search"]
    study["selfplay"]["games_per_iteration"] = 4
    return resolved_settings(study, next(iter(plan_runs(study).values())))


class NetworkElsewhere(nn.Module):
    """A stand-in for a network on another device (its parameter is on meta): records the device of
    the boards it gets and answers, as a GPU network would after the evaluator's copy back, in
    half precision (uniform priors, value 0)."""

    def __init__(self, actions: int):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(1, device="meta"))
        self.actions, self.boards = actions, []

    def forward(self, planes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        self.boards.append(planes.device.type)
        return torch.zeros(len(planes), self.actions, dtype=torch.half), torch.zeros(len(planes), dtype=torch.half)


def test_gpu_asked_without_a_visible_gpu_fails_before_any_training(repo, tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(ConfigError, match=r"config key accelerator: got 'gpu' but no GPU \(CUDA or MPS\) is visible"):
        train_run(tiny_settings(repo), tmp_path / "run", options=TrainerOptions(accelerator="gpu"))
    assert not (tmp_path / "run").exists()


def test_search_sends_one_batch_per_step_to_the_networks_device_and_gets_cpu_float32_back():
    game = ConnectFour(5, 4)
    net = NetworkElsewhere(game.actions)
    evaluate = network_evaluator(game, net)
    logits, value = evaluate(game.initial(3))
    assert (logits.device.type, logits.dtype, value.device.type, value.dtype) == ("cpu", torch.float32) * 2
    net.boards.clear()
    search(game, evaluate, game.initial(4), simulations=3)
    assert net.boards == ["meta"] * 4  # the roots, then one batch of leaves per simulation


def test_the_module_searches_and_trains_on_its_device_and_keeps_the_buffer_on_the_cpu(repo, monkeypatch):
    settings = tiny_settings(repo)
    module = AlphaZeroModule(settings["board"], settings["network"], settings["selfplay"], settings["training"])
    module.to("meta")  # as Lightning moves it to the accelerator
    stand_in = NetworkElsewhere(module.game.actions)
    monkeypatch.setattr(module.net, "forward", stand_in.forward)  # meta tensors cannot come back to the CPU
    module.on_train_epoch_start()  # self-play: the trees on the CPU, the evaluations on the module's device
    assert stand_in.boards and set(stand_in.boards) == {"meta"}
    assert module.buffer.size > 0 and module.buffer.planes.device.type == "cpu"
    monkeypatch.undo()  # the module's own network again, on meta
    loss = module.training_step(0, 0)  # a CPU batch into the meta network would raise
    assert loss.device.type == "meta" and module.losses[-1].device.type == "meta"
