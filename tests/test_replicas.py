"""The engine trains K seeds as one replica network exactly as K plain networks would."""

import math

import pytest
import torch
from synthetic import house_splits, problem, usps_splits

from hpstudy.engine import reference, train
from hpstudy.engine.replicas import stack

MLP = dict(
    architecture="mlp",
    hidden_layers=2,
    width=12,
    activation="tanh",
    optimizer="sgd",
    learning_rate=0.1,
    batch_size=8,
    epochs=2,
    loss="mse",
)
CNN = dict(
    architecture="cnn",
    conv_layers=2,
    channels=3,
    kernel_size=3,
    padding=2,
    activation="relu",
    optimizer="adam",
    learning_rate=0.01,
    batch_size=8,
    epochs=2,
    loss="cross_entropy",
)
HOUSE_MSE = dict(
    architecture="mlp",
    hidden_layers=2,
    width=8,
    activation="leaky_relu",
    optimizer="rmsprop",
    learning_rate=0.01,
    batch_size=8,
    epochs=3,
    loss="mse",
)
HOUSE_GAUSSIAN = {**HOUSE_MSE, "activation": "sigmoid", "optimizer": "adam", "loss": "gaussian_nll"}
SEEDS = [0, 1, 2]


@pytest.fixture(scope="module")
def usps_data():
    return usps_splits(44, 20, 20)


@pytest.fixture(scope="module")
def house_data():
    return house_splits(44, 16, 16)


def both_ways(name, params, data, seeds=SEEDS):
    train.configure_torch(1)
    quiet = lambda message: None  # noqa: E731
    cpu = torch.device("cpu")
    plugin = problem(name)
    return reference.train_plain(plugin, params, data, seeds, cpu, quiet), train.train_run(
        plugin, params, data, seeds, cpu, quiet
    )


@pytest.mark.parametrize(
    "problem, params",
    [
        ("usps", MLP),
        ("usps", CNN),
        ("usps", {**CNN, "loss": "mse", "optimizer": "sgd"}),
        ("usps", {**MLP, "loss": "cross_entropy", "optimizer": "rmsprop", "learning_rate": 0.001}),
        ("usps", {**CNN, "conv_layers": 1, "activation": "leaky_relu", "loss": "mse", "optimizer": "sgd"}),
        ("usps", {**CNN, "conv_layers": 3, "activation": "tanh", "optimizer": "rmsprop", "learning_rate": 0.001}),
        ("usps", {**MLP, "hidden_layers": 1, "activation": "sigmoid", "optimizer": "adam", "learning_rate": 0.01}),
        ("house", HOUSE_MSE),
        ("house", HOUSE_GAUSSIAN),
        ("house", {**HOUSE_GAUSSIAN, "hidden_layers": 3, "activation": "relu", "optimizer": "sgd"}),
    ],
    ids=[
        "mlp-mse-sgd",
        "cnn-ce-adam",
        "cnn-mse-sgd",
        "mlp-ce-rmsprop",
        "cnn1-leaky-mse-sgd",
        "cnn3-tanh-ce-rmsprop",
        "mlp1-sigmoid-mse-adam",
        "house-mse",
        "house-gaussian",
        "house-gaussian3-relu-sgd",
    ],
)
def test_replicas_match_plain_runs_seed_by_seed(request, problem, params):
    data = request.getfixturevalue(f"{problem}_data")
    plain, batched = both_ways(problem, params, data)
    for alone, together in zip(plain, batched, strict=True):
        assert alone.seed == together.seed
        assert together.metrics.keys() == alone.metrics.keys()
        for name, value in alone.metrics.items():
            assert together.metrics[name] == pytest.approx(value, rel=1e-4, abs=1e-5, nan_ok=True), name
        for row_alone, row_together in zip(alone.history, together.history, strict=True):
            assert row_together["train_loss"] == pytest.approx(row_alone["train_loss"], rel=1e-4, abs=1e-6)


