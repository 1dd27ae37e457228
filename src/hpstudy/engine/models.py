"""The study's networks as plain `nn.Module`s."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from hpstudy.study.hyperparameters import USPS_SIDE

ACTIVATIONS = {"relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}

USPS_CLASSES = 10
VARIANCE_FLOOR = 1e-6


def mlp_body(n_inputs: int, hidden_layers: int, width: int, activation: str) -> tuple[nn.Sequential, int]:
    layers, size = [], n_inputs
    for _ in range(hidden_layers):
        layers += [nn.Linear(size, width), ACTIVATIONS[activation]()]
        size = width
    return nn.Sequential(*layers), size


class Classifier(nn.Module):
    """USPS: a body (MLP on the flat image, or convolutions) and a linear layer to the 10 classes."""

    def __init__(self, body: nn.Module, n_features: int):
        super().__init__()
        self.body = body
        self.head = nn.Linear(n_features, USPS_CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x).flatten(1))


def usps_mlp(hidden_layers: int, width: int, activation: str) -> Classifier:
    body, size = mlp_body(USPS_SIDE * USPS_SIDE, hidden_layers, width, activation)
    return Classifier(nn.Sequential(nn.Flatten(), body), size)


def usps_cnn(conv_layers: int, channels: int, kernel_size: int, padding: int, activation: str) -> Classifier:
    layers, in_channels, side = [nn.Unflatten(1, (1, USPS_SIDE, USPS_SIDE))], 1, USPS_SIDE
    for _ in range(conv_layers):
        layers += [nn.Conv2d(in_channels, channels, kernel_size, padding=padding), ACTIVATIONS[activation]()]
        in_channels, side = channels, side + 2 * padding - kernel_size + 1
    return Classifier(nn.Sequential(*layers), channels * side * side)


class Regressor(nn.Module):
    """House prices: an MLP with one output (MSE head) or a mean and a positive variance (Gaussian head)."""

    def __init__(self, n_inputs: int, hidden_layers: int, width: int, activation: str, gaussian: bool):
        super().__init__()
        self.body, size = mlp_body(n_inputs, hidden_layers, width, activation)
        self.gaussian = gaussian
        self.head = nn.Linear(size, 2 if gaussian else 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the mean (N,), or mean and variance stacked as (N, 2)."""
        out = self.head(self.body(x))
        return gaussian_head(out) if self.gaussian else out[..., 0]


def gaussian_head(out: torch.Tensor) -> torch.Tensor:
    """Two raw outputs -> (mean, variance), the variance positive through softplus and a floor."""
    return torch.stack([out[..., 0], F.softplus(out[..., 1]) + VARIANCE_FLOOR], dim=-1)


def build_model(problem: str, params: dict, n_inputs: int) -> nn.Module:
    if problem == "usps" and params["architecture"] == "cnn":
        return usps_cnn(
            params["conv_layers"], params["channels"], params["kernel_size"], params["padding"], params["activation"]
        )
    if problem == "usps":
        return usps_mlp(params["hidden_layers"], params["width"], params["activation"])
    return Regressor(
        n_inputs,
        params["hidden_layers"],
        params["width"],
        params["activation"],
        gaussian=params["loss"] == "gaussian_nll",
    )
