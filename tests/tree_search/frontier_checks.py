"""A check of a frontier table against the players it was built from (the smoke pipeline's test
runs it on the pipeline's own ``frontier.parquet``)."""

from __future__ import annotations

import pandas as pd


def check_frontier(frontier: pd.DataFrame, summary: pd.DataFrame) -> None:
    """No envelope point is beaten on both axes by a frontier player at or above its level."""
    players = summary[(summary["kind"] == "network") & (summary["train_flops"] > 0)]
    players = players[players["search"].isin(["policy", "puct"]) & players["budget"].isin(set(frontier["budget"]))]
    for _, point in frontier.iterrows():
        rivals = players[players["elo"] >= point["level"]]
        no_worse = (rivals["train_flops"] <= point["train"]) & (rivals["flops_per_move"] <= point["test"])
        better = (rivals["train_flops"] < point["train"]) | (rivals["flops_per_move"] < point["test"])
        assert not (no_worse & better).any(), point["player"]
