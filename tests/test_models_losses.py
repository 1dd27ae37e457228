"""Model output shapes and loss values on hand-computed inputs."""

import math

import pytest
import torch
from synthetic import problem

from hpstudy.engine.losses import GRADIENTS, LOSSES, cross_entropy, gaussian_nll, mse, mse_one_hot

USPS_MLP = dict(architecture="mlp", hidden_layers=2, width=7, activation="tanh")
USPS_CNN = dict(architecture="cnn", conv_layers=3, channels=3, kernel_size=3, padding=2, activation="leaky_relu")
HOUSE = dict(architecture="mlp", hidden_layers=3, width=5, activation="sigmoid")


@pytest.mark.parametrize("params", [USPS_MLP, USPS_CNN])
def test_usps_models_map_flat_images_to_ten_logits(params):
    model = problem("usps").build_model({**params, "loss": "mse"}, 256)
    assert model(torch.rand(4, 256)).shape == (4, 10)


def test_cnn_padding_grows_the_map_by_two_per_layer():
    model = problem("usps").build_model({**USPS_CNN, "loss": "mse"}, 256)
    assert model.head.in_features == 3 * 22 * 22  # 16 -> 18 -> 20 -> 22
    assert sum(isinstance(m, torch.nn.Conv2d) for m in model.modules()) == 3


def test_mlp_has_the_requested_hidden_layers():
    model = problem("usps").build_model({**USPS_MLP, "loss": "mse"}, 256)
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert [(l.in_features, l.out_features) for l in linears] == [(256, 7), (7, 7), (7, 10)]


def test_house_mse_head_gives_one_value_per_house():
    model = problem("house").build_model({**HOUSE, "loss": "mse"}, 4)
    assert model(torch.rand(6, 4)).shape == (6,)


def test_house_gaussian_head_gives_a_mean_and_a_positive_variance():
    model = problem("house").build_model({**HOUSE, "loss": "gaussian_nll"}, 4)
    out = model(torch.randn(50, 4) * 100)
    assert out.shape == (50, 2) and (out[:, 1] > 0).all()


def test_mse_uses_one_hot_targets_averaged_over_all_outputs():
    logits = torch.zeros(2, 10)
    logits[0, 3] = 1.0  # perfect for label 3
    # sample 0: no error; sample 1 (label 5): one output off by 1 -> 1 / 20 elements
    assert mse_one_hot(logits, torch.tensor([3, 5])).mean().item() == pytest.approx(1 / 20)


def test_cross_entropy_of_uniform_logits_is_log_ten():
    assert cross_entropy(torch.zeros(3, 10), torch.tensor([0, 4, 9])).mean().item() == pytest.approx(math.log(10))


def test_regression_mse():
    assert mse(torch.tensor([1.0, 2.0]), torch.tensor([0.0, 0.0])).mean().item() == pytest.approx(2.5)


def test_gaussian_nll_is_half_log_var_plus_scaled_error():
    prediction = torch.tensor([[0.0, 1.0], [1.0, 4.0]])  # (mean, variance)
    target = torch.tensor([1.0, 1.0])
    expected = (0.5 * (0 + 1 / 1) + 0.5 * (math.log(4) + 0 / 4)) / 2
    assert gaussian_nll(prediction, target).mean().item() == pytest.approx(expected)


def test_gaussian_nll_can_be_negative_on_standardised_targets():
    assert gaussian_nll(torch.tensor([[0.0, 0.1]]), torch.tensor([0.0])).mean().item() == pytest.approx(
        0.5 * math.log(0.1)
    )


def test_every_problem_loss_pair_has_a_loss():
    assert set(LOSSES) == {
        ("classification", "mse"),
        ("classification", "cross_entropy"),
        ("regression", "mse"),
        ("regression", "gaussian_nll"),
    }


@pytest.mark.parametrize("pair", sorted(LOSSES))
def test_written_out_gradients_match_autograd(pair):
    torch.manual_seed(0)
    if pair[0] == "classification":
        output, target = torch.randn(3, 5, 10, dtype=torch.float64), torch.randint(0, 10, (3, 5))
    elif pair[1] == "gaussian_nll":
        output = torch.stack([torch.randn(3, 5), torch.rand(3, 5) + 0.1], dim=-1).double()
        target = torch.randn(3, 5, dtype=torch.float64)
    else:
        output, target = torch.randn(3, 5, dtype=torch.float64), torch.randn(3, 5, dtype=torch.float64)
    output.requires_grad_()
    (expected,) = torch.autograd.grad(LOSSES[pair](output, target).sum(), output)
    torch.testing.assert_close(GRADIENTS[pair](output.detach(), target), expected)


def test_losses_give_one_value_per_sample_of_every_replica():
    logits, labels = torch.randn(3, 5, 10), torch.randint(0, 10, (3, 5))
    assert mse_one_hot(logits, labels).shape == (3, 5)
    assert cross_entropy(logits, labels).shape == (3, 5)
    torch.testing.assert_close(cross_entropy(logits, labels)[1], cross_entropy(logits[1], labels[1]))


def test_gaussian_nll_matches_torch_gaussian_nll_loss():
    prediction, target = torch.tensor([[0.3, 0.5], [-1.0, 2.0]]), torch.tensor([0.0, 1.0])
    expected = torch.nn.GaussianNLLLoss(full=False)(prediction[:, 0], target, prediction[:, 1])
    assert gaussian_nll(prediction, target).mean().item() == pytest.approx(expected.item())
