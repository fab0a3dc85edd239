"""The figure style: a figure redraws identically from the same table."""

import numpy as np
import pandas as pd
import seaborn as sns

from phenomena.common.plotting import save_figure, use_style


def test_strip_plot_jitter_does_not_depend_on_earlier_draws(tmp_path):
    table = pd.DataFrame({"group": ["a", "b"] * 5, "value": np.arange(10.0)})
    for name, earlier_draws in (("first", 1), ("second", 5)):
        np.random.rand(earlier_draws)  # what a process imported or computed before the figure
        use_style()
        save_figure(sns.stripplot(data=table, x="group", y="value").figure, tmp_path / f"{name}.png")
    assert (tmp_path / "first.png").read_bytes() == (tmp_path / "second.png").read_bytes()
