"""The benchmark's comparison of the engine's numbers with the naive loop's."""

import math

import pandas as pd
import pytest
from synthetic import usps_splits

from benchmarks.bench import agreement, naive_run


def test_a_gap_welch_does_not_find_agrees_and_one_it_finds_does_not():
    engine = pd.DataFrame(
        {
            "run_id": ["near"] * 3 + ["far"] * 3 + ["blown"] * 3,
            "test_accuracy": [0.90, 0.92, 0.94, 0.90, 0.91, 0.92, 0.1, 0.1, 0.1],
        }
    )
    naive = {
        "near": ("usps", [0.91, 0.93, 0.95]),  # gap 0.01, t = -0.61 on 4 df
        "far": ("usps", [0.80, 0.81, 0.82]),  # gap 0.10, t = 12.2 on 4 df
        "blown": ("usps", [math.nan, 0.1, 0.1]),  # a diverged seed: no comparison, even at no gap
    }

    table = agreement(engine, naive).set_index("run_id")

    assert table.loc["near", "gap"] == pytest.approx(-0.01)
    assert table.loc["near", "welch_p"] == pytest.approx(0.5734, abs=1e-3)
    assert table.loc["far", "welch_p"] < 0.001
    assert table.loc["near", "within"] and not table.loc["far", "within"]
    assert not table.loc["blown", "within"] and math.isnan(table.loc["blown", "gap"])


def test_the_naive_loop_reports_each_seeds_test_accuracy():
    params = dict(
        architecture="mlp",
        hidden_layers=1,
        width=16,
        activation="relu",
        optimizer="sgd",
        learning_rate=0.1,
        batch_size=10,
        epochs=3,
        loss="cross_entropy",
    )
    seconds, accuracies = naive_run("usps", params, usps_splits(200, 20, 100), [0, 1])

    assert seconds > 0 and len(accuracies) == 2
    assert all(0.8 < a <= 1.0 for a in accuracies)  # learnable synthetic digits
