"""One figure style for the project, and saving every figure as PNG and PDF."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402

from phenomena.common.files import atomic_path  # noqa: E402

PALETTE = "colorblind"


def use_style() -> None:
    """The project's seaborn theme: white grid, paper context, colour-blind palette.

    Also seeds numpy's global generator, from which seaborn's strip plots draw the jitter of
    their points: without it a figure's points move between two renderings of the same table
    (what the process imported before could draw from the generator too).
    """
    sns.set_theme(context="paper", style="whitegrid", palette=PALETTE, font_scale=1.1)
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 150, "savefig.bbox": "tight"})
    np.random.seed(0)


def log_step_axis(axis: plt.Axes, which: str = "x") -> None:
    """Log scale with plain labels at powers of ten (10, 100, 1k, 10k) and unlabelled minor ticks."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    scale_axis = axis.xaxis if which == "x" else axis.yaxis
    (axis.set_xscale if which == "x" else axis.set_yscale)("log")
    scale_axis.set_major_locator(LogLocator(base=10))
    scale_axis.set_major_formatter(FuncFormatter(lambda value, _: compact_number(value)))
    scale_axis.set_minor_formatter(NullFormatter())


def compact_number(value: float) -> str:
    """1000 -> '1k', 20000 -> '20k', 100 -> '100', 0.1 -> '0.1'."""
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def save_figure(figure: plt.Figure, png_path: str | Path) -> None:
    """Save ``figure`` to ``png_path`` and beside it the same figure as PDF, then close it.

    Each file is written through :func:`~phenomena.common.files.atomic_path`: a full disk
    leaves it absent (Snakemake removes the other output of the failed job) and ends the job
    with one line; the figure is closed either way.
    """
    png_path = Path(png_path)
    try:
        for path in (png_path, png_path.with_suffix(".pdf")):
            with atomic_path(path) as temporary:
                figure.savefig(temporary)
    finally:
        plt.close(figure)
