"""What a GPU run needs that a CPU run hides, checked on the CPU where a stand-in allows.

The real thing runs on a GPU machine: ``bench/gpu_check.py`` (bench/README.md, "The GPU path").
"""

from __future__ import annotations

import os

import pytest
import torch

from phenomena.common.lightning import make_trainer
from phenomena.common.trainer_options import TrainerOptions
from phenomena.common.training import RandomState
from phenomena.grokking.data import make_dataset
from phenomena.grokking.module import GrokkingModule
from phenomena.perturbation.zero_init import ZeroInitModule


def test_the_trainer_sets_the_cublas_workspace_that_deterministic_cuda_needs(tmp_path, monkeypatch):
    # with deterministic algorithms, every cuBLAS call on CUDA raises unless this is set
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    make_trainer(tmp_path, max_steps=1, checkpoint_every_epochs=1, options=TrainerOptions(accelerator="cpu"))
    assert os.environ["CUBLAS_WORKSPACE_CONFIG"] in (":4096:8", ":16:8")
    assert torch.are_deterministic_algorithms_enabled()


def test_checkpoints_of_a_run_without_cuda_do_not_start_cuda(monkeypatch):
    """A CPU run (tree search) on a GPU machine: reading CUDA's random state would start a context on each GPU."""

    def refuse():
        raise AssertionError("CUDA's random state was read in a process that does not use CUDA")

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: False)
    monkeypatch.setattr(torch.cuda, "get_rng_state_all", refuse)
    assert RandomState().state_dict()["cuda"] == []


def test_slow_gradients_follow_the_module_to_its_device_after_a_resume():
    """Lightning loads a checkpoint on the CPU and then moves the module: Grokfast's averages must follow
    (else, on a GPU, the first step after a resume adds CUDA gradients into CPU averages). The meta
    device stands in for the GPU."""
    dataset = make_dataset("add", 7, 0.5, 0)
    optimizer = {"lr": 1e-3, "betas": [0.9, 0.98], "weight_decay": 1.0, "warmup_steps": 1}
    grokfast = {**optimizer, "grokfast": {"alpha": 0.9, "lamb": 2.0}}
    module = GrokkingModule(dataset, {"name": "mlp", "sizes": {"d_embed": 4, "d_hidden": 8}}, grokfast, 5)
    averages = [torch.zeros_like(parameter) for parameter in module.model.parameters()]
    module.on_load_checkpoint({"slow_gradients": {"averages": averages}})
    module.to("meta")
    module.on_train_start()
    assert {average.device.type for average in module.slow_gradients.averages} == {"meta"}


@pytest.mark.filterwarnings("ignore:You are trying to `self.log\\(\\)`")  # no Trainer here
def test_zero_init_evaluates_the_data_that_moved_with_the_module():
    """Validation reads the module's buffers, not the CPU tensors the dataloader holds (else a GPU run
    feeds CPU inputs to a CUDA model). A change of dtype stands in for the move: it converts the buffers only."""
    generator = torch.Generator().manual_seed(0)
    data = {
        "train_inputs": torch.randn(20, 6, generator=generator),
        "train_labels": torch.randint(10, (20,), generator=generator),
        "test_inputs": torch.randn(10, 6, generator=generator),
        "test_labels": torch.randint(10, (10,), generator=generator),
    }
    model = {"width": 8, "hidden_layers": 2, "constant": 0.05}
    module = ZeroInitModule(data, model, "default", {"batch_size": 5, "lr": 0.01}).double()
    assert module.splits()["train_inputs"].dtype == torch.float64
    module.validation_step(0, 0)  # float32 data into a float64 model would raise
