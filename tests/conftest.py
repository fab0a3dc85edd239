"""Shared fixtures: the repository root, tiny study configs, and one thread per test process."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]

torch.set_num_threads(1)


@pytest.fixture
def repo() -> Path:
    return REPO
