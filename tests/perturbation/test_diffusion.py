"""Diffusion part: the distance, the schedule, the samplers, and a short training run."""

from __future__ import annotations

import pytest
import torch

from phenomena.perturbation import diffusion


def generator(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_sliced_wasserstein_is_zero_for_a_permutation_and_sees_a_shift():
    points = torch.randn(500, 2, generator=generator())
    directions = diffusion.random_directions(64, 2, generator(1))
    assert diffusion.sliced_wasserstein(points, points[torch.randperm(500)], directions) == pytest.approx(0.0, abs=1e-7)
    shifted = diffusion.sliced_wasserstein(points, points + torch.tensor([1.0, 0.0]), directions)
    expected = float(directions[:, 0].abs().mean())  # a shift by c moves each projection by |c . theta|
    assert shifted == pytest.approx(expected, rel=1e-4)


def test_swiss_roll_has_about_unit_spread_and_the_line_its_end_points():
    points = diffusion.swiss_roll(20_000, 0.0, generator())
    assert points.std(0).mean() == pytest.approx(1.0, abs=0.05)
    line = diffusion.line_points(5, [-2.0, 0.0], [2.0, 1.0])
    assert torch.allclose(line[0], torch.tensor([-2.0, 0.0])) and torch.allclose(line[-1], torch.tensor([2.0, 1.0]))


def test_schedule_ends_near_pure_noise():
    schedule = diffusion.NoiseSchedule(100, 1e-4, 0.1)
    assert float(schedule.alpha_bars[-1]) < 0.01
    assert torch.all(schedule.alpha_bars[1:] < schedule.alpha_bars[:-1])


@pytest.mark.parametrize("sampler", diffusion.SAMPLERS)
def test_reverse_chain_with_the_true_noise_of_a_point_mass_lands_on_it(sampler):
    """For data that is a single point c, eps(x_t, t) = (x_t - sqrt(abar) c) / sqrt(1 - abar) exactly."""
    schedule = diffusion.NoiseSchedule(50, 1e-4, 0.2)
    target = torch.tensor([1.0, -0.5])

    def true_noise(x, t):
        abar = schedule.alpha_bars[t][:, None]
        return (x - abar.sqrt() * target) / (1 - abar).sqrt()

    states = diffusion.reverse_chain(
        true_noise, schedule, torch.randn(200, 2, generator=generator()), sampler, generator(1)
    )
    assert len(states) == 51
    assert torch.allclose(states[-1], target.expand(200, 2), atol=1e-3)
