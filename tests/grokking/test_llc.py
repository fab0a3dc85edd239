"""The LLC estimator (devinterp's SGLD) on models whose learning coefficient is known."""

import sys

import pytest
import torch

from phenomena.common.llc import MissingExtraError, SamplerSettings, default_nbeta, estimate_llc, require_devinterp
from phenomena.grokking.data import make_dataset
from phenomena.grokking.llc import snapshot_llcs
from phenomena.grokking.models import build_model


def regression(d: int, n: int = 800, seed: int = 0):
    """Linear regression with unit Gaussian noise, at its least-squares fit: a regular model, LLC = d / 2.

    The per-example loss is the negative log-likelihood 0.5 (y - x.w)^2 (up to a constant).
    """
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=generator)
    y = x @ torch.randn(d, generator=generator) + torch.randn(n, generator=generator)
    model = torch.nn.Linear(d, 1, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.linalg.lstsq(x, y[:, None]).solution.T)
    return model, lambda network, index: 0.5 * (network(x[index])[:, 0] - y[index]) ** 2


# A small step keeps the SGLD discretization bias low; a weak pull (gamma << n beta) keeps
# the localization bias (factor n beta / (n beta + gamma)) under 1%.
REGULAR = SamplerSettings(lr=1e-3, localization=1.0, chains=4, draws=400, burn_in=50, seed=0)


@pytest.mark.parametrize("d", [4, 10])
def test_regular_quadratic_model_has_llc_half_its_dimension(d):
    model, loss = regression(d)
    estimate = estimate_llc(model, loss, 800, REGULAR)
    assert estimate["llc"] == pytest.approx(d / 2, rel=0.15), estimate
    assert estimate["nbeta"] == pytest.approx(default_nbeta(800))
    assert estimate["sampled_loss"] > estimate["init_loss"]  # the fit is a minimum


def test_chains_agree_within_tolerance():
    model, loss = regression(10, seed=1)
    estimate = estimate_llc(model, loss, 800, REGULAR)
    assert len(estimate["llc_per_chain"]) == 4
    assert estimate["llc_std"] < 0.2 * estimate["llc"], estimate


def test_estimate_leaves_the_weights_and_is_reproducible():
    model, loss = regression(4, seed=2)
    before = model.weight.detach().clone()
    first = estimate_llc(model, loss, 800, REGULAR)
    assert torch.equal(model.weight, before)
    assert estimate_llc(model, loss, 800, REGULAR)["llc"] == pytest.approx(first["llc"], rel=1e-6)


def test_grokking_snapshots_get_one_record_each():
    data = make_dataset("add", 13, 0.5, seed=0)
    model = build_model("mlp", {"d_embed": 4, "d_hidden": 8}, 13)
    states = {step: {k: v.clone() for k, v in model.state_dict().items()} for step in (10, 20)}
    sampler = SamplerSettings(lr=1e-4, localization=100.0, chains=2, draws=20)
    seen = []
    records = snapshot_llcs(model, states, data.train_inputs, data.train_labels, sampler, progress=seen.append)
    assert [r["step"] for r in records] == [10, 20] and len(seen) == 2
    # the loss the chains sampled comes with each estimate: the basin check reads it (llc_lead.in_basin)
    assert all(
        r["sampled_loss"] > 0 and f"-> {r['sampled_loss']:.3g} sampled" in line for r, line in zip(records, seen)
    )
    last = snapshot_llcs(
        model, states, data.train_inputs, data.train_labels, sampler, steps="last", progress=seen.append
    )
    assert [r["step"] for r in last] == [20]
    assert records[1]["llc"] == pytest.approx(last[0]["llc"])  # same snapshot, same seed


def test_missing_extra_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "devinterp", None)  # as if the extra were not installed
    monkeypatch.setitem(sys.modules, "devinterp.slt.sampling", None)
    with pytest.raises(MissingExtraError, match=r"optional extra 'slt'.*pip install .*\[slt\]"):
        require_devinterp()
