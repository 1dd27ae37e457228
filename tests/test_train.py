"""The training loop: determinism, seeds, divergence, metrics."""

import math

import numpy as np
import pytest
import torch
from synthetic import CNN, HOUSE_MLP, house_splits, problem, usps_splits

from hpstudy.engine import train
from hpstudy.errors import ConfigError
from hpstudy.runtime import preflight


@pytest.fixture(scope="module")
def usps_data():
    return usps_splits(80, 20, 30)


@pytest.fixture(scope="module")
def house_data():
    return house_splits(60, 20, 20)


def run(name, params, data, seeds):
    train.configure_torch(1)
    return train.train_run(problem(name), params, data, seeds, torch.device("cpu"), log=lambda message: None)


def test_same_run_and_seed_give_identical_metrics(usps_data):
    first, second = run("usps", CNN, usps_data, [0]), run("usps", CNN, usps_data, [0])
    assert first[0].metrics == second[0].metrics
    assert first[0].history[-1]["train_loss"] == second[0].history[-1]["train_loss"]


def test_a_seed_trains_the_same_alone_or_beside_others(usps_data):
    alone = run("usps", CNN, usps_data, [1])[0]
    together = run("usps", CNN, usps_data, [0, 1])[1]
    assert together.metrics == pytest.approx(alone.metrics, rel=1e-5)  # kernels differ with K: rounding only


def test_the_log_has_one_line_per_epoch_with_each_numbers_range_over_the_seeds(usps_data):
    lines = []
    train.configure_torch(1)
    results = train.train_run(problem("usps"), CNN, usps_data, [0, 1, 2], torch.device("cpu"), log=lines.append)
    assert len(lines) == CNN["epochs"] and lines[0].startswith("epoch 1/2, 3 seeds: train loss ")
    losses = [r.history[-1]["train_loss"] for r in results]
    assert f"train loss {min(losses):.4f} to {max(losses):.4f}, validation loss" in lines[-1]


def test_different_seeds_give_different_networks(usps_data):
    a, b = run("usps", CNN, usps_data, [0, 1])
    assert a.metrics["train_loss"] != b.metrics["train_loss"]


def test_usps_metrics_cover_every_split_and_history_every_epoch(usps_data):
    result = run("usps", {**CNN, "loss": "cross_entropy"}, usps_data, [0])[0]
    assert set(result.metrics) == {f"{s}_{m}" for s in ("train", "validation", "test") for m in ("loss", "accuracy")}
    assert [row["epoch"] for row in result.history] == [1, 2]
    assert 0 <= result.metrics["test_accuracy"] <= 1
    assert len(result.predictions["predicted"]) == 30 and not result.diverged


def test_training_lowers_the_loss_on_learnable_data(usps_data):
    result = run("usps", {**CNN, "epochs": 5}, usps_data, [0])[0]
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"]
    assert result.metrics["train_accuracy"] > 0.5


def test_a_loss_that_blows_up_while_finite_is_recorded_as_diverged(usps_data):
    result = run("usps", {**CNN, "learning_rate": 30.0, "epochs": 3}, usps_data, [0])[0]
    assert result.diverged and result.diverged_epoch == 1
    assert math.isfinite(result.history[0]["train_loss"]) and len(result.history) == 1


def test_a_sound_learning_rate_is_not_diverged(usps_data):
    assert not run("usps", {**CNN, "learning_rate": 0.5, "epochs": 3}, usps_data, [0])[0].diverged


def test_a_huge_learning_rate_is_recorded_as_diverged(usps_data):
    result = run("usps", {**CNN, "learning_rate": 1e6, "epochs": 3}, usps_data, [0])[0]
    assert result.diverged and result.diverged_epoch == 1
    assert len(result.history) == 1 and not math.isfinite(result.history[0]["train_loss"])
    assert 0 <= result.metrics["test_accuracy"] <= 1  # measured with what it has


def test_gaussian_head_reports_dollars_sigma_and_coverage(house_data):
    result = run("house", HOUSE_MLP, house_data, [0])[0]
    m = result.metrics
    assert m["test_rmse"] == pytest.approx(math.sqrt(m["test_mse_std"]) * 80000.0)
    assert m["test_mean_sigma"] > 0 and 0 <= m["test_coverage95"] <= 1
    assert set(result.predictions) == {"price", "predicted", "sigma"}
    np.testing.assert_allclose(result.predictions["price"], house_data["y_test"] * 80000.0 + 180000.0, rtol=1e-6)


def test_mse_head_has_no_predictive_interval(house_data):
    m = run("house", {**HOUSE_MLP, "loss": "mse"}, house_data, [0])[0].metrics
    assert math.isnan(m["test_coverage95"]) and math.isnan(m["test_mean_sigma"])


def test_cuda_without_a_gpu_is_refused_with_advice(monkeypatch):
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    with pytest.raises(ConfigError, match="torch sees no CUDA device on .*; use device: auto"):
        train.pick_device("cuda")
    monkeypatch.setenv("SLURM_JOB_ID", "42")
    with pytest.raises(ConfigError, match="SLURM job 42 on .* got no GPU. Ask for one in profiles/slurm"):
        train.pick_device("cuda")


def test_a_local_build_refuses_cuda_without_one_before_any_job():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    preflight.check_device("auto")
    preflight.check_device("cpu")
    with pytest.raises(ConfigError, match="device: cuda, but torch sees no CUDA device"):
        preflight.check_device("cuda")
