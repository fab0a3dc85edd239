import torch

from phenomena.grokking.grokfast import SlowGradientFilter


def test_filter_adds_lambda_times_gradient_ema():
    parameter = torch.nn.Parameter(torch.zeros(2))
    grokfast = SlowGradientFilter(alpha=0.5, lamb=2.0)
    parameter.grad = torch.tensor([1.0, -1.0])
    grokfast.apply([parameter])  # ema starts at the first gradient: g + 2 * g
    torch.testing.assert_close(parameter.grad, torch.tensor([3.0, -3.0]))
    parameter.grad = torch.tensor([3.0, 1.0])
    grokfast.apply([parameter])  # ema = 0.5 * [1, -1] + 0.5 * [3, 1] = [2, 0]
    torch.testing.assert_close(parameter.grad, torch.tensor([7.0, 1.0]))
    state = grokfast.state_dict()
    restored = SlowGradientFilter(alpha=0.5, lamb=2.0)
    restored.load_state_dict(state)
    torch.testing.assert_close(restored.averages[0], torch.tensor([2.0, 0.0]))
