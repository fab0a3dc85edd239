"""Random-feature regression (Belkin et al. 2019): double descent with no training loop at all.

Each example is mapped through ``N`` fixed random ReLU features and one-hot targets are
fitted by the minimum-norm least-squares solution. With ``N < n`` the fit is a regression;
at ``N = n`` it just interpolates, through a weight vector of exploding norm, and the test
error peaks; beyond, the minimum-norm interpolant gets smoother as ``N`` grows and the test
error falls again.

The same regression along the *sample* axis (:func:`size_sweep`: ``N`` fixed, the training-set
size ``n`` varied through ``N``) peaks at ``n = N``: the sample-wise map's positive control, a
curve whose peak the sample-wise detector must find.
"""

from __future__ import annotations

import pandas as pd
import torch

from phenomena.common.naming import run_name
from phenomena.common.tables import records_to_tidy
from phenomena.double_descent.data import NUM_CLASSES, LabelledData, make_training_set

STUDY = "double_descent"
LOGGED_METRICS = {
    "train_error": ("train", "error"),
    "train_mse": ("train", "mse"),
    "test_error": ("test", "error"),
    "test_mse": ("test", "mse"),
    "weight_norm": ("model", "weight_norm"),
}


def random_relu_features(inputs: torch.Tensor, projection: torch.Tensor) -> torch.Tensor:
    """``relu(x W / sqrt(d))`` for inputs ``(n, d)`` and a Gaussian projection ``(d, N)``."""
    return torch.relu(inputs @ projection / inputs.shape[1] ** 0.5)


def fit_min_norm(features: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The minimum-norm least-squares weights (the pseudo-inverse solution), in float64.

    LAPACK's divide-and-conquer SVD solver (``gelsd``, singular values under machine precision x
    the larger dimension cut, as ``pinv`` cuts them): the pseudo-inverse's weights to about 1e-14,
    about 1.8x faster on one thread."""
    return torch.linalg.lstsq(features, targets, driver="gelsd").solution


def feature_sweep(data: LabelledData, feature_counts: list[int], seed: int) -> list[dict[str, float]]:
    """Train/test error and MSE and weight norm for each number of random features.

    The projections for different counts are nested columns of one Gaussian matrix drawn
    from ``seed``, so the curve varies only the number of features.
    """
    generator = torch.Generator().manual_seed(seed)
    train_x = data.train_inputs.flatten(1).double()
    test_x = data.test_inputs.flatten(1).double()
    projection = torch.randn(train_x.shape[1], max(feature_counts), generator=generator, dtype=torch.float64)
    targets = torch.nn.functional.one_hot(data.train_labels, NUM_CLASSES).double()
    test_targets = torch.nn.functional.one_hot(data.test_labels, NUM_CLASSES).double()
    records = []
    for count in feature_counts:
        weights = fit_min_norm(random_relu_features(train_x, projection[:, :count]), targets)
        record = {"features": count, "weight_norm": float(weights.norm())}
        for split, inputs, labels, onehot in (
            ("train", train_x, data.train_labels, targets),
            ("test", test_x, data.test_labels, test_targets),
        ):
            predictions = random_relu_features(inputs, projection[:, :count]) @ weights
            record[f"{split}_error"] = float((predictions.argmax(1) != labels).double().mean())
            record[f"{split}_mse"] = float(((predictions - onehot) ** 2).sum(1).mean())
        records.append(record)
    return records


def sweep_table(records: list[dict[str, float]], *, num_train: int, label_noise: float, seed: int) -> pd.DataFrame:
    """Tidy rows, one run per feature count (``step`` is 0: there is no training loop)."""
    frames = [
        records_to_tidy(
            [{**record, "step": 0}],
            LOGGED_METRICS,
            study=STUDY,
            run=run_name([("rf", record["features"]), ("n", num_train), ("noise", label_noise), ("seed", seed)]),
            seed=seed,
            sweep={
                "model": "random_features",
                "features": record["features"],
                "num_train": num_train,
                "label_noise": label_noise,
            },
        )
        for record in records
    ]
    return pd.concat(frames, ignore_index=True)


def size_sweep(
    source: LabelledData, sizes: list[int], feature_counts: list[int], *, label_noise: float, seed: int
) -> pd.DataFrame:
    """Sample-wise curves: each feature count fitted on every training-set size (tidy rows).

    One seed draws the training subsets and noisy labels (as for the networks' map,
    :func:`~phenomena.double_descent.data.make_training_set`) and one Gaussian projection for
    every size, so along a curve only ``n`` changes."""
    tables = []
    for num_train in sizes:
        training_set = make_training_set(source, num_train, label_noise, seed)
        records = feature_sweep(training_set, feature_counts, seed)
        tables.append(sweep_table(records, num_train=num_train, label_noise=label_noise, seed=seed))
    return pd.concat(tables, ignore_index=True)


def empty_table() -> pd.DataFrame:
    """The random-feature table of a config that turns the sweep off (no rows, same columns)."""
    return records_to_tidy(
        [],
        LOGGED_METRICS,
        study=STUDY,
        run="",
        seed=0,
        sweep={"model": "", "features": 0, "num_train": 0, "label_noise": 0.0},
    )
