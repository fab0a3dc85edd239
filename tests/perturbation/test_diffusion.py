"""Diffusion part: the distance, the schedule, the samplers (the training run: training_cases.py)."""

from __future__ import annotations

import pytest
import torch

from phenomena.perturbation import diffusion_model, diffusion_sampling


def generator(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_sliced_wasserstein_is_zero_for_a_permutation_and_sees_a_shift():
    points = torch.randn(500, 2, generator=generator())
    directions = diffusion_sampling.random_directions(64, 2, generator(1))
    reference = diffusion_sampling.sorted_projections(points, directions)
    permuted = points[torch.randperm(500)]
    assert diffusion_sampling.sliced_wasserstein(permuted, reference, directions) == pytest.approx(0.0, abs=1e-7)
    shifted = diffusion_sampling.sliced_wasserstein(points + torch.tensor([1.0, 0.0]), reference, directions)
    expected = float(directions[:, 0].abs().mean())  # a shift by c moves each projection by |c . theta|
    assert shifted == pytest.approx(expected, rel=1e-4)
    with pytest.raises(ValueError, match="equal sizes"):
        diffusion_sampling.sliced_wasserstein(points[:10], reference, directions)


def test_sorted_projections_are_torch_sort_exactly():
    """NumPy sorts them (faster); the values, and so every distance, are torch.sort's bit for bit."""
    points = torch.randn(1000, 2, generator=generator())
    directions = diffusion_sampling.random_directions(128, 2, generator(1))
    expected = torch.sort(points @ directions.T, dim=0).values
    assert torch.equal(diffusion_sampling.sorted_projections(points, directions), expected)


def test_swiss_roll_has_about_unit_spread_and_the_line_its_end_points():
    points = diffusion_model.swiss_roll(20_000, 0.0, generator())
    assert points.std(0).mean() == pytest.approx(1.0, abs=0.05)
    line = diffusion_sampling.line_points(5, [-2.0, 0.0], [2.0, 1.0])
    assert torch.allclose(line[0], torch.tensor([-2.0, 0.0])) and torch.allclose(line[-1], torch.tensor([2.0, 1.0]))


def test_schedule_ends_near_pure_noise():
    schedule = diffusion_model.NoiseSchedule(100, 1e-4, 0.1)
    assert float(schedule.alpha_bars[-1]) < 0.01
    assert torch.all(schedule.alpha_bars[1:] < schedule.alpha_bars[:-1])


@pytest.mark.parametrize("sampler", diffusion_sampling.SAMPLERS)
def test_reverse_chain_with_the_true_noise_of_a_point_mass_lands_on_it(sampler):
    """For data that is a single point c, eps(x_t, t) = (x_t - sqrt(abar) c) / sqrt(1 - abar) exactly."""
    schedule = diffusion_model.NoiseSchedule(50, 1e-4, 0.2)
    target = torch.tensor([1.0, -0.5])

    def true_noise(x, t):
        abar = schedule.alpha_bars[t][:, None]
        return (x - abar.sqrt() * target) / (1 - abar).sqrt()

    states = diffusion_sampling.reverse_chain(
        true_noise, schedule, torch.randn(200, 2, generator=generator()), sampler, generator(1)
    )
    assert len(states) == 51
    assert torch.allclose(states[-1], target.expand(200, 2), atol=1e-3)
