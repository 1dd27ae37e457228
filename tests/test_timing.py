"""The timing measurement: its protocol, rows and deterministic costs, on small synthetic runs."""

import statistics

import pytest
import torch
from synthetic import CNN, problem, usps_splits

from hpstudy.engine import timing, train


def test_large_batches_are_timed_on_fewer_steps_of_as_many_samples():
    assert [timing.timed_steps(b) for b in (1, 10, 20, 40, 100, 1000)] == [20, 20, 10, 5, 5, 5]


def test_every_run_is_timed_once_per_round_with_its_costs():
    train.configure_torch(1)
    runs = {"small": CNN, "large": {**CNN, "batch_size": 40, "epochs": 3}}
    logged = []
    rows = timing.time_runs("usps", problem("usps"), runs, usps_splits(80, 20, 30), torch.device("cpu"), logged.append)

    assert len(rows) == timing.REPEATS * len(runs) and len(logged) == timing.REPEATS
    assert [row["repeat"] for row in rows] == [r for r in range(timing.REPEATS) for _ in runs]
    by_run = {row["run_id"]: row for row in rows}
    # 80 training rows: 2 epochs of 8 batches of 10, 3 epochs of 2 batches of 40
    assert by_run["small"]["steps"] == 16 and by_run["large"]["steps"] == 6
    # each round calibrated against the reference timed just before it, at the reference's typical speed
    typical = statistics.median(row["reference_step_seconds"] for row in rows)
    for row in rows:
        calibrated = row["fastest_step_seconds"] * typical / row["reference_step_seconds"]
        assert row["step_seconds"] == pytest.approx(calibrated, rel=1e-12) and row["step_seconds"] > 0
        assert row["solo_seconds"] == row["step_seconds"] * row["steps"]
    # one 3x3 convolution 1 -> 3 channels on 16x16 images padded by 2 (18x18 out), a linear head to 10 classes
    conv, head = 3 * 18 * 18 * 9, 3 * 18 * 18 * 10
    assert by_run["small"]["multiply_adds_per_step"] == 3 * 10 * (conv + head)
    assert by_run["large"]["multiply_adds_per_step"] == 3 * 40 * (conv + head)
    assert by_run["small"]["parameters"] == (3 * 9 + 3) + (3 * 18 * 18 * 10 + 10)