def test_stacked_network_starts_from_each_seeds_own_initialisation(usps_data):
    models = train.initial_models(problem("usps"), CNN, 256, SEEDS)
    x = torch.as_tensor(usps_data["x_test"])
    net = stack(models)
    inputs = net.inputs(x)
    out = net(inputs.expand(len(SEEDS), *inputs.shape))
    for k, seed in enumerate(SEEDS):
        torch.manual_seed(seed)
        alone = problem("usps").build_model(CNN, 256)
        torch.testing.assert_close(out[k], alone(x), rtol=1e-5, atol=1e-6)


def test_a_diverging_replica_does_not_disturb_the_others(usps_data):
    params = {**MLP, "learning_rate": 50.0, "epochs": 3}
    plain, batched = both_ways("usps", params, usps_data)
    assert [r.diverged for r in plain] == [r.diverged for r in batched]
    assert any(r.diverged for r in batched), "the test needs at least one diverging seed"
    for alone, together in zip(plain, batched):
        assert together.diverged_epoch == alone.diverged_epoch
        if not alone.diverged:
            assert together.metrics["test_loss"] == pytest.approx(alone.metrics["test_loss"], rel=1e-4)


def test_diverged_replica_history_stops_at_its_epoch_with_a_nan_loss(usps_data):
    _, batched = both_ways("usps", {**MLP, "learning_rate": 1e6, "epochs": 3}, usps_data, seeds=[0])
    result = batched[0]
    assert result.diverged and result.diverged_epoch == 1
    assert len(result.history) == 1 and math.isnan(result.history[0]["train_loss"])


@pytest.mark.parametrize(
    "problem, params",
    [("usps", {**CNN, "batch_size": 20}), ("house", {**HOUSE_GAUSSIAN, "batch_size": 20})],
    ids=["cnn", "house-gaussian"],
)
def test_a_large_batch_taken_in_parts_matches_plain_runs(request, monkeypatch, problem, params):
    data = request.getfixturevalue(f"{problem}_data")
    row = 9 * 18 * 18 if problem == "usps" else 4  # a CNN reads its patches, the house MLP its 4 features
    monkeypatch.setattr(train, "MICRO_BATCH_VALUES", len(SEEDS) * row * 6)  # parts of 6, 6, 6 and 2 samples
    parts = []
    monkeypatch.setattr(train, "micro_batched_step", spy(train.micro_batched_step, parts))
    plain, batched = both_ways(problem, params, data)
    assert parts and {len(call) for call in parts} == {4}
    for alone, together in zip(plain, batched, strict=True):
        for name, value in alone.metrics.items():
            assert together.metrics[name] == pytest.approx(value, rel=1e-4, abs=1e-5, nan_ok=True), name


def test_a_replica_diverging_in_a_batch_taken_in_parts_stops_alone(monkeypatch, usps_data):
    monkeypatch.setattr(train, "MICRO_BATCH_VALUES", len(SEEDS) * 256 * 6)
    params = {**MLP, "batch_size": 20, "learning_rate": 20.0, "epochs": 3}  # seeds 0 and 1 diverge at epoch 1, 2 at 2
    plain, batched = both_ways("usps", params, usps_data)
    assert [r.diverged_epoch for r in batched] == [r.diverged_epoch for r in plain]
    assert len({r.diverged_epoch for r in batched}) == 2, "the test needs replicas that stop at different epochs"
    # the replica that lived on trained its first epoch as it would alone, beside the masked ones
    for alone, together in zip(plain, batched, strict=True):
        for row_alone, row_together in zip(alone.history, together.history, strict=True):
            if math.isfinite(row_alone["train_loss"]) and row_alone["epoch"] < alone.diverged_epoch:
                assert row_together["train_loss"] == pytest.approx(row_alone["train_loss"], rel=1e-4)


def spy(function, calls: list):
    """`function`, recording the parts (its fifth argument) of every call."""

    def recorded(*args):
        calls.append(args[4])
        return function(*args)

    return recorded
