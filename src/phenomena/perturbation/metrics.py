"""Summaries of the perturbation study: the numbers its acceptance and README quote."""

from __future__ import annotations

import pandas as pd
import torch

from phenomena.perturbation.datasaurus import STATISTICS


def class_shares(labels: torch.Tensor) -> list[float]:
    """Share of each class among ``labels``: the accuracy of always answering that class."""
    return (torch.bincount(labels, minlength=int(labels.max()) + 1).float() / len(labels)).tolist()


def majority_rate(train_labels: torch.Tensor, test_labels: torch.Tensor) -> float:
    """Test accuracy of always answering the training set's most frequent class.

    What a network whose only trained parameter is the output bias converges to.
    """
    majority = int(torch.bincount(train_labels).argmax())
    return float((test_labels == majority).float().mean())


def zero_init_summary(curves: pd.DataFrame, train_labels: torch.Tensor, test_labels: torch.Tensor) -> pd.DataFrame:
    """One row per zero-init run: final accuracies, largest unit spread seen, final activation ranks."""
    rows = []
    for (run, init, seed), frame in curves.groupby(["run", "init", "seed"], sort=False):
        last = frame[frame["step"] == frame["step"].max()]
        value = dict(zip(last["split"] + "_" + last["metric"], last["value"]))
        spread = frame[frame["metric"] == "unit_spread"]
        row = {
            "run": run,
            "init": init,
            "seed": int(seed),
            "final_train_accuracy": value["train_accuracy"],
            "final_test_accuracy": value["test_accuracy"],
            "final_predicted_classes": int(value["test_predicted_classes"]),
            "max_unit_spread": float(spread["value"].max()),
            "majority_rate": majority_rate(train_labels, test_labels),
        }
        for key in sorted(k for k in value if k.endswith("_activation_rank")):
            row[key] = int(value[key])
        rows.append(row)
    return pd.DataFrame(rows)


def datasaurus_summary(statistics: pd.DataFrame, tolerance: float, decimals: int) -> list[dict]:
    """Per target: distance to it at the start and the end, and whether every frame kept the statistics."""
    rows = []
    for target, frame in statistics.groupby("target", sort=False):
        wide = frame.pivot_table(index="step", columns="metric", values="value").sort_index()
        start = wide.iloc[0][list(STATISTICS)].round(decimals)
        kept = bool((wide[list(STATISTICS)].round(decimals) == start).all().all())
        end = wide.iloc[-1]
        rows += [
            {
                "part": "datasaurus",
                "run": target,
                "quantity": "start_mean_distance",
                "value": wide["mean_distance"].iloc[0],
            },
            {"part": "datasaurus", "run": target, "quantity": "final_mean_distance", "value": end["mean_distance"]},
            {
                "part": "datasaurus",
                "run": target,
                "quantity": "final_within_tolerance",
                "value": end["within_tolerance"],
            },
            {
                "part": "datasaurus",
                "run": target,
                "quantity": "reached_target",
                "value": float(end["mean_distance"] <= tolerance),
            },
            {"part": "datasaurus", "run": target, "quantity": "statistics_kept", "value": float(kept)},
        ]
    return rows


def diffusion_summary(distances: pd.DataFrame) -> list[dict]:
    """Per run, sampler and start: the distance to the data before and after sampling, and the floor."""
    rows = []
    for (run, sampler), frame in distances.groupby(["run", "sampler"], sort=False):
        last_step = frame["step"].max()
        floor = float(frame.loc[frame["split"] == "held_out", "value"].iloc[0])
        for start in ("noise", "line"):
            trajectory = frame[frame["split"] == start].sort_values("step")
            final = float(trajectory.loc[trajectory["step"] == last_step, "value"].iloc[0])
            label = f"{run} {sampler} from {start}"
            rows += [
                {
                    "part": "diffusion",
                    "run": label,
                    "quantity": "start_distance",
                    "value": float(trajectory["value"].iloc[0]),
                },
                {"part": "diffusion", "run": label, "quantity": "final_distance", "value": final},
                {"part": "diffusion", "run": label, "quantity": "final_over_floor", "value": final / floor},
            ]
        rows.append({"part": "diffusion", "run": f"{run} {sampler}", "quantity": "floor", "value": floor})
    return rows


def study_summary(tables: dict[str, pd.DataFrame], zero_init: pd.DataFrame, *, tolerance: float, decimals: int):
    """The study's headline numbers as rows ``part, run, quantity, value``."""
    rows = datasaurus_summary(tables["datasaurus_statistics"], tolerance, decimals)
    rows += diffusion_summary(tables["diffusion_distances"])
    for init, frame in zero_init.groupby("init", sort=False):
        for quantity in ("final_test_accuracy", "final_train_accuracy", "max_unit_spread", "majority_rate"):
            rows.append(
                {"part": "zero_init", "run": init, "quantity": f"mean_{quantity}", "value": frame[quantity].mean()}
            )
    return pd.DataFrame(rows).astype({"part": "string", "run": "string", "quantity": "string", "value": "float64"})
