"""The paper preset's LLC sampler on the paper transformer, reduced, just after it memorized.

config/paper.yaml's sampler is what is checked: a config change is what this test re-examines.
At SGLD step 1e-3 and localization 100 (the default's sampler) the chains on the paper transformer
diverge (NaN, p = 113) or leave the basin for losses worse than chance (this reduced one); the
calibration behind the chosen setting is in config/grokking.md.
"""

import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from phenomena.common.config import load_config
from phenomena.common.llc import SamplerDivergedError, SamplerSettings, estimate_llc
from phenomena.grokking.data import make_dataset
from phenomena.grokking.llc import check_finite, cross_entropy_of_examples, snapshot_llcs
from phenomena.grokking.models import build_model

REPO = Path(__file__).resolve().parents[2]
MODULUS, STEPS = 53, 400  # 1,000 times fewer steps than the paper, right after memorization (~99% train)


def paper_config() -> dict:
    return load_config(REPO / "config/config.yaml", REPO / "config/paper.yaml")["grokking"]


def memorized_transformer(study: dict):
    """The paper's transformer at a quarter of its width (d_model 32, 4 heads, d_mlp 128) on addition
    mod 53, trained with the paper's full-batch AdamW (lr, betas, weight decay 1) for ``STEPS`` steps."""
    torch.manual_seed(0)
    data = make_dataset("add", MODULUS, 0.3, seed=0)
    sizes = {**study["model"]["transformer"], "d_model": 32, "d_mlp": 128}
    model = build_model("transformer", sizes, MODULUS)
    optimizer = study["optimizer"]
    adamw = torch.optim.AdamW(model.parameters(), lr=optimizer["lr"], betas=optimizer["betas"], weight_decay=1.0)
    for _ in range(STEPS):
        adamw.zero_grad()
        F.cross_entropy(model(data.train_inputs), data.train_labels).backward()
        adamw.step()
    return model, data


@pytest.mark.slow
def test_paper_sampler_stays_finite_local_and_its_chains_agree():
    torch.set_num_threads(1)
    study = paper_config()
    assert study["model"]["name"] == "transformer"
    sampler = SamplerSettings(**study["llc"]["sampler"])
    model, data = memorized_transformer(study)
    loss = cross_entropy_of_examples(data.train_inputs, data.train_labels)
    estimate = estimate_llc(model, loss, len(data.train_labels), sampler)
    chains = estimate["llc_per_chain"]
    assert all(math.isfinite(value) for value in chains) and math.isfinite(estimate["llc"]), estimate["llc_per_chain"]
    assert estimate["llc"] > 0 and estimate["llc_std"] < 0.1 * estimate["llc"], chains
    # in the basin: a chain whose loss is worse than guessing (log p) measures the walls, not the minimum
    assert estimate["sampled_loss"] < math.log(MODULUS), (estimate["init_loss"], estimate["sampled_loss"])
    trace = estimate["loss_trace"]  # settled after the burn-in: both halves of the draws give one LLC
    half = len(trace) // 2
    nbeta, start = estimate["nbeta"], estimate["init_loss"]
    halves = [nbeta * (sum(part) / len(part) - start) for part in (trace[:half], trace[half:])]
    assert halves[1] == pytest.approx(halves[0], rel=0.1), halves


def test_a_diverging_sampler_is_reported_and_stops_the_job():
    data = make_dataset("add", 13, 0.5, seed=0)
    model = build_model("mlp", {"d_embed": 4, "d_hidden": 8}, 13)
    states = {10: {k: v.clone() for k, v in model.state_dict().items()}}
    diverging = SamplerSettings(lr=1e3, localization=0.0, chains=2, draws=5)
    seen = []
    records = snapshot_llcs(model, states, data.train_inputs, data.train_labels, diverging, progress=seen.append)
    assert math.isnan(records[0]["llc"])
    assert any(line.startswith("warning: step 10: the LLC is NaN") for line in seen), seen
    with pytest.raises(SamplerDivergedError, match=r"NaN .* at 1 of 3 snapshots \(run@10\).*lower grokking"):
        check_finite(["run@10"], 3)
    check_finite([], 3)  # nothing diverged: nothing raised
