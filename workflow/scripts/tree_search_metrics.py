"""Rule tree_search_metrics: Elo ladder, search-vs-policy scores and curves of all runs.

``params.runs`` holds each run by name with its seed, sweep columns and files.
"""

import pandas as pd

from phenomena.common.runtime import output_to_log
from phenomena.common.tables import read_parquet, write_parquet
from phenomena.tree_search.metrics import elo_table, player_curves, search_vs_policy, summarize_run, training_curves

with output_to_log(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    params = snakemake.params  # noqa: F821
    curves, summaries, all_games = [], [], []
    for name, run in params.runs.items():
        tables = {table: read_parquet(path) for table, path in run["files"].items()}
        games, players = tables["games"], tables["players"]
        elo = elo_table(games, players, params.bootstrap_samples, run["seed"])
        summary = summarize_run(elo, tables["accuracy"], name, run["seed"], run["sweep"])
        versus = search_vs_policy(games, players, run["seed"])
        curves += [
            training_curves(tables["history"]),
            player_curves(summary, versus, name, run["seed"], run["sweep"]),
        ]
        summaries.append(summary)
        all_games.append(games.assign(run=name, seed=run["seed"]))
        print(summary.drop(columns=["study"]).to_string(), "\n", versus.to_string())
    write_parquet(pd.concat(curves, ignore_index=True), snakemake.output.curves)  # noqa: F821
    write_parquet(pd.concat(summaries, ignore_index=True), snakemake.output.summary, tidy=False)  # noqa: F821
    write_parquet(pd.concat(all_games, ignore_index=True), snakemake.output.games, tidy=False)  # noqa: F821
